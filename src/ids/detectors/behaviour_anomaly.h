// Behaviour anomalies: the fully cloned device that cryptography cannot catch.
//
// A perfect copy of a device (same keys, same sealed secret; under hardened, a live image
// of its current common function, protocol.md 9.5) authenticates like the original, so
// only its behaviour gives it away. From coordinator-side kAssociated,
// kDisassociated and kDataReceived events this detector learns, per device: where it is
// associated (one coordinator = one ward), the interval between its data frames, and how
// often it associates. It reports:
//   * impossible travel (severity 1): the device associates at a second coordinator
//     within travel_gap of activity in an open session elsewhere, or data still arrives
//     in an old session after the device associated elsewhere (see ids_config.h);
//   * data rate far above its baseline (severity 2), fast side only;
//   * re-association storms (severity 2).
// Benign patterns it must stay silent on, and why it does:
//   * a ward move (disassociate, associate later elsewhere, or simply vanish and turn up
//     elsewhere after a link-loss timeout): the old session is closed or quiet for longer
//     than travel_gap, and no data follows in it;
//   * a reboot: one re-association at the same coordinator (below reassoc_min_count), and
//     the interval across an association is not a data interval;
//   * lossy links: gaps only lower the rate, and only a higher rate is reported.
// Device-side events (uid == observer) say nothing about where a device is and are
// ignored. Profiles are never dropped by time (that would make verdicts depend on the
// Tick schedule); the table is bounded and evicts the least recently seen device.
#pragma once

#include <cstdint>
#include <vector>

#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/ewma.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"
#include "ids/time_ring.h"

namespace vigil::ids {

class BehaviourAnomalyDetector final : public Detector {
 public:
  BehaviourAnomalyDetector(const BehaviourConfig& config, size_t max_devices);

  std::string_view name() const override { return "behaviour_anomaly"; }
  void OnEvent(const Event& e, AlertOut& out) override;

 private:
  struct Session {
    uint64_t observer = 0;
    TimeUs associated_at = 0;  // kUnknownStart if it began before we saw it
    TimeUs last_activity = 0;
    bool open = false;
  };
  struct Profile {
    bool initialised = false;
    std::vector<Session> sessions;  // at most kMaxSessions, one per coordinator
    bool has_current = false;       // the coordinator of the latest association
    uint64_t current = 0;
    TimeUs current_since = 0;
    Ewma interval;    // data interval baseline
    TimeRing recent;  // last rate_window_frames + 1 data times in this session
    TimeRing associations;
    Ewma assoc_interval;
    bool have_last_assoc = false;
    TimeUs first_assoc = 0;
    TimeUs last_assoc = 0;
    Holdoff travel_holdoff, rate_holdoff, reassoc_holdoff;
  };

  Profile& Get(uint64_t uid);
  Session& SessionAt(Profile& p, uint64_t observer, TimeUs now);
  void OnAssociated(const Event& e, Profile& p, AlertOut& out);
  void OnData(const Event& e, Profile& p, AlertOut& out);
  void CheckRate(const Event& e, Profile& p, AlertOut& out);
  void CheckReassociation(const Event& e, Profile& p, AlertOut& out);
  void RaiseTravel(const Event& e, Profile& p, std::string detail, AlertOut& out);

  BehaviourConfig config_;
  BoundedTable<uint64_t, Profile> profiles_;
};

}  // namespace vigil::ids
