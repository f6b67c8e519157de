#include "device/provisioning.h"

#include <string>
#include <utility>

#include "common/private_file.h"
#include "device/bundle.h"

namespace vigil {
namespace {
void Say(std::string* why, std::string msg) {
  if (why != nullptr) *why = std::move(msg);
}
}  // namespace

Error ProvisionFromBundle(KeyStore& store, const std::string& bundle_path, bool erase_bundle,
                          DeviceSecrets* out, ProvisionOutcome* outcome, std::string* why) {
  Error e = store.Load(out);
  if (e == Error::kOk) {
    if (outcome != nullptr) *outcome = ProvisionOutcome::kAlreadySealed;
    return Error::kOk;
  }
  if (e != Error::kNotFound) {
    Say(why, store.last_error());
    return e;
  }
  DeviceBundle bundle;
  e = LoadBundle(bundle_path, &bundle, why);
  if (e != Error::kOk) return e;
  e = store.Seal(bundle.secrets);
  if (e == Error::kOk) e = store.Load(out);  // proves the sealed copy opens
  bool same = e == Error::kOk && out->uid == bundle.secrets.uid && out->kd == bundle.secrets.kd;
  SecureZero(&bundle, sizeof bundle);
  if (e != Error::kOk) {
    Say(why, store.last_error());
    return e;
  }
  if (!same) {
    SecureZero(out, sizeof *out);
    Say(why, "sealed secrets do not read back as imported");
    return Error::kCorrupt;
  }
  if (outcome != nullptr) *outcome = ProvisionOutcome::kImported;
  if (erase_bundle) {
    std::string reason;
    if (ShredFile(bundle_path, &reason) != Error::kOk) {
      // The device is provisioned; a leftover bundle is worth a warning, not a failure.
      Say(why, "imported, but the bundle could not be erased: " + reason);
    }
  }
  return Error::kOk;
}

}  // namespace vigil
