// What the clinical engine needs to know about a site and its patients: which devices are
// on whom, each patient's NEWS2 scale and oxygen, and every vital's alarm settings after
// the site's and the patient's overrides. A plain struct: the TOML loader
// (clinical_config_toml.h) fills it, a program or a test may build it directly.
//
// The patient identifier (an MRN or any local id) is held here because the edge must know
// whom a reading belongs to; it never leaves the edge (docs/privacy.md): uplink records
// carry a pseudonym instead. The configuration holds no names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "connection/device_identity.h"
#include "edge/clinical/alarm.h"
#include "edge/clinical/news2.h"
#include "edge/clinical/thresholds.h"

namespace vigil::clinical {

// What a device kind reports by default (ecg_patch: heart_rate, resp_rate; pulse_oximeter:
// spo2, pulse_rate; thermometer: temperature; bp_cuff: systolic, diastolic;
// infusion_pump: infusion_rate, infusion_volume; smartwatch: pulse_rate; others: none).
std::vector<Vital> DefaultVitalsOf(DeviceKind kind);

struct PatientDevice {
  uint64_t uid = 0;
  DeviceKind kind = DeviceKind::kOther;
  // The vitals this device is expected to report: each one raises a sensor-stale alarm
  // when no reading of it arrives for its max_age. Readings of other vitals are still
  // evaluated.
  std::vector<Vital> vitals;
};

struct PatientConfig {
  std::string id;    // 1-64 printable ASCII characters, no spaces; unique
  std::string bed;   // 1-64 printable characters; unique within the ward
  std::string ward;  // 1-64 printable characters
  SpO2Scale spo2_scale = SpO2Scale::kScale1;
  bool on_oxygen = false;  // until a clinician entry says otherwise
  std::vector<PatientDevice> devices;
  VitalTable vitals = DefaultVitalTable();  // resolved: site defaults, then overrides
};

struct ClinicalConfig {
  // Priority of sensor-stale and artefact alarms (a monitored patient who is no longer
  // monitored needs a prompt look: medium by default).
  AlarmPriority technical_priority = AlarmPriority::kMedium;
  // NEWS2 alarms on or off (threshold and technical alarms do not depend on it).
  bool news2_alarms = true;
  // A NEWS2 alarm clears, or drops a priority, only after the lower band has held this
  // long on complete scores.
  TimeUs news2_clear_after = 5 * 60 * kSeconds;
  // At most one `updated` event per alarm per this interval (the active-alarm list always
  // has the latest value). Escalations are never delayed.
  TimeUs min_update_interval = 60 * kSeconds;
  // The longest pause an operator may ask for with Silence().
  TimeUs max_silence = 5 * 60 * kSeconds;
  // Site defaults for scale-1 and scale-2 patients; PatientConfig::vitals starts from
  // these (SiteVitalsFor) before the patient's own overrides.
  VitalTable site_vitals = DefaultVitalTable(SpO2Scale::kScale1);
  VitalSettings site_spo2_scale2 = DefaultVitalSettings(Vital::kSpO2, SpO2Scale::kScale2);
  std::vector<PatientConfig> patients;
};

// The table a patient of `scale` starts from at this site.
VitalTable SiteVitalsFor(const ClinicalConfig& c, SpO2Scale scale);

// Checks everything the engine relies on: identifiers (id unique, bed unique per ward,
// device uids assignable and bound to one patient only), every VitalSettings
// (ValidateVitalSettings), and the intervals (news2_clear_after 0..24 h,
// min_update_interval 0..24 h, max_silence 1 s..1 h). On error returns kInvalidArgument
// and sets `why` to one line naming the patient by position and bed (never by id) and
// the field: `patient #2 (bed "icu-3"): thresholds.spo2.low: must be above critical_low
// (85), got 80`.
Error ValidateClinicalConfig(const ClinicalConfig& c, std::string* why);

// True for a string of 1-64 printable ASCII characters (0x21-0x7e when `spaces` is false,
// 0x20-0x7e when true).
bool IsPrintableId(std::string_view s, bool spaces);

}  // namespace vigil::clinical
