// Authentication failures: kAuthFailed (a device's OTP or tag was wrong at the
// coordinator) and kCpanAuthFailed (the coordinator's proof was wrong at a device: a rogue
// CPAN). The cores only report these for frames whose link checksum was valid, so a
// failed tag is never radio noise: each one is reported (severity 2), rate-limited to one
// alert per (device, observer, kind) per holdoff. Repeated failures are escalated by the
// brute_force detector.
#pragma once

#include <cstdint>
#include <tuple>

#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class AuthFailureDetector final : public Detector {
 public:
  AuthFailureDetector(const AuthFailureConfig& config, size_t max_keys);

  std::string_view name() const override { return "auth_failure"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  using Key = std::tuple<uint64_t, uint64_t, uint8_t>;  // uid, observer, kind
  AuthFailureConfig config_;
  BoundedTable<Key, Holdoff> holdoffs_;
};

}  // namespace vigil::ids
