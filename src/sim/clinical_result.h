// What the edge made of a simulated day's clinical telemetry: plain data, filled by
// ClinicalLayer (clinical_layer.h), rendered by report.h. Definitions in
// docs/simulator.md, "Clinical telemetry".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/time.h"
#include "device/episode.h"

namespace vigil::sim {

// Alarms raised on a patient this long after a false reading of theirs reached the alarm
// logic are caused by it (a NEWS2 keeps the latest value of each vital until the next).
inline constexpr TimeUs kTaintWindow = 2 * 60 * kSeconds;

// One scheduled deterioration and what the edge made of it.
struct EpisodeOutcome {
  size_t ward = 0;
  size_t bed = 0;  // 0-based within the ward
  std::string bed_name;
  EpisodeKind kind = EpisodeKind::kSepsis;
  double severity = 1;
  TimeUs onset = 0;
  TimeUs window_end = 0;        // a first alarm after this is too late: missed
  bool monitored = true;        // the bed's devices were on and in the ward at onset
  TimeUs first_alarm = -1;      // first clinical alarm raised on the patient at/after onset
  std::string first_condition;  // "spo2_low", "news2", ...
  bool missed() const { return monitored && (first_alarm < 0 || first_alarm > window_end); }
  TimeUs delay() const { return first_alarm < 0 ? -1 : first_alarm - onset; }
};

// False payloads in one device's name, in one go of the edge (one CPAN data event).
struct FalsePayload {
  TimeUs time = 0;
  uint64_t uid = 0;
  uint64_t reached = 0;  // readings that reached the alarm logic (clinical or artefact)
  uint64_t refused = 0;  // refused packs, implausible values, stale or reordered readings
  uint64_t alarms = 0;   // clinical alarms they caused (kTaintWindow)
};

struct ClinicalResult {
  bool enabled = false;
  std::string error;  // the layer could not be built (the day ran without it)
  std::vector<EpisodeOutcome> episodes;
  uint64_t patients = 0;
  uint64_t packs = 0, packs_refused = 0, clinical_readings = 0, artefact_readings = 0,
           implausible = 0, unassigned = 0, stale_or_reordered = 0;
  uint64_t clinical_alarms = 0;                    // raised, every cause
  uint64_t episode_alarms = 0;                     // raised on a patient during an episode
  uint64_t false_clinical_alarms = 0;              // no active episode, no false reading before it
  uint64_t attack_alarms = 0;                      // caused by false readings
  uint64_t stale_alarms = 0, artefact_alarms = 0;  // technical, raised
  // The first few false clinical alarms: "t=3605.0 s icu-2 heart_rate_high 131".
  std::vector<std::string> false_alarm_examples;
  uint64_t false_payloads = 0;
  std::vector<FalsePayload> false_events;    // every one, in time order
  uint64_t unattributed_false_payloads = 0;  // false payloads no attack of the day explains
  uint64_t oversize_packs = 0;  // packs larger than the core's max payload (sent as filler)
};

}  // namespace vigil::sim
