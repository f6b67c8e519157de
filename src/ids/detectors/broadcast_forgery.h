// Forged broadcasts: kBroadcastForgery, reported by a device whose check of a broadcast
// frame failed.
//
// A failed tag or signature (any error but kUnexpected) is severity 1: broadcasts carry
// commands to every device of a ward, and the hidden broadcast key (and, in the hardened
// version, the coordinator's signature) means not even an enrolled insider can produce a
// valid one. A frame under the wrong key epoch (kUnexpected) is severity 3: it is also
// what a device sees after it missed a key update on a lossy link, so it is a hint, not
// a verdict.
//
// One forged frame is heard by every device in range, and device-side events name the
// receiving device (uid == observer), not the sender. Alerts are therefore rate-limited
// per source link (per receiving device when the driver supplies no link), so a ward of
// thirty devices gives one alert, not thirty.
#pragma once

#include <cstdint>
#include <utility>

#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class BroadcastForgeryDetector final : public Detector {
 public:
  BroadcastForgeryDetector(const BroadcastForgeryConfig& config, size_t max_keys);

  std::string_view name() const override { return "broadcast_forgery"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  // (0 = forged tag | 1 = epoch mismatch, link or receiving device)
  using Key = std::pair<uint8_t, uint64_t>;
  BroadcastForgeryConfig config_;
  BoundedTable<Key, Holdoff> sources_;
};

}  // namespace vigil::ids
