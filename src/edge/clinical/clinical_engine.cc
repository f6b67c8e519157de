#include "edge/clinical/clinical_engine.h"

#include <algorithm>
#include <cmath>

namespace vigil::clinical {

namespace {

bool IsNews2Vital(Vital v) {
  return v == Vital::kRespRate || v == Vital::kSpO2 || v == Vital::kSystolic ||
         v == Vital::kHeartRate || v == Vital::kPulseRate || v == Vital::kTemperature;
}

std::optional<AlarmPriority> PriorityOfBand(News2Band b) {
  switch (b) {
    case News2Band::kHigh:
      return AlarmPriority::kHigh;
    case News2Band::kMedium:
      return AlarmPriority::kMedium;
    case News2Band::kLowMedium:
      return AlarmPriority::kLow;
    case News2Band::kLow:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

ClinicalEngine::ClinicalEngine(ClinicalConfig config, TimeUs start, uint64_t first_alarm_id)
    : config_(std::move(config)), next_id_(first_alarm_id), now_(start) {
  patients_.resize(config_.patients.size());
  for (size_t i = 0; i < config_.patients.size(); ++i) {
    const PatientConfig& pc = config_.patients[i];
    Patient& p = patients_[i];
    p.index = i;
    by_id_.emplace(pc.id, i);
    for (VitalState& vs : p.vitals) vs.last_any = start;
    for (const PatientDevice& d : pc.devices) {
      by_uid_.emplace(d.uid, i);
      for (Vital v : d.vitals) p.vitals[static_cast<size_t>(v)].expected = true;
    }
    RefreshDeadline(p);
  }
}

size_t ClinicalEngine::Slot(ConditionKind k, Vital v) {
  switch (k) {
    case ConditionKind::kLow:
      return static_cast<size_t>(v);
    case ConditionKind::kHigh:
      return kSlotsPerKind + static_cast<size_t>(v);
    case ConditionKind::kSensorStale:
      return 2 * kSlotsPerKind + static_cast<size_t>(v);
    case ConditionKind::kArtefact:
      return 3 * kSlotsPerKind + static_cast<size_t>(v);
    case ConditionKind::kNews2:
      return kNews2Slot;
  }
  return kNews2Slot;
}

AlarmCondition ClinicalEngine::ConditionOf(size_t slot) {
  if (slot == kNews2Slot) return {ConditionKind::kNews2, Vital::kHeartRate};
  constexpr ConditionKind kinds[] = {ConditionKind::kLow, ConditionKind::kHigh,
                                     ConditionKind::kSensorStale, ConditionKind::kArtefact};
  return {kinds[slot / kSlotsPerKind], kAllVitals[slot % kSlotsPerKind]};
}

TimeUs ClinicalEngine::HoldTime(const Patient& p, size_t slot) const {
  const AlarmCondition c = ConditionOf(slot);
  switch (c.kind) {
    case ConditionKind::kNews2:
      return config_.news2_clear_after;
    case ConditionKind::kSensorStale:
      return 0;  // a reading proves the sensor reports again
    default:
      return Settings(p, c.vital).clear_after;
  }
}

// ---- time ----------------------------------------------------------------------------

Error ClinicalEngine::Advance(TimeUs now) {
  if (now < now_) return Error::kInvalidArgument;
  for (;;) {
    TimeUs t = kNever;
    for (const Patient& p : patients_) t = std::min(t, p.next_deadline);
    if (t > now) break;
    SettleDue(t);
  }
  now_ = now;
  return Error::kOk;
}

void ClinicalEngine::SettleDue(TimeUs t) {
  for (Patient& p : patients_) {
    if (p.next_deadline != t) continue;
    for (size_t slot = 0; slot < kSlotCount; ++slot) {
      Alarm& a = p.alarms[slot];
      if (a.state == AlarmState::kInactive) continue;
      if (IsSilenced(a.state) && a.silenced_until == t) Step(p, slot, AlarmInput::kSilenceDue, t);
      if (a.lower && a.lower_due == t) {
        const std::optional<Verdict> v = VerdictNow(p, slot, t);
        const AlarmPriority target = *a.lower;
        a.lower.reset();
        a.lower_due = kNever;
        if (v && v->lower_to) Lower(p, slot, std::max(target, *v->lower_to), t);
      }
      if (IsClearing(a.state) && a.clear_due == t) {
        a.clear_due = kNever;
        const std::optional<Verdict> v = VerdictNow(p, slot, t);
        Step(p, slot, v && v->absent ? AlarmInput::kClearDue : AlarmInput::kPresent, t);
      }
    }
    for (Vital v : kAllVitals) {
      const VitalState& vs = p.vitals[static_cast<size_t>(v)];
      const size_t slot = Slot(ConditionKind::kSensorStale, v);
      if (vs.expected && p.alarms[slot].state == AlarmState::kInactive &&
          vs.last_any + Settings(p, v).max_age + 1 == t) {
        Verdict stale;
        stale.present = true;
        stale.priority = config_.technical_priority;
        Apply(p, slot, stale, t);
      }
    }
    RefreshDeadline(p);
  }
}

void ClinicalEngine::RefreshDeadline(Patient& p) {
  TimeUs d = kNever;
  for (const Alarm& a : p.alarms) {
    if (a.state == AlarmState::kInactive) continue;
    if (IsClearing(a.state)) d = std::min(d, a.clear_due);
    if (a.lower) d = std::min(d, a.lower_due);
    if (IsSilenced(a.state)) d = std::min(d, a.silenced_until);
  }
  for (Vital v : kAllVitals) {
    const VitalState& vs = p.vitals[static_cast<size_t>(v)];
    // Stale once the age exceeds max_age: a reading exactly max_age old is still fresh.
    if (vs.expected &&
        p.alarms[Slot(ConditionKind::kSensorStale, v)].state == AlarmState::kInactive)
      d = std::min(d, vs.last_any + Settings(p, v).max_age + 1);
  }
  p.next_deadline = d;
}

TimeUs ClinicalEngine::NextDeadline(TimeUs now) const {
  TimeUs d = kNever;
  for (const Patient& p : patients_) d = std::min(d, p.next_deadline);
  return d == kNever ? kNever : std::max(d, now);
}

Error ClinicalEngine::OnTime(TimeUs now) { return Advance(now); }

// ---- evaluation ----------------------------------------------------------------------

News2Score ClinicalEngine::Score(const Patient& p, TimeUs now) const {
  const PatientConfig& pc = Cfg(p);
  auto measured = [&](Vital v) {
    News2Inputs::Measured m;
    const VitalState& vs = p.vitals[static_cast<size_t>(v)];
    if (vs.value) {
      m.value = vs.value;
      m.observed_at = vs.at;
      m.stale = now - vs.at > Settings(p, v).max_age;
    }
    return m;
  };
  News2Inputs in;
  in.resp_rate = measured(Vital::kRespRate);
  in.spo2 = measured(Vital::kSpO2);
  in.systolic = measured(Vital::kSystolic);
  in.temperature = measured(Vital::kTemperature);
  // Pulse: the latest of the ECG heart rate and the pulse rate (oximeter, cuff, watch).
  const News2Inputs::Measured hr = measured(Vital::kHeartRate);
  const News2Inputs::Measured pr = measured(Vital::kPulseRate);
  in.pulse = !hr.value ? pr : !pr.value ? hr : (pr.observed_at > hr.observed_at ? pr : hr);
  in.scale = pc.spo2_scale;
  if (p.on_oxygen) {
    in.on_oxygen = *p.on_oxygen;
    in.oxygen_source = TermSource::kClinicianEntry;
    in.oxygen_at = p.oxygen_at;
  } else {
    in.on_oxygen = pc.on_oxygen;
    in.oxygen_source = TermSource::kPatientConfig;
  }
  if (p.consciousness) {
    in.consciousness = *p.consciousness;
    in.consciousness_source = TermSource::kClinicianEntry;
    in.consciousness_at = p.consciousness_at;
  }
  return ScoreNews2(in, now);
}

ClinicalEngine::Verdict ClinicalEngine::ThresholdVerdict(const VitalSettings& s, ConditionKind side,
                                                         AlarmPriority current, double v) const {
  Verdict out;
  out.value = v;
  const bool low = side == ConditionKind::kLow;
  const std::optional<double>& crit = low ? s.critical_low : s.critical_high;
  const std::optional<double>& lim = low ? s.low : s.high;
  if (!s.enabled || (!crit && !lim)) {
    out.absent = true;
    return out;
  }
  auto beyond = [&](double limit) { return low ? v < limit : v > limit; };
  auto back = [&](double limit) { return low ? limit + s.hysteresis : limit - s.hysteresis; };
  if (crit && beyond(*crit)) {
    out.present = true;
    out.priority = AlarmPriority::kHigh;
  } else if (lim && beyond(*lim)) {
    out.present = true;
    out.priority = AlarmPriority::kMedium;
  }
  const double outer = lim ? *lim : *crit;  // the limit nearest to normal
  out.absent = !out.present && !beyond(back(outer));
  // A high-priority alarm may drop to medium once the value is back from the critical
  // limit by the hysteresis (and not yet clear, which would start clearing instead).
  if (current == AlarmPriority::kHigh && crit && lim && !out.absent && !beyond(back(*crit)))
    out.lower_to = AlarmPriority::kMedium;
  return out;
}

ClinicalEngine::Verdict ClinicalEngine::News2Verdict(const News2Score& s,
                                                     AlarmPriority current) const {
  Verdict out;
  out.value = s.aggregate;
  out.news2 = Summarise(s);
  const std::optional<AlarmPriority> raw = PriorityOfBand(s.band);
  if (raw) {
    out.present = true;
    out.priority = *raw;
  }
  // A partial score is a lower bound: it can prove a band is reached, never that a band
  // is left. Only complete scores clear or lower a NEWS2 alarm.
  if (s.complete) {
    if (!raw) out.absent = true;
    if (raw && *raw < current) out.lower_to = raw;
  }
  return out;
}

std::optional<ClinicalEngine::Verdict> ClinicalEngine::VerdictNow(const Patient& p, size_t slot,
                                                                  TimeUs t) const {
  const AlarmCondition c = ConditionOf(slot);
  const Alarm& a = p.alarms[slot];
  switch (c.kind) {
    case ConditionKind::kLow:
    case ConditionKind::kHigh: {
      const VitalState& vs = p.vitals[static_cast<size_t>(c.vital)];
      if (!vs.value || t - vs.at > Settings(p, c.vital).max_age) return std::nullopt;
      return ThresholdVerdict(Settings(p, c.vital), c.kind, a.priority, *vs.value);
    }
    case ConditionKind::kNews2:
      return News2Verdict(Score(p, t), a.priority);
    case ConditionKind::kArtefact: {
      Verdict v;
      v.absent = p.vitals[static_cast<size_t>(c.vital)].last_was_valid;
      v.present = !v.absent;
      v.priority = config_.technical_priority;
      return v;
    }
    case ConditionKind::kSensorStale: {
      const VitalState& vs = p.vitals[static_cast<size_t>(c.vital)];
      Verdict v;
      v.absent = t - vs.last_any <= Settings(p, c.vital).max_age;
      v.present = !v.absent;
      v.priority = config_.technical_priority;
      return v;
    }
  }
  return std::nullopt;
}

void ClinicalEngine::EvaluateVital(Patient& p, Vital v, TimeUs now) {
  const VitalSettings& s = Settings(p, v);
  const double value = *p.vitals[static_cast<size_t>(v)].value;
  for (ConditionKind side : {ConditionKind::kLow, ConditionKind::kHigh}) {
    const size_t slot = Slot(side, v);
    Apply(p, slot, ThresholdVerdict(s, side, p.alarms[slot].priority, value), now);
  }
}

void ClinicalEngine::EvaluateNews2(Patient& p, TimeUs now) {
  Apply(p, kNews2Slot, News2Verdict(Score(p, now), p.alarms[kNews2Slot].priority), now);
}

// ---- alarms --------------------------------------------------------------------------

void ClinicalEngine::Apply(Patient& p, size_t slot, const Verdict& v, TimeUs now) {
  Alarm& a = p.alarms[slot];
  if (a.state == AlarmState::kInactive) {
    if (!v.present) return;
    a = Alarm{};
    a.id = next_id_++;
    a.priority = v.priority;
    a.raised_at = now;
    a.value = v.value;
    a.news2 = v.news2;
    a.reported_value = v.value;
    a.last_report = now;
    by_alarm_[a.id] = {p.index, slot};
    Step(p, slot, AlarmInput::kPresent, now);
    return;
  }
  if (v.value) a.value = v.value;
  if (v.news2) a.news2 = v.news2;
  if (v.present && v.priority > a.priority) {
    const AlarmPriority previous = a.priority;
    a.priority = v.priority;
    a.lower.reset();
    a.lower_due = kNever;
    a.clear_due = kNever;
    a.reported_value = a.value;
    a.last_report = now;
    Step(p, slot, AlarmInput::kEscalate, now, {}, previous);
    return;
  }
  if (v.absent) {
    a.lower.reset();
    a.lower_due = kNever;
    if (!IsClearing(a.state)) {
      Step(p, slot, AlarmInput::kAbsent, now);
      a.clear_due = now + HoldTime(p, slot);
    }
    if (a.clear_due <= now) {
      a.clear_due = kNever;
      Step(p, slot, AlarmInput::kClearDue, now);
    }
    return;
  }
  // Present at the alarm's priority or lower, or in the hysteresis band: not gone.
  if (IsClearing(a.state)) {
    a.clear_due = kNever;
    Step(p, slot, AlarmInput::kPresent, now);
  }
  if (v.lower_to && *v.lower_to < a.priority) {
    // The target is the highest priority seen while the drop is pending.
    if (!a.lower) {
      a.lower = v.lower_to;
      a.lower_due = now + HoldTime(p, slot);
    } else {
      a.lower = std::max(*a.lower, *v.lower_to);
    }
    if (a.lower_due <= now) {
      const AlarmPriority target = *a.lower;
      a.lower.reset();
      a.lower_due = kNever;
      Lower(p, slot, target, now);
      return;
    }
  } else {
    a.lower.reset();
    a.lower_due = kNever;
  }
  if (a.value && now - a.last_report >= config_.min_update_interval) {
    const AlarmCondition c = ConditionOf(slot);
    const double step = c.kind == ConditionKind::kNews2 ? 1.0 : Settings(p, c.vital).update_step;
    if (!a.reported_value || std::fabs(*a.value - *a.reported_value) >= step) {
      a.reported_value = a.value;
      a.last_report = now;
      Emit(p, slot, AlarmEventKind::kUpdated, a.priority, now, {});
    }
  }
}

void ClinicalEngine::Lower(Patient& p, size_t slot, AlarmPriority to, TimeUs t) {
  Alarm& a = p.alarms[slot];
  if (to >= a.priority) return;
  const AlarmPriority previous = a.priority;
  a.priority = to;
  a.reported_value = a.value;
  a.last_report = t;
  a.last_change = t;
  Emit(p, slot, AlarmEventKind::kUpdated, previous, t, {});
}

bool ClinicalEngine::Step(Patient& p, size_t slot, AlarmInput input, TimeUs now,
                          std::string_view op, std::optional<AlarmPriority> previous) {
  Alarm& a = p.alarms[slot];
  const AlarmTransition* t = FindAlarmTransition(a.state, input);
  if (t == nullptr) return false;
  a.state = t->to;
  a.last_change = now;
  if (t->to == AlarmState::kActive) a.acknowledged_by.clear();
  if (input == AlarmInput::kAcknowledge) a.acknowledged_by = std::string(op);
  if (t->event) Emit(p, slot, *t->event, previous.value_or(a.priority), now, op);
  if (t->to == AlarmState::kInactive) {
    by_alarm_.erase(a.id);
    a = Alarm{};
  }
  return true;
}

void ClinicalEngine::Emit(const Patient& p, size_t slot, AlarmEventKind kind,
                          AlarmPriority previous, TimeUs t, std::string_view op) {
  const Alarm& a = p.alarms[slot];
  const PatientConfig& pc = Cfg(p);
  AlarmEvent e;
  e.kind = kind;
  e.alarm_id = a.id;
  e.time = t;
  e.patient_id = pc.id;
  e.bed = pc.bed;
  e.ward = pc.ward;
  e.condition = ConditionOf(slot);
  e.priority = a.priority;
  e.previous_priority = previous;
  e.state = a.state;
  e.value = a.value;
  if (e.condition.kind == ConditionKind::kNews2) {
    e.news2 = a.news2;
  } else if (!IsTechnical(e.condition.kind) && IsNews2Vital(e.condition.vital)) {
    e.news2 = Summarise(Score(p, t));
  }
  e.operator_id = std::string(op);
  if (kind == AlarmEventKind::kSilenced) e.silenced_until = a.silenced_until;
  events_.push_back(std::move(e));
}

// ---- inputs --------------------------------------------------------------------------

Error ClinicalEngine::OnReading(uint64_t device_uid, const Reading& reading, ReadingQuality quality,
                                TimeUs now) {
  if (now < now_ || reading.time > now) return Error::kInvalidArgument;
  if (quality == ReadingQuality::kValid && !std::isfinite(reading.value))
    return Error::kInvalidArgument;
  if (Error e = Advance(now); e != Error::kOk) return e;
  const auto it = by_uid_.find(device_uid);
  if (it == by_uid_.end()) return Error::kNotFound;
  Patient& p = patients_[it->second];
  const Vital v = reading.vital;
  VitalState& vs = p.vitals[static_cast<size_t>(v)];
  if (vs.seen && reading.time < vs.last_any) return Error::kInvalidState;
  vs.seen = true;
  vs.last_any = reading.time;

  Verdict reporting;  // any reading shows the sensor reports
  reporting.absent = true;
  Apply(p, Slot(ConditionKind::kSensorStale, v), reporting, now);

  const VitalSettings& s = Settings(p, v);
  const bool artefact = quality == ReadingQuality::kArtefact || !std::isfinite(reading.value) ||
                        reading.value < s.plausible_min || reading.value > s.plausible_max;
  vs.last_was_valid = !artefact;
  Verdict art;
  if (artefact) {
    art.present = true;
    art.priority = config_.technical_priority;
    if (std::isfinite(reading.value)) art.value = reading.value;
    Apply(p, Slot(ConditionKind::kArtefact, v), art, now);
    RefreshDeadline(p);
    return Error::kOk;
  }
  art.absent = true;
  Apply(p, Slot(ConditionKind::kArtefact, v), art, now);
  vs.value = reading.value;
  vs.at = reading.time;
  EvaluateVital(p, v, now);
  if (config_.news2_alarms && IsNews2Vital(v)) EvaluateNews2(p, now);
  RefreshDeadline(p);
  return Error::kOk;
}

Error ClinicalEngine::OnClinicianEntry(std::string_view patient_id, const ClinicianEntry& entry,
                                       TimeUs now) {
  if (now < now_) return Error::kInvalidArgument;
  const auto it = by_id_.find(std::string(patient_id));
  if (it == by_id_.end()) return Error::kNotFound;
  if (Error e = Advance(now); e != Error::kOk) return e;
  Patient& p = patients_[it->second];
  if (entry.consciousness) {
    p.consciousness = entry.consciousness;
    p.consciousness_at = now;
  }
  if (entry.on_oxygen) {
    p.on_oxygen = entry.on_oxygen;
    p.oxygen_at = now;
  }
  if (config_.news2_alarms) EvaluateNews2(p, now);
  RefreshDeadline(p);
  return Error::kOk;
}

Error ClinicalEngine::Acknowledge(uint64_t alarm_id, std::string_view operator_id, TimeUs now) {
  if (now < now_ || !IsPrintableId(operator_id, true)) return Error::kInvalidArgument;
  if (Error e = Advance(now); e != Error::kOk) return e;
  const auto it = by_alarm_.find(alarm_id);
  if (it == by_alarm_.end()) return Error::kNotFound;
  Patient& p = patients_[it->second.first];
  if (!Step(p, it->second.second, AlarmInput::kAcknowledge, now, operator_id))
    return Error::kInvalidState;
  RefreshDeadline(p);
  return Error::kOk;
}

Error ClinicalEngine::Silence(uint64_t alarm_id, TimeUs duration, std::string_view operator_id,
                              TimeUs now) {
  if (now < now_ || !IsPrintableId(operator_id, true) || duration <= 0 ||
      duration > config_.max_silence)
    return Error::kInvalidArgument;
  if (Error e = Advance(now); e != Error::kOk) return e;
  const auto it = by_alarm_.find(alarm_id);
  if (it == by_alarm_.end()) return Error::kNotFound;
  Patient& p = patients_[it->second.first];
  Alarm& a = p.alarms[it->second.second];
  const AlarmState state = a.state;
  const TimeUs until = a.silenced_until;
  if (FindAlarmTransition(state, AlarmInput::kSilence) == nullptr) return Error::kInvalidState;
  a.silenced_until = now + duration;  // before the step: the event carries it
  if (!Step(p, it->second.second, AlarmInput::kSilence, now, operator_id)) {
    a.silenced_until = until;
    return Error::kInvalidState;
  }
  RefreshDeadline(p);
  return Error::kOk;
}

// ---- queries -------------------------------------------------------------------------

std::optional<AlarmEvent> ClinicalEngine::PollEvent() {
  if (events_.empty()) return std::nullopt;
  AlarmEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::vector<ActiveAlarm> ClinicalEngine::ActiveAlarms() const {
  std::vector<ActiveAlarm> out;
  for (const Patient& p : patients_) {
    const PatientConfig& pc = Cfg(p);
    for (size_t slot = 0; slot < kSlotCount; ++slot) {
      const Alarm& a = p.alarms[slot];
      if (a.state == AlarmState::kInactive) continue;
      ActiveAlarm x;
      x.alarm_id = a.id;
      x.patient_id = pc.id;
      x.bed = pc.bed;
      x.ward = pc.ward;
      x.condition = ConditionOf(slot);
      x.priority = a.priority;
      x.state = a.state;
      x.raised_at = a.raised_at;
      x.last_change = a.last_change;
      x.value = a.value;
      x.news2 = a.news2;
      x.silenced_until = IsSilenced(a.state) ? a.silenced_until : 0;
      x.acknowledged_by = a.acknowledged_by;
      out.push_back(std::move(x));
    }
  }
  std::sort(out.begin(), out.end(), [](const ActiveAlarm& x, const ActiveAlarm& y) {
    if (x.priority != y.priority) return x.priority > y.priority;
    if (x.raised_at != y.raised_at) return x.raised_at < y.raised_at;
    return x.alarm_id < y.alarm_id;
  });
  return out;
}

Result<News2Score> ClinicalEngine::News2(std::string_view patient_id, TimeUs now) const {
  const auto it = by_id_.find(std::string(patient_id));
  if (it == by_id_.end()) return Error::kNotFound;
  return Score(patients_[it->second], now);
}

}  // namespace vigil::clinical
