// The edge's clinical evaluation: per-patient threshold alarms, NEWS2 and its alarm, and
// the technical alarms of stale sensors and artefacts, over the alarm state machine of
// alarm_state.h. Sans-IO: every entry point takes `now`, outputs are events (PollEvent)
// and a deadline (NextDeadline); nothing here reads a clock or does I/O.
//
// Timing rules (the same as the IDS detectors'):
//  - `now` never decreases from one call to the next; a call with an earlier `now` is
//    refused (kInvalidArgument) and changes nothing.
//  - Every call first settles the deadlines at or before its `now`, one at a time in time
//    order, each stamped with its own time. So how often the driver calls OnTime() changes
//    neither which events are emitted nor their content or order; calling it at
//    NextDeadline() only makes timer-driven events (a stale sensor) prompt.
//  - A reading's age is measured from Reading::time, which must not be after `now`.
//
// What each input does:
//  - OnReading(): a reading flagged as an artefact, or outside the vital's plausible range,
//    feeds only the artefact technical alarm; it never raises, updates or clears a
//    clinical alarm, and it does not count as a measurement for NEWS2. A valid reading
//    clears the artefact alarm (after the vital's hysteresis time), is checked against
//    the patient's limits, and rescores NEWS2 when it is a NEWS2 parameter. Any reading,
//    valid or not, shows that the sensor is reporting and clears a stale-sensor alarm.
//  - A vital that a patient's device is expected to report (PatientDevice::vitals) and
//    that has had no reading for longer than its max_age raises a sensor-stale alarm.
//  - NEWS2 alarms follow the band: high -> high priority, medium -> medium, low-medium ->
//    low, low -> none. A partial score (some parameter stale or missing) is a lower bound
//    of the true score, so it may raise or escalate an alarm but never clears or lowers
//    one: only complete scores do that.
//  - Consciousness is taken as Alert and stated as assumed in every score until a
//    clinician entry says otherwise; air/oxygen comes from the patient's configuration
//    until a clinician entry says otherwise. Entries hold until the next entry.
//
// Errors: kInvalidArgument (a bad parameter, time going backwards; nothing changes),
// kNotFound (a device bound to no patient, an unknown patient or alarm id), kInvalidState
// (an operator input the alarm's state does not allow, such as acknowledging an
// acknowledged alarm; a reading older than the latest one of that vital, ignored).
//
// Not thread-safe: one engine per thread; the driver serialises its calls.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "common/vitals.h"
#include "edge/clinical/alarm.h"
#include "edge/clinical/alarm_state.h"
#include "edge/clinical/clinical_config.h"
#include "edge/clinical/news2.h"

namespace vigil::clinical {

// What a nurse or a clinician enters about a patient: the two NEWS2 terms no sensor gives.
struct ClinicianEntry {
  std::optional<Consciousness> consciousness;
  std::optional<bool> on_oxygen;
};

class ClinicalEngine {
 public:
  // REQUIRES: ValidateClinicalConfig(config) == kOk. `start` is the time monitoring
  // begins: an expected vital with no reading by start + max_age is stale. Alarm ids are
  // first_alarm_id, first_alarm_id + 1, ...: the driver picks a first id that no earlier
  // run has used (the audit trail outlives the process).
  ClinicalEngine(ClinicalConfig config, TimeUs start, uint64_t first_alarm_id = 1);

  // A verified reading from device `device_uid`. kNotFound if the device is on no
  // patient; kInvalidArgument if a valid reading's value is not finite or reading.time is
  // after `now`; kInvalidState if it is older than the latest reading of that vital.
  Error OnReading(uint64_t device_uid, const Reading& reading, ReadingQuality quality, TimeUs now);

  // A clinician's entry for `patient_id` (rescores NEWS2). kNotFound for an unknown id.
  Error OnClinicianEntry(std::string_view patient_id, const ClinicianEntry& entry, TimeUs now);

  // Operator inputs (the nurse station, later the dashboard). Each one that changes the
  // alarm writes an event naming `operator_id` (1-64 printable characters). kNotFound for
  // an alarm id that is not active (never raised, or cleared); kInvalidState when the
  // table has no such transition; Silence: kInvalidArgument unless 0 < duration <=
  // max_silence.
  Error Acknowledge(uint64_t alarm_id, std::string_view operator_id, TimeUs now);
  Error Silence(uint64_t alarm_id, TimeUs duration, std::string_view operator_id, TimeUs now);

  // Settles every deadline at or before `now`.
  Error OnTime(TimeUs now);
  // The earliest time at which OnTime() has something to do, never before `now`; kNever
  // when nothing is pending.
  TimeUs NextDeadline(TimeUs now) const;

  // Events in the order they happened; the driver drains them after each call.
  std::optional<AlarmEvent> PollEvent();

