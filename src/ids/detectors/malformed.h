// Bursts of low-level anomalies, low severity (3): undecodable frames (kMalformedFrame),
// frames from identities that are not enrolled (kUnknownDevice: scanning or a device
// enrolled at another ward), unicast frames whose tag fails (kFrameTagInvalid), and
// well-formed messages out of state (kUnexpectedMessage, kUnsolicitedAuthRequest).
//
// Single occurrences are normal on a real radio (a late retransmission arrives after the
// state moved on; a stray device from the next ward), so only bursts are reported: per
// kind, per source (link token, or claimed uid without one), and per kind over all
// sources, which catches a fuzzer that rotates spoofed sources.
#pragma once

#include <array>
#include <cstdint>
#include <utility>

#include "ids/bounded_table.h"
#include "ids/burst_counter.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class MalformedDetector final : public Detector {
 public:
  MalformedDetector(const MalformedConfig& config, size_t max_keys);

  std::string_view name() const override { return "malformed"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  static constexpr size_t kGroups = 4;       // malformed, unknown device, tag, out of state
  using Key = std::pair<uint8_t, uint64_t>;  // group, source
  struct Counter {
    BurstCounter burst{1, 0};
    Holdoff holdoff;
  };

  MalformedConfig config_;
  BoundedTable<Key, Counter> sources_;
  std::array<Counter, kGroups> totals_;
};

}  // namespace vigil::ids
