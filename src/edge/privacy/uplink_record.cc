#include "edge/privacy/uplink_record.h"

namespace vigil::privacy {

Error UplinkMinimiser::Init(const clinical::ClinicalConfig& config,
                            const Pseudonymiser& pseudonymiser, std::string* why) {
  by_uid_.clear();
  pseudonymiser_ = &pseudonymiser;
  for (size_t i = 0; i < config.patients.size(); ++i) {
    const clinical::PatientConfig& p = config.patients[i];
    std::string pseudonym;
    if (Error e = pseudonymiser.Pseudonym(p.id, &pseudonym); e != Error::kOk) {
      if (why) *why = "cannot compute the pseudonym of patient #" + std::to_string(i + 1);
      return e;
    }
    for (const clinical::PatientDevice& d : p.devices)
      by_uid_[d.uid] = Target{pseudonym, p.ward, d.kind};
  }
  return Error::kOk;
}

Error UplinkMinimiser::BuildReading(uint64_t device_uid, const Reading& reading,
                                    clinical::ReadingQuality quality, int64_t unix_s,
                                    UplinkReading* out) const {
  const auto it = by_uid_.find(device_uid);
  if (it == by_uid_.end()) return Error::kNotFound;
  UplinkReading r;
  r.pseudonym = it->second.pseudonym;
  r.ward = it->second.ward;
  r.vital = reading.vital;
  r.value = reading.value;
  r.unit = VitalUcumUnit(reading.vital);
  r.time_s = unix_s;
  r.device_kind = it->second.kind;
  r.quality = quality;
  *out = std::move(r);
  return Error::kOk;
}

Error UplinkMinimiser::BuildAlarm(const clinical::AlarmEvent& event, int64_t unix_s,
                                  UplinkAlarm* out) const {
  if (pseudonymiser_ == nullptr) return Error::kInvalidState;
  UplinkAlarm a;
  if (Error e = pseudonymiser_->Pseudonym(event.patient_id, &a.pseudonym); e != Error::kOk)
    return e;
  a.ward = event.ward;
  a.alarm_id = event.alarm_id;
  a.kind = event.kind;
  a.condition = event.condition;
  a.priority = event.priority;
  a.previous_priority = event.previous_priority;
  a.state = event.state;
  a.value = event.value;
  a.news2 = event.news2;
  a.time_s = unix_s;
  if (event.kind == clinical::AlarmEventKind::kSilenced)
    a.silenced_for_s = (event.silenced_until - event.time) / kSeconds;
  *out = std::move(a);
  return Error::kOk;
}

}  // namespace vigil::privacy
