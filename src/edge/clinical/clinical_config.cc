#include "edge/clinical/clinical_config.h"

#include <map>
#include <set>

#include "common/hex.h"

namespace vigil::clinical {

std::vector<Vital> DefaultVitalsOf(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::kEcgPatch:
      return {Vital::kHeartRate, Vital::kRespRate};
    case DeviceKind::kPulseOximeter:
      return {Vital::kSpO2, Vital::kPulseRate};
    case DeviceKind::kThermometer:
      return {Vital::kTemperature};
    case DeviceKind::kBpCuff:
      return {Vital::kSystolic, Vital::kDiastolic};
    case DeviceKind::kInfusionPump:
      return {Vital::kInfusionRate, Vital::kInfusionVolume};
    case DeviceKind::kSmartwatch:
      return {Vital::kPulseRate};
    case DeviceKind::kGlucoseMonitor:
      return {Vital::kGlucose};
    case DeviceKind::kTablet:
    case DeviceKind::kOther:
      return {};
  }
  return {};
}

VitalTable SiteVitalsFor(const ClinicalConfig& c, SpO2Scale scale) {
  VitalTable t = c.site_vitals;
  if (scale == SpO2Scale::kScale2) t[static_cast<size_t>(Vital::kSpO2)] = c.site_spo2_scale2;
  return t;
}

bool IsPrintableId(std::string_view s, bool spaces) {
  if (s.empty() || s.size() > 64) return false;
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u > 0x7e || u < (spaces ? 0x20 : 0x21)) return false;
  }
  return true;
}

Error ValidateClinicalConfig(const ClinicalConfig& c, std::string* why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return Error::kInvalidArgument;
  };
  constexpr TimeUs kDay = 86400 * kSeconds;
  if (c.news2_clear_after < 0 || c.news2_clear_after > kDay)
    return fail("news2_clear_after_s: must be 0..86400 seconds");
  if (c.min_update_interval < 0 || c.min_update_interval > kDay)
    return fail("min_update_interval_s: must be 0..86400 seconds");
  if (c.max_silence < kSeconds || c.max_silence > 3600 * kSeconds)
    return fail("max_silence_s: must be 1..3600 seconds");
  std::string field, reason;
  for (Vital v : kAllVitals) {
    if (ValidateVitalSettings(c.site_vitals[static_cast<size_t>(v)], &field, &reason) != Error::kOk)
      return fail("thresholds." + std::string(VitalName(v)) + "." + field + ": " + reason);
  }
  if (ValidateVitalSettings(c.site_spo2_scale2, &field, &reason) != Error::kOk)
    return fail("spo2_scale2." + field + ": " + reason);

  std::set<std::string> ids;
  std::set<std::pair<std::string, std::string>> beds;
  std::map<uint64_t, size_t> uids;
  for (size_t i = 0; i < c.patients.size(); ++i) {
    const PatientConfig& p = c.patients[i];
    const std::string who = "patient #" + std::to_string(i + 1) +
                            (IsPrintableId(p.bed, true) ? " (bed \"" + p.bed + "\")" : "");
    if (!IsPrintableId(p.id, false))
      return fail(who + ": id: must be 1-64 printable characters without spaces");
    if (!ids.insert(p.id).second) return fail(who + ": id: the same id is on another patient");
    if (!IsPrintableId(p.bed, true)) return fail(who + ": bed: must be 1-64 printable characters");
    if (!IsPrintableId(p.ward, true))
      return fail(who + ": ward: must be 1-64 printable characters");
    if (!beds.insert({p.ward, p.bed}).second)
      return fail(who + ": bed: another patient of ward \"" + p.ward + "\" has this bed");
    if (p.spo2_scale != SpO2Scale::kScale1 && p.spo2_scale != SpO2Scale::kScale2)
      return fail(who + ": spo2_scale: must be 1 or 2");
    for (const PatientDevice& d : p.devices) {
      if (!IsAssignableUid(d.uid))
        return fail(who + ": devices: uid " + UidToString(d.uid) + " cannot be a device");
      auto [it, fresh] = uids.emplace(d.uid, i);
      if (!fresh)
        return fail(who + ": devices: uid " + UidToString(d.uid) + " is already on patient #" +
                    std::to_string(it->second + 1));
    }
    for (Vital v : kAllVitals) {
      if (ValidateVitalSettings(p.vitals[static_cast<size_t>(v)], &field, &reason) != Error::kOk)
        return fail(who + ": thresholds." + std::string(VitalName(v)) + "." + field + ": " +
                    reason);
    }
  }
  return Error::kOk;
}

}  // namespace vigil::clinical
