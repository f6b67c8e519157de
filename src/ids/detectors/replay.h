// Replayed frames: kReplay, i.e. a frame counter already seen or below the receiver's
// window. The cores drop exact link-layer duplicates (same MAC sequence number, a
// retransmission after a lost acknowledgement) before they reach the replay check, so a
// kReplay is a frame that was re-sent above the link layer: by default a single one is
// reported (threshold 1 within window), rate-limited per (device, observer).
//
// The detail says how far the counter regressed below the highest counter the observer
// accepted in the device's current session (learnt from kDataReceived, reset by
// kAssociated): a regression by thousands is a recorded-traffic replay, a regression by
// one or two is more likely a delayed duplicate.
#pragma once

#include <cstdint>
#include <tuple>
#include <utility>

#include "ids/bounded_table.h"
#include "ids/burst_counter.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class ReplayDetector final : public Detector {
 public:
  ReplayDetector(const ReplayConfig& config, size_t max_keys);

  std::string_view name() const override { return "replay"; }
  void OnEvent(const Event& e, AlertOut& out) override;
  void OnTime(TimeUs now, AlertOut& out) override;

 private:
  using Key = std::pair<uint64_t, uint64_t>;  // uid, observer
  struct Incident {
    BurstCounter replays{1, 0};
    Holdoff holdoff;
  };
  struct Session {
    bool have_counter = false;
    uint32_t highest = 0;
  };

  // Counters are per message type: unicast data and broadcasts number independently.
  using CounterKey = std::tuple<uint64_t, uint64_t, uint8_t>;  // uid, observer, msg_type

  ReplayConfig config_;
  BoundedTable<Key, Incident> incidents_;
  // Highest accepted counter per session: only dropped by session events or eviction,
  // never by time, so details do not depend on the Tick schedule.
  BoundedTable<CounterKey, Session> sessions_;
};

}  // namespace vigil::ids
