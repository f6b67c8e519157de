#include "edge/clinical/alarm.h"

namespace vigil::clinical {

std::string_view AlarmPriorityName(AlarmPriority p) {
  switch (p) {
    case AlarmPriority::kLow:
      return "low";
    case AlarmPriority::kMedium:
      return "medium";
    case AlarmPriority::kHigh:
      return "high";
  }
  return "medium";
}

std::optional<AlarmPriority> AlarmPriorityFromName(std::string_view s) {
  for (AlarmPriority p : {AlarmPriority::kLow, AlarmPriority::kMedium, AlarmPriority::kHigh})
    if (AlarmPriorityName(p) == s) return p;
  return std::nullopt;
}

std::string_view ConditionKindName(ConditionKind k) {
  switch (k) {
    case ConditionKind::kLow:
      return "low";
    case ConditionKind::kHigh:
      return "high";
    case ConditionKind::kNews2:
      return "news2";
    case ConditionKind::kSensorStale:
      return "sensor_stale";
    case ConditionKind::kArtefact:
      return "artefact";
  }
  return "low";
}

std::string ConditionName(const AlarmCondition& c) {
  if (c.kind == ConditionKind::kNews2) return "news2";
  return std::string(VitalName(c.vital)) + "_" + std::string(ConditionKindName(c.kind));
}

std::string_view AlarmStateName(AlarmState s) {
  switch (s) {
    case AlarmState::kInactive:
      return "inactive";
    case AlarmState::kActive:
      return "active";
    case AlarmState::kAcknowledged:
      return "acknowledged";
    case AlarmState::kSilenced:
      return "silenced";
    case AlarmState::kClearing:
      return "clearing";
    case AlarmState::kClearingAcknowledged:
      return "clearing_acknowledged";
    case AlarmState::kClearingSilenced:
      return "clearing_silenced";
  }
  return "inactive";
}

std::string_view ReadingQualityName(ReadingQuality q) {
  return q == ReadingQuality::kValid ? "valid" : "artefact";
}

std::string_view AlarmEventKindName(AlarmEventKind k) {
  switch (k) {
    case AlarmEventKind::kRaised:
      return "raised";
    case AlarmEventKind::kUpdated:
      return "updated";
    case AlarmEventKind::kEscalated:
      return "escalated";
    case AlarmEventKind::kAcknowledged:
      return "acknowledged";
    case AlarmEventKind::kSilenced:
      return "silenced";
    case AlarmEventKind::kSilenceEnded:
      return "silence_ended";
    case AlarmEventKind::kCleared:
      return "cleared";
  }
  return "raised";
}

News2Summary Summarise(const News2Score& s) {
  News2Summary n;
  n.aggregate = s.aggregate;
  n.band = s.band;
  n.complete = s.complete;
  n.any_single_three = s.any_single_three;
  n.consciousness_assumed = s.consciousness_assumed;
  return n;
}

}  // namespace vigil::clinical
