#include "edge/clinical/alarm_state.h"

namespace vigil::clinical {

namespace {

using S = AlarmState;
using I = AlarmInput;
using E = AlarmEventKind;
constexpr std::optional<AlarmEventKind> kNoEvent = std::nullopt;

// The transition table (docs/clinical.md, "Alarm state machine"). A pair not listed is a
// no-op for condition and timer inputs and a refusal for operator inputs.
// clang-format off
constexpr AlarmTransition kTable[] = {
    // from                    input            to                        event
    {S::kInactive,             I::kPresent,     S::kActive,               E::kRaised},

    {S::kActive,               I::kEscalate,    S::kActive,               E::kEscalated},
    {S::kActive,               I::kAbsent,      S::kClearing,             kNoEvent},
    {S::kActive,               I::kAcknowledge, S::kAcknowledged,         E::kAcknowledged},
    {S::kActive,               I::kSilence,     S::kSilenced,             E::kSilenced},

    {S::kAcknowledged,         I::kEscalate,    S::kActive,               E::kEscalated},
    {S::kAcknowledged,         I::kAbsent,      S::kClearingAcknowledged, kNoEvent},

    {S::kSilenced,             I::kEscalate,    S::kActive,               E::kEscalated},
    {S::kSilenced,             I::kAbsent,      S::kClearingSilenced,     kNoEvent},
    {S::kSilenced,             I::kAcknowledge, S::kAcknowledged,         E::kAcknowledged},
    {S::kSilenced,             I::kSilence,     S::kSilenced,             E::kSilenced},
    {S::kSilenced,             I::kSilenceDue,  S::kActive,               E::kSilenceEnded},

    {S::kClearing,             I::kPresent,     S::kActive,               kNoEvent},
    {S::kClearing,             I::kEscalate,    S::kActive,               E::kEscalated},
    {S::kClearing,             I::kClearDue,    S::kInactive,             E::kCleared},
    {S::kClearing,             I::kAcknowledge, S::kClearingAcknowledged, E::kAcknowledged},
    {S::kClearing,             I::kSilence,     S::kClearingSilenced,     E::kSilenced},

    {S::kClearingAcknowledged, I::kPresent,     S::kAcknowledged,         kNoEvent},
    {S::kClearingAcknowledged, I::kEscalate,    S::kActive,               E::kEscalated},
    {S::kClearingAcknowledged, I::kClearDue,    S::kInactive,             E::kCleared},

    {S::kClearingSilenced,     I::kPresent,     S::kSilenced,             kNoEvent},
    {S::kClearingSilenced,     I::kEscalate,    S::kActive,               E::kEscalated},
    {S::kClearingSilenced,     I::kClearDue,    S::kInactive,             E::kCleared},
    {S::kClearingSilenced,     I::kAcknowledge, S::kClearingAcknowledged, E::kAcknowledged},
    {S::kClearingSilenced,     I::kSilence,     S::kClearingSilenced,     E::kSilenced},
    {S::kClearingSilenced,     I::kSilenceDue,  S::kClearing,             E::kSilenceEnded},
};
// clang-format on

}  // namespace

std::string_view AlarmInputName(AlarmInput i) {
  switch (i) {
    case AlarmInput::kPresent:
      return "present";
    case AlarmInput::kEscalate:
      return "escalate";
    case AlarmInput::kAbsent:
      return "absent";
    case AlarmInput::kClearDue:
      return "clear_due";
    case AlarmInput::kAcknowledge:
      return "acknowledge";
    case AlarmInput::kSilence:
      return "silence";
    case AlarmInput::kSilenceDue:
      return "silence_due";
  }
  return "present";
}

std::span<const AlarmTransition> AlarmTransitions() { return kTable; }

const AlarmTransition* FindAlarmTransition(AlarmState from, AlarmInput input) {
  for (const AlarmTransition& t : kTable)
    if (t.from == from && t.input == input) return &t;
  return nullptr;
}

}  // namespace vigil::clinical
