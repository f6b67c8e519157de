#include "daemon/registry_directory.h"

#include "common/hex.h"
#include "daemon/log.h"
#include "edge/registry.h"

namespace vigil {

bool RegistryDirectory::UpdateCommonFunction(const EnrolledDevice& d) {
  EnrolledDevice known;
  if (!memory_.Find(d.uid, &known)) return false;
  SecureZero(&known, sizeof(known));
  if (registry_.SaveCommonFunction(d.uid, d.r3, d.has_prev ? &d.r3_prev : nullptr,
                                   d.r3_generation) != Error::kOk) {
    if (log_ != nullptr)
      Log(*log_, "error", "cannot persist the common function; association refused")
          .With("uid", UidToString(d.uid))
          .With("error", registry_.last_error());
    return false;
  }
  return memory_.UpdateCommonFunction(d);
}

}  // namespace vigil
