#include "edge/clinical/alarm_state.h"

#include <gtest/gtest.h>

#include <set>

namespace vigil::clinical {
namespace {

constexpr AlarmState kAllStates[] = {
    AlarmState::kInactive,        AlarmState::kActive,   AlarmState::kAcknowledged,
    AlarmState::kSilenced,        AlarmState::kClearing, AlarmState::kClearingAcknowledged,
    AlarmState::kClearingSilenced};

TEST(AlarmState, TableHasOneRowPerStateAndInput) {
  std::set<std::pair<AlarmState, AlarmInput>> seen;
  for (const AlarmTransition& t : AlarmTransitions()) {
    EXPECT_TRUE(seen.insert({t.from, t.input}).second)
        << AlarmStateName(t.from) << " + " << AlarmInputName(t.input) << " twice";
  }
}

// The only way back to inactive is a clear, and every clear writes an event.
TEST(AlarmState, OnlyAClearEndsAnAlarmAndItIsAudited) {
  for (const AlarmTransition& t : AlarmTransitions()) {
    if (t.to == AlarmState::kInactive) {
      EXPECT_EQ(t.input, AlarmInput::kClearDue);
      ASSERT_TRUE(t.event.has_value());
      EXPECT_EQ(*t.event, AlarmEventKind::kCleared);
    }
    if (t.input == AlarmInput::kClearDue) {
      EXPECT_EQ(t.to, AlarmState::kInactive);
    }
  }
}

// "Raised once": no transition except from inactive writes kRaised, and an alarm that
// holds (present) never writes anything.
TEST(AlarmState, AlarmIsRaisedOnlyFromInactiveAndHoldingIsSilent) {
  for (const AlarmTransition& t : AlarmTransitions()) {
    if (t.event == AlarmEventKind::kRaised) {
      EXPECT_EQ(t.from, AlarmState::kInactive);
    }
    if (t.input == AlarmInput::kPresent && t.from != AlarmState::kInactive) {
      EXPECT_FALSE(t.event.has_value()) << AlarmStateName(t.from);
    }
  }
  for (AlarmState s : kAllStates) {
    if (s == AlarmState::kInactive) continue;
    const AlarmTransition* t = FindAlarmTransition(s, AlarmInput::kPresent);
    if (t) {
      EXPECT_NE(t->to, AlarmState::kInactive);
    }
  }
}

// IEC 60601-1-8: an escalated condition re-annunciates whatever the operator did before.
TEST(AlarmState, EscalationAlwaysReannunciates) {
  for (AlarmState s : kAllStates) {
    if (s == AlarmState::kInactive) continue;
    const AlarmTransition* t = FindAlarmTransition(s, AlarmInput::kEscalate);
    ASSERT_NE(t, nullptr) << AlarmStateName(s);
    EXPECT_EQ(t->to, AlarmState::kActive) << AlarmStateName(s);
    EXPECT_EQ(t->event, AlarmEventKind::kEscalated) << AlarmStateName(s);
  }
}

// A condition that comes back during clearing resumes the alarm as the operator left it.
TEST(AlarmState, ReturningConditionResumesTheAcknowledgement) {
  EXPECT_EQ(FindAlarmTransition(AlarmState::kClearing, AlarmInput::kPresent)->to,
            AlarmState::kActive);
  EXPECT_EQ(FindAlarmTransition(AlarmState::kClearingAcknowledged, AlarmInput::kPresent)->to,
            AlarmState::kAcknowledged);
  EXPECT_EQ(FindAlarmTransition(AlarmState::kClearingSilenced, AlarmInput::kPresent)->to,
            AlarmState::kSilenced);
  for (AlarmState s : {AlarmState::kActive, AlarmState::kAcknowledged, AlarmState::kSilenced}) {
    const AlarmTransition* away = FindAlarmTransition(s, AlarmInput::kAbsent);
    ASSERT_NE(away, nullptr);
    EXPECT_EQ(FindAlarmTransition(away->to, AlarmInput::kPresent)->to, s);
  }
}

TEST(AlarmState, EveryOperatorInputThatIsAcceptedWritesAnEvent) {
  for (const AlarmTransition& t : AlarmTransitions()) {
    if (IsOperatorInput(t.input)) {
      EXPECT_TRUE(t.event.has_value()) << AlarmStateName(t.from);
    }
  }
  EXPECT_EQ(FindAlarmTransition(AlarmState::kAcknowledged, AlarmInput::kAcknowledge), nullptr);
  EXPECT_EQ(FindAlarmTransition(AlarmState::kAcknowledged, AlarmInput::kSilence), nullptr);
  EXPECT_EQ(FindAlarmTransition(AlarmState::kInactive, AlarmInput::kAcknowledge), nullptr);
}

// Every state the table can reach can be left towards a clear: no alarm is stuck.
TEST(AlarmState, EveryStateCanReachInactive) {
  for (AlarmState s : kAllStates) {
    std::set<AlarmState> reach = {s};
    for (bool grew = true; grew;) {
      grew = false;
      for (const AlarmTransition& t : AlarmTransitions())
        if (reach.count(t.from) && reach.insert(t.to).second) grew = true;
    }
    EXPECT_TRUE(reach.count(AlarmState::kInactive)) << AlarmStateName(s);
  }
}

}  // namespace
}  // namespace vigil::clinical