  // Every alarm not cleared (active, acknowledged, silenced, clearing), most urgent first
  // (priority, then oldest). The nurse station reads this when the uplink is down.
  std::vector<ActiveAlarm> ActiveAlarms() const;

  // The NEWS2 of `patient_id` at `now` from what the engine holds (kNotFound otherwise).
  Result<News2Score> News2(std::string_view patient_id, TimeUs now) const;

  const ClinicalConfig& config() const { return config_; }

 private:
  static constexpr size_t kSlotsPerKind = kVitalCount;
  static constexpr size_t kNews2Slot = 4 * kVitalCount;
  static constexpr size_t kSlotCount = kNews2Slot + 1;

  struct VitalState {
    std::optional<double> value;  // the latest valid reading
    TimeUs at = 0;                // its Reading::time
    TimeUs last_any = 0;          // the latest reading of any quality, or the start
    bool last_was_valid = false;
    bool seen = false;
    bool expected = false;
  };
  struct Alarm {
    AlarmState state = AlarmState::kInactive;
    uint64_t id = 0;
    AlarmPriority priority = AlarmPriority::kMedium;
    TimeUs raised_at = 0;
    TimeUs last_change = 0;
    TimeUs last_report = 0;  // time of the last event that reported a value
    std::optional<double> value;
    std::optional<double> reported_value;
    std::optional<News2Summary> news2;
    TimeUs clear_due = kNever;
    TimeUs silenced_until = 0;
    std::optional<AlarmPriority> lower;  // a pending de-escalation
    TimeUs lower_due = kNever;
    std::string acknowledged_by;
  };
  struct Patient {
    size_t index = 0;  // into config_.patients
    std::array<VitalState, kVitalCount> vitals{};
    std::optional<Consciousness> consciousness;
    TimeUs consciousness_at = 0;
    std::optional<bool> on_oxygen;
    TimeUs oxygen_at = 0;
    std::array<Alarm, kSlotCount> alarms{};
    TimeUs next_deadline = kNever;
  };
  // What an evaluation says about one condition.
  struct Verdict {
    bool present = false;  // in the alarm zone (raises an inactive alarm)
    bool absent = false;   // clear of the limit by the hysteresis
    AlarmPriority priority = AlarmPriority::kMedium;  // when present
    // An active alarm may drop to this priority; none: its priority holds (a pending drop
    // is cancelled).
    std::optional<AlarmPriority> lower_to;
    std::optional<double> value;
    std::optional<News2Summary> news2;
  };

  const PatientConfig& Cfg(const Patient& p) const { return config_.patients[p.index]; }
  const VitalSettings& Settings(const Patient& p, Vital v) const {
    return Cfg(p).vitals[static_cast<size_t>(v)];
  }
  static size_t Slot(ConditionKind k, Vital v);
  static AlarmCondition ConditionOf(size_t slot);

  Error Advance(TimeUs now);
  void SettleDue(TimeUs t);
  void RefreshDeadline(Patient& p);
  TimeUs HoldTime(const Patient& p, size_t slot) const;

  News2Score Score(const Patient& p, TimeUs now) const;
  Verdict ThresholdVerdict(const VitalSettings& s, ConditionKind side, AlarmPriority current,
                           double v) const;
  Verdict News2Verdict(const News2Score& s, AlarmPriority current) const;
  void EvaluateVital(Patient& p, Vital v, TimeUs now);
  void EvaluateNews2(Patient& p, TimeUs now);
  // Feeds a verdict to one slot: raise, escalate, hold, update, drop, clear.
  void Apply(Patient& p, size_t slot, const Verdict& v, TimeUs now);
  void Lower(Patient& p, size_t slot, AlarmPriority to, TimeUs t);
  // Runs one table transition; returns false when the table has no row. The event names
  // `previous` as the priority before it (default: the current one).
  bool Step(Patient& p, size_t slot, AlarmInput input, TimeUs now, std::string_view op = {},
            std::optional<AlarmPriority> previous = std::nullopt);
  // The condition as the latest data shows it at `t` (a clear or drop deadline); none when
  // the data is too old to say.
  std::optional<Verdict> VerdictNow(const Patient& p, size_t slot, TimeUs t) const;
  void Emit(const Patient& p, size_t slot, AlarmEventKind kind, AlarmPriority previous, TimeUs t,
            std::string_view op);

  ClinicalConfig config_;
  std::vector<Patient> patients_;
  std::unordered_map<uint64_t, size_t> by_uid_;                       // device uid -> patient
  std::unordered_map<std::string, size_t> by_id_;                     // patient id -> patient
  std::unordered_map<uint64_t, std::pair<size_t, size_t>> by_alarm_;  // id -> (patient, slot)
  std::deque<AlarmEvent> events_;
  uint64_t next_id_;
  TimeUs now_;
};

}  // namespace vigil::clinical
