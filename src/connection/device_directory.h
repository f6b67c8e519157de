// What the coordinator knows about enrolled devices: the lookup its core needs.
// The CPAN never holds a device's password or Secretkey2: only R1 (the credential key the
// paper versions authenticate with) and R3 (the common function's result).
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "connection/keys.h"

namespace vigil {

struct EnrolledDevice {
  uint64_t uid = 0;
  std::array<uint8_t, kKdSize> kd{};
  std::array<uint8_t, 32> r1{};
  std::array<uint8_t, 32> r3{};
  bool revoked = false;
};

class DeviceDirectory {
 public:
  virtual ~DeviceDirectory() = default;
  // Returns false if the uid is not enrolled.
  virtual bool Find(uint64_t uid, EnrolledDevice* out) const = 0;
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
  size_t size() const { return devices_.size(); }

 private:
  std::unordered_map<uint64_t, EnrolledDevice> devices_;
};

// The CPAN's side of enrollment for one device, computed from its secrets.
EnrolledDevice EnrollmentRecord(CryptoProvider& c, const DeviceSecrets& s);

}  // namespace vigil
