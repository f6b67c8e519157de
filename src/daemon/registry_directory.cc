#include "daemon/registry_directory.h"

#include <iterator>

#include "common/hex.h"
#include "daemon/log.h"
#include "edge/registry.h"

namespace vigil {

EnrolledDevice FromRecord(const DeviceRecord& r) {
  EnrolledDevice d;
  d.uid = r.uid;
  d.kd = r.kd;
  d.r1 = r.r1;
  d.r3 = r.r3_current;  // not the enrollment value: R3 moves (protocol.md 9.5)
  d.r3_prev = r.r3_prev;
  d.has_prev = r.has_prev;
  d.r3_generation = r.r3_generation;
  d.revoked = r.revoked;
  return d;
}

bool RegistryDirectory::Find(uint64_t uid, EnrolledDevice* out) const {
  if (!memory_.Find(uid, out)) return false;
  Result<DeviceRecord> r = registry_.FindDevice(uid);
  if (!r.ok() && r.error() == Error::kCorrupt) ReportDamaged(uid, registry_.last_error());
  if (r.ok()) {
    const bool revoked = out->revoked;
    SecureZero(out, sizeof(*out));
    *out = FromRecord(*r);
    out->revoked = out->revoked || revoked;
    SecureZero(r->kd.data(), r->kd.size());
    SecureZero(r->r1.data(), r->r1.size());
    SecureZero(r->r3.data(), r->r3.size());
    SecureZero(r->r3_current.data(), r->r3_current.size());
    SecureZero(r->r3_prev.data(), r->r3_prev.size());
  }
  return true;
}

void RegistryDirectory::ReportDamaged(uint64_t uid, const std::string& message) const {
  if (!damaged_.insert(uid).second || log_ == nullptr) return;
  Log(*log_, "error", "registry record damaged; device not loaded")
      .With("uid", UidToString(uid))
      .With("error", message);
}

bool RegistryDirectory::StaleSinceRestore(uint64_t uid) const {
  Result<DeviceRecord> r = registry_.FindDevice(uid);
  if (!r.ok()) return false;
  SecureZero(r->kd.data(), r->kd.size());
  SecureZero(r->r1.data(), r->r1.size());
  SecureZero(r->r3.data(), r->r3.size());
  SecureZero(r->r3_current.data(), r->r3_current.size());
  SecureZero(r->r3_prev.data(), r->r3_prev.size());
  return r->stale_since_restore;
}

Result<std::vector<DeviceRecord>> RegistryDirectory::LoadDevices() {
  std::vector<DamagedRecord> bad;
  Result<std::vector<DeviceRecord>> list = registry_.ListDevices(&bad);
  if (!list.ok()) return list;
  std::set<uint64_t> now;
  for (const DamagedRecord& d : bad) {
    now.insert(d.uid);
    ReportDamaged(d.uid, d.message);
  }
  // A record that reads well again (restored) is reported again if it breaks later.
  for (auto it = damaged_.begin(); it != damaged_.end();)
    it = now.count(*it) != 0 ? std::next(it) : damaged_.erase(it);
  return list;
}

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
