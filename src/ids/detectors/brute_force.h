// OTP brute force: repeated failed authentications (kAuthFailed at a coordinator,
// kCpanAuthFailed at a device) for one claimed identity, or from one source, within a
// window (default 3 in 60 s): severity 1.
//
// Both views are needed: one attacker guessing one device's OTP trips both (reported once,
// as "against one device"); an attacker spraying many identities from one radio trips
// only the per-source count; many radios guessing one identity trip only the per-device
// count. A genuine device with a desynchronised OTP counter fails once, resynchronises and
// succeeds, so it stays under the threshold.
#pragma once

#include <cstdint>
#include <utility>

#include "ids/bounded_table.h"
#include "ids/burst_counter.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class BruteForceDetector final : public Detector {
 public:
  BruteForceDetector(const BruteForceConfig& config, size_t max_keys);

  std::string_view name() const override { return "brute_force"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  using Key = std::pair<uint8_t, uint64_t>;  // (0 = claimed uid | 1 = link, value)
  struct Counter {
    BurstCounter burst{1, 0};
    Holdoff holdoff;
  };
  Counter& Get(const Key& key);

  BruteForceConfig config_;
  BoundedTable<Key, Counter> counters_;
};

}  // namespace vigil::ids
