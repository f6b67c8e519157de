#include "daemon/registry_directory.h"

#include <iterator>
#include <vector>

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

RegistryDirectory::~RegistryDirectory() {
  for (auto& [uid, m] : staged_) SecureZero(&m, sizeof(m));
}

void RegistryDirectory::Put(const EnrolledDevice& d) {
  auto it = staged_.find(d.uid);
  if (it == staged_.end()) {
    memory_.Put(d);
    return;
  }
  EnrolledDevice keep = d;  // the keys and revocation as read, the move as staged
  keep.r3 = it->second.r3;
  keep.r3_prev = it->second.r3_prev;
  keep.has_prev = it->second.has_prev;
  keep.r3_generation = it->second.generation;
  memory_.Put(keep);
  SecureZero(&keep, sizeof(keep));
}

bool RegistryDirectory::Find(uint64_t uid, EnrolledDevice* out) const {
  if (!memory_.Find(uid, out)) return false;
  if (staged_.count(uid) != 0) return true;  // the registry is behind the memory copy
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
  if (staged_.count(uid) != 0) return false;  // it confirmed since: the flag goes at Flush
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
  if (!memory_.UpdateCommonFunction(d)) return false;
  Move& m = staged_[d.uid];
  m.r3 = d.r3;
  m.r3_prev = d.r3_prev;
  m.has_prev = d.has_prev;
  m.generation = d.r3_generation;
  return true;
}

Error RegistryDirectory::Flush(std::string* why) {
  if (staged_.empty()) return Error::kOk;
  std::vector<CommonFunctionState> batch;
  batch.reserve(staged_.size());
  for (const auto& [uid, m] : staged_) {
    CommonFunctionState& c = batch.emplace_back();
    c.uid = uid;
    c.r3 = m.r3;
    c.r3_prev = m.r3_prev;
    c.has_prev = m.has_prev;
    c.generation = m.generation;
  }
  const Error e = registry_.SaveCommonFunctions(batch);
  for (CommonFunctionState& c : batch) SecureZero(&c, sizeof(c));
  if (e != Error::kOk) {
    if (why != nullptr) *why = registry_.last_error();
    if (log_ != nullptr)
      Log(*log_, "error", "cannot persist the common function; grants held back")
          .With("devices", static_cast<uint64_t>(staged_.size()))
          .With("error", registry_.last_error());
    return e;
  }
  for (auto& [uid, m] : staged_) SecureZero(&m, sizeof(m));
  staged_.clear();
  return Error::kOk;
}

}  // namespace vigil
