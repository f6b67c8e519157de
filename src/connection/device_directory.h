// What the coordinator knows about enrolled devices: the lookup its core needs.
// The CPAN never holds a device's password or Secretkey2: only R1 (the credential key the
// paper versions authenticate with) and R3 (the common function's result).
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "connection/keys.h"

namespace vigil {

struct EnrolledDevice {
  uint64_t uid = 0;
  std::array<uint8_t, kKdSize> kd{};
  std::array<uint8_t, 32> r1{};
  std::array<uint8_t, 32> r3{};
  // Hardened's synchronised common function (docs/protocol.md 9.5): R3 moves on at every
  // confirmed association. Until the device's first authenticated frame in the session
  // that moved it, the R3 it had before (`r3_prev`) is still accepted, so that a lost
  // ASSOC_RESP cannot lock the device out.
  std::array<uint8_t, 32> r3_prev{};
  bool has_prev = false;
  uint32_t r3_generation = 0;  // associations that moved R3 since enrollment
  bool revoked = false;
};

class DeviceDirectory {
 public:
  virtual ~DeviceDirectory() = default;
  // Returns false if the uid is not enrolled.
  virtual bool Find(uint64_t uid, EnrolledDevice* out) const = 0;
  // The lookup for an unauthenticated request: the long-term keys and revocation, from a
  // copy that may be a few seconds old (the common function may be stale). Cheap, because
  // anyone can make the coordinator do it; Find runs once an answer has verified.
  virtual bool FindKeys(uint64_t uid, EnrolledDevice* out) const { return Find(uid, out); }
  // Stores a new common-function state (r3, r3_prev, has_prev, r3_generation of `d`; the
  // other fields are ignored): Find returns it from then on. Returns false if the uid is
  // not enrolled or the state could not be stored; the coordinator then refuses the
  // association rather than let the two ends drift apart. A persistent implementation
  // may stage the write: the coordinator emits kPersist before anything it sends that
  // depends on the new state, and its driver makes every staged state durable before
  // sending what follows (or calls PersistFailed), as for CoordinatorPersisted.
  virtual bool UpdateCommonFunction(const EnrolledDevice& d) = 0;
  // True when the stored common function of `uid` may be older than the device's (the
  // store was restored from a backup since the device last confirmed): a failed
  // confirmation is then a device to re-provision, not evidence of an impostor.
  virtual bool StaleSinceRestore(uint64_t uid) const {
    (void)uid;
    return false;
  }
};

// In-memory directory: the gateway loads its registry into one; tests and the simulator
// fill one directly.
class MemoryDirectory final : public DeviceDirectory {
 public:
  void Put(const EnrolledDevice& d) { devices_[d.uid] = d; }
  void SetRevoked(uint64_t uid, bool revoked) {
    auto it = devices_.find(uid);
    if (it != devices_.end()) it->second.revoked = revoked;
  }
  bool Find(uint64_t uid, EnrolledDevice* out) const override {
    auto it = devices_.find(uid);
    if (it == devices_.end()) return false;
    *out = it->second;
    return true;
  }
  bool UpdateCommonFunction(const EnrolledDevice& d) override {
    auto it = devices_.find(d.uid);
    if (it == devices_.end()) return false;
    it->second.r3 = d.r3;
    it->second.r3_prev = d.r3_prev;
    it->second.has_prev = d.has_prev;
    it->second.r3_generation = d.r3_generation;
    stale_.erase(d.uid);  // the device confirmed: the two agree again
    return true;
  }
  // Marks a device as restored from an older copy (what a registry restore does to every
  // device), until its next confirmed association.
  void SetStaleSinceRestore(uint64_t uid) { stale_.insert(uid); }
  bool StaleSinceRestore(uint64_t uid) const override { return stale_.count(uid) != 0; }
  size_t size() const { return devices_.size(); }

 private:
  std::unordered_map<uint64_t, EnrolledDevice> devices_;
  std::unordered_set<uint64_t> stale_;
};

// The CPAN's side of enrollment for one device, computed from its secrets.
EnrolledDevice EnrollmentRecord(CryptoProvider& c, const DeviceSecrets& s);

}  // namespace vigil
