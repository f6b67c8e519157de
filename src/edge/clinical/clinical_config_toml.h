// The [clinical] section of the gateway's TOML file (docs/clinical.md has every key):
//
//   [clinical]                technical_priority = "low" | "medium" | "high",
//                             news2_alarms (bool), news2_clear_after_s,
//                             min_update_interval_s, max_silence_s,
//                             ward = "..." (the default ward of the patients below)
//   [clinical.thresholds.<vital>]   site defaults for scale-1 patients, per vital:
//                             enabled, critical_low, low, high, critical_high (a number or
//                             "off"), hysteresis, clear_after_s, update_step, max_age_s,
//                             plausible_min, plausible_max
//   [clinical.spo2_scale2]    the same keys: site defaults of SpO2 for scale-2 patients
//   [[clinical.patient]]      id, bed, ward, spo2_scale = 1 | 2, on_oxygen (bool),
//                             devices = [{ uid = "16 hex digits", kind = "pulse_oximeter",
//                                          vitals = ["spo2", "pulse_rate"] }, ...]
//   [clinical.patient.thresholds.<vital>]   the same keys: this patient's overrides, on top
//                             of the site defaults for the patient's SpO2 scale
//
// Other sections are ignored here (the daemon's own loader reads them). Errors name the
// file, line and field, and name a patient by position and bed, never by id:
// `gw.toml:31: [clinical.patient #2 (bed "icu-3")] thresholds.spo2.low: must be above
// critical_low (85), got 80`.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "edge/clinical/clinical_config.h"

namespace vigil::clinical {

// Parses `text` (`origin` names it in errors) into `out`, which keeps its values for
// absent keys; without a [clinical] section `out` is left as it was. The result passes
// ValidateClinicalConfig. On error returns kInvalidArgument, sets `why` to one line and
// leaves `out` unchanged.
Error ParseClinicalConfig(std::string_view text, std::string_view origin, ClinicalConfig* out,
                          std::string* why);
// Reads the file at `path` (kNotFound when it cannot be opened) and parses it.
Error LoadClinicalConfig(const std::string& path, ClinicalConfig* out, std::string* why);

}  // namespace vigil::clinical
