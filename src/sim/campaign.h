// One simulated day of the hospital under one protocol version, with the attack
// schedule played into it: Table 2's measurement.
//
// Definitions (docs/simulator.md, "Detected and blocked"):
//  - detected: the IDS raised an alert naming the attacked device (Alert::uid is one of
//    the attack's subjects; for attacks on a whole ward, an alert from its CPAN with no
//    single device also counts) within `window_s` of the attack's first action on the air
//    (Attack::acted_at: a passive recording phase before it cannot be seen by anyone);
//  - blocked: the attack did not reach its goal (catalog.h, GoalDefinition), e.g. the
//    intruder never held a session the CPAN accepted data on;
//  - time to detect: from the attack's first action to the first such alert.
// Alerts that match no attack (in time, by device, or by ward) are counted as
// unattributed: the false alarms of the day.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "connection/wire/format.h"
#include "ids/alert.h"
#include "sim/attacks/attack.h"
#include "sim/clinical_result.h"
#include "sim/hospital.h"
#include "sim/scenario.h"
#include "sim/testbed_config.h"

namespace vigil::sim {

struct AttackOutcome {
  AttackPlan plan;
  uint64_t victim_uid = 0;  // the victim's identity when the attack started
  bool executed = true;
  bool detected = false;
  bool blocked = true;
  TimeUs time_to_detect = -1;
  std::string signature;  // of the first matching alert
  std::string note;
  // Clinical telemetry (scenario [clinical] on): false payloads in the victim's name
  // within kClinicalAttribution of the attack's start, and what the edge did with them.
  uint64_t false_payloads = 0;
  uint64_t false_readings = 0;    // reached the alarm logic
  uint64_t refused_readings = 0;  // refused by the edge
  uint64_t false_alarms = 0;      // clinical alarms they caused
};

inline constexpr TimeUs kClinicalAttribution = 5 * 60 * kSeconds;

struct DayResult {
  wire::Version version = wire::Version::kHardened;
  TimeUs simulated = 0;
  double wall_seconds = 0;
  std::vector<AttackOutcome> attacks;
  uint64_t alerts = 0;
  uint64_t unattributed_alerts = 0;
  std::vector<ids::Alert> unattributed_examples;  // the first few
  uint64_t associations = 0;
  uint64_t data_frames = 0;
  uint64_t frames_on_air = 0;  // data frames incl. retransmissions (ACKs not counted)
  uint64_t acks_on_air = 0;
  uint64_t scheduler_events = 0;
  ClinicalResult clinical;  // enabled only when the scenario turns clinical telemetry on
};

// `progress(fraction)` is called now and then (may be empty).
DayResult RunDay(const Scenario& s, const HospitalPlan& plan,
                 const std::vector<AttackPlan>& attacks, uint64_t seed, wire::Version version,
                 const Profiles& profiles, const std::function<void(double)>& progress);

}  // namespace vigil::sim
