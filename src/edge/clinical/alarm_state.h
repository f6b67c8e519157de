// The alarm state machine: one alarm's life from raised to cleared, as a table
// (alarm_state.cc, at the top) that docs/clinical.md reproduces row for row.
//
// The engine turns readings, deadlines and operator inputs into AlarmInputs; this file
// only says where each input leads and which event it writes to the audit trail. Rules
// the table encodes:
//  - an alarm is raised once; while its condition holds it is never raised again;
//  - a higher priority always re-annunciates (an acknowledged or silenced alarm becomes
//    active again: IEC 60601-1-8 treats an escalated condition as a new alarm signal);
//  - a condition that returns while its alarm is clearing resumes the alarm as it was
//    (acknowledged stays acknowledged), with no event: it never went away;
//  - acknowledging an acknowledged alarm, or silencing an acknowledged one, is refused.
#pragma once

#include <optional>
#include <span>

#include "edge/clinical/alarm.h"

namespace vigil::clinical {

enum class AlarmInput : uint8_t {
  kPresent,      // the condition holds at the alarm's priority or lower, or the value is in
                 // the hysteresis band (not yet clear)
  kEscalate,     // the condition holds at a higher priority than the alarm's
  kAbsent,       // the value is clear of the limit by the hysteresis
  kClearDue,     // absent for clear_after, and still confirmed absent at the deadline
  kAcknowledge,  // operator
  kSilence,      // operator: pause the signal for a while
  kSilenceDue,   // the pause has run out
};
std::string_view AlarmInputName(AlarmInput i);

struct AlarmTransition {
  AlarmState from;
  AlarmInput input;
  AlarmState to;
  std::optional<AlarmEventKind> event;  // none: the state changes silently
};

// Every row of the table.
std::span<const AlarmTransition> AlarmTransitions();

// The row for (from, input), or nullptr. With no row, a condition or timer input changes
// nothing; an operator input is refused (kInvalidState).
const AlarmTransition* FindAlarmTransition(AlarmState from, AlarmInput input);

constexpr bool IsOperatorInput(AlarmInput i) {
  return i == AlarmInput::kAcknowledge || i == AlarmInput::kSilence;
}
constexpr bool IsClearing(AlarmState s) {
  return s == AlarmState::kClearing || s == AlarmState::kClearingAcknowledged ||
         s == AlarmState::kClearingSilenced;
}
constexpr bool IsSilenced(AlarmState s) {
  return s == AlarmState::kSilenced || s == AlarmState::kClearingSilenced;
}

}  // namespace vigil::clinical
