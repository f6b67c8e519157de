// Flooding: association requests (kAssociationAttempt) arriving faster than any ward
// needs, from one source or from all sources together, and inputs dropped by the cores'
// rate limiters (kRateLimited: flooding or battery-drain attempts).
//
// A "source" is the event's link token; events without one are attributed to the claimed
// uid. The overall count catches floods spread over many spoofed sources, which no
// per-source counter sees. A whole ward rebooting after a power cut associates every
// device within seconds, so per_link_threshold must stay above a device's own retry
// count and total_threshold above the ward size.
#pragma once

#include <cstdint>
#include <utility>

#include "ids/bounded_table.h"
#include "ids/burst_counter.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class FloodingDetector final : public Detector {
 public:
  FloodingDetector(const FloodingConfig& config, size_t max_keys);

  std::string_view name() const override { return "flooding"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  // (what is counted, source): 0 = association attempts, 1 = rate-limiter drops.
  using Key = std::pair<uint8_t, uint64_t>;
  struct Counter {
    BurstCounter burst{1, 0};
    Holdoff holdoff;
  };

  Counter& Source(const Key& key, uint32_t threshold);

  FloodingConfig config_;
  BoundedTable<Key, Counter> sources_;
  Counter total_;
};

}  // namespace vigil::ids
