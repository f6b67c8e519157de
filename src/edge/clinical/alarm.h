// The vocabulary of clinical and technical alarms: priorities (IEC 60601-1-8), alarm
// conditions, the events the engine emits for the audit trail, and the view of an active
// alarm that a nurse station reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"
#include "common/vitals.h"
#include "edge/clinical/news2.h"

namespace vigil::clinical {

// IEC 60601-1-8: high = immediate response, medium = prompt response, low = awareness.
// Ordered: a larger value is more urgent.
enum class AlarmPriority : uint8_t { kLow = 1, kMedium = 2, kHigh = 3 };
std::string_view AlarmPriorityName(AlarmPriority p);  // "low" | "medium" | "high"
std::optional<AlarmPriority> AlarmPriorityFromName(std::string_view s);

// What an alarm is about. Threshold and NEWS2 conditions are physiological (clinical);
// a stale sensor and an artefact are technical: they say the data cannot be trusted,
// never that the patient is worse.
enum class ConditionKind : uint8_t {
  kLow,          // a vital below its low (or critical low) limit
  kHigh,         // a vital above its high (or critical high) limit
  kNews2,        // the NEWS2 band calls for a response (low-medium, medium, high)
  kSensorStale,  // an expected vital has had no reading for its maximum age
  kArtefact,     // readings of a vital are flagged as artefacts or are implausible
};
std::string_view ConditionKindName(ConditionKind k);  // "low", "high", "news2", ...
constexpr bool IsTechnical(ConditionKind k) {
  return k == ConditionKind::kSensorStale || k == ConditionKind::kArtefact;
}

struct AlarmCondition {
  ConditionKind kind = ConditionKind::kLow;
  Vital vital = Vital::kHeartRate;  // unused for kNews2
  bool operator==(const AlarmCondition&) const = default;
};
// "spo2_low", "heart_rate_high", "news2", "spo2_sensor_stale", "spo2_artefact".
std::string ConditionName(const AlarmCondition& c);

// The alarm state machine's states (alarm_state.h has the transitions). kInactive is an
// alarm slot with no alarm; a cleared alarm returns its slot to kInactive, and its id is
// never used again.
enum class AlarmState : uint8_t {
  kInactive,
  kActive,                // condition present, alarm signal on
  kAcknowledged,          // condition present, signal off until escalation or clearing
  kSilenced,              // condition present, signal paused until silenced_until
  kClearing,              // condition gone, waiting for hysteresis; was active
  kClearingAcknowledged,  // ... was acknowledged
  kClearingSilenced,      // ... was silenced
};
std::string_view AlarmStateName(AlarmState s);

// The reading's quality as the decoder judged it (a pulse oximeter that reports "probe
// off" or "no signal" gives kArtefact, often with a value of 0).
enum class ReadingQuality : uint8_t { kValid, kArtefact };
std::string_view ReadingQualityName(ReadingQuality q);  // "valid" | "artefact"

enum class AlarmEventKind : uint8_t {
  kRaised,        // a new alarm id
  kUpdated,       // new value or NEWS2 score, or a lower priority after the hold time
  kEscalated,     // a higher priority (re-annunciates an acknowledged or silenced alarm)
  kAcknowledged,  // operator input
  kSilenced,      // operator input: signal paused until silenced_until
  kSilenceEnded,  // the pause ran out while the alarm was still present
  kCleared,       // the condition has gone for its hysteresis; the id ends
};
std::string_view AlarmEventKindName(AlarmEventKind k);

// A NEWS2 as an alarm carries it: enough to act on and to audit.
struct News2Summary {
  int aggregate = 0;
  News2Band band = News2Band::kLow;
  bool complete = false;
  bool any_single_three = false;
  bool consciousness_assumed = true;
};
News2Summary Summarise(const News2Score& s);

// One entry of the audit trail. `time` is the input's `now`, or the deadline's own time
// for timer-driven events (a stale sensor, a clear, a silence that ended), so that a run
// gives the same events whenever the driver happens to call OnTime().
struct AlarmEvent {
  AlarmEventKind kind = AlarmEventKind::kRaised;
  uint64_t alarm_id = 0;
  TimeUs time = 0;
  std::string patient_id;  // local identifier: stays at the edge (docs/privacy.md)
  std::string bed;
  std::string ward;
  AlarmCondition condition;
  AlarmPriority priority = AlarmPriority::kMedium;           // after the event
  AlarmPriority previous_priority = AlarmPriority::kMedium;  // before it (== for raised)
  AlarmState state = AlarmState::kActive;                    // after the event
  std::optional<double> value;        // the reading (threshold, artefact), the score (NEWS2)
  std::optional<News2Summary> news2;  // NEWS2 alarms, and threshold alarms of NEWS2 vitals
  std::string operator_id;            // acknowledged, silenced
  TimeUs silenced_until = 0;          // silenced
};

// An alarm as the nurse station lists it (ClinicalEngine::ActiveAlarms()).
struct ActiveAlarm {
  uint64_t alarm_id = 0;
  std::string patient_id;
  std::string bed;
  std::string ward;
  AlarmCondition condition;
  AlarmPriority priority = AlarmPriority::kMedium;
  AlarmState state = AlarmState::kActive;
  TimeUs raised_at = 0;
  TimeUs last_change = 0;
  std::optional<double> value;  // the latest value seen (not only the latest reported)
  std::optional<News2Summary> news2;
  TimeUs silenced_until = 0;
  std::string acknowledged_by;
};

}  // namespace vigil::clinical
