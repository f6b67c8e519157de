// Input the coordinator dropped without a verdict of its own to report: a data frame with
// less protection than its session requires (a downgrade), and frames from a source that
// an intrusion verdict blocked. Each is named once per holdoff per (device, source), so
// that a dropped device is never silent and a flood of drops is never a flood of alerts.
#pragma once

#include <cstdint>

#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class DroppedInputDetector final : public Detector {
 public:
  DroppedInputDetector(const DroppedInputConfig& config, size_t max_keys);
  std::string_view name() const override { return "dropped_input"; }
  void OnEvent(const Event& e, AlertOut& out) override;

 private:
  struct Key {
    uint64_t uid = 0;
    uint64_t link = 0;
    EventKind kind = EventKind::kDowngrade;
    auto operator<=>(const Key&) const = default;
  };
  struct Incident {
    Holdoff holdoff;
    uint64_t dropped = 0;
  };
  DroppedInputConfig config_;
  BoundedTable<Key, Incident> incidents_;
};

}  // namespace vigil::ids
