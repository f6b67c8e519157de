// Per-vital alarm settings: limits, hysteresis, freshness and plausibility, with the
// built-in adult defaults and their validation. docs/clinical.md gives each default its
// clinical basis.
//
// Limits are the last acceptable value, as on a bedside monitor: a medium-priority alarm
// condition exists while a valid value is below `low` or above `high`, a high-priority one
// while it is below `critical_low` or above `critical_high`. An unset limit never alarms.
// The condition clears only once the value is back by `hysteresis` (above low + hysteresis,
// below high - hysteresis) and stays there for `clear_after`; a high priority drops to
// medium under the same rule around the critical limit.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "common/error.h"
#include "common/time.h"
#include "common/vitals.h"
#include "edge/clinical/news2.h"

namespace vigil::clinical {

struct VitalSettings {
  bool enabled = true;  // false: no threshold alarms for this vital (staleness still applies)
  std::optional<double> critical_low, low, high, critical_high;
  double hysteresis = 0;   // clinical units, >= 0
  TimeUs clear_after = 0;  // 0..1 h
  // An active alarm reports a new value (an `updated` event) only once it has moved by at
  // least this much since the last one it reported: > 0.
  double update_step = 1;
  // A reading older than this is stale: it no longer counts for NEWS2, and an expected
  // vital with no reading for this long raises a sensor-stale technical alarm. > 0.
  TimeUs max_age = 60 * kSeconds;
  // Values outside this range cannot come from a patient (a probe off the finger, a
  // thermometer in the air); they are treated as artefacts: a technical alarm, never a
  // clinical one. The decoder's own artefact flag is the first line; this is the second.
  double plausible_min = 0;
  double plausible_max = 1e9;
};

using VitalTable = std::array<VitalSettings, kVitalCount>;

// The built-in adult defaults. For kSpO2 they depend on the patient's NEWS2 scale (scale 2
// patients have a prescribed target of 88-92 %).
VitalSettings DefaultVitalSettings(Vital v, SpO2Scale scale = SpO2Scale::kScale1);
VitalTable DefaultVitalTable(SpO2Scale scale = SpO2Scale::kScale1);

// Checks one vital's settings. On error returns kInvalidArgument and sets `field` to the
// offending key ("low", "hysteresis", ...) and `reason` to a one-line explanation that
// quotes the values involved ("must be below high (110), got 120").
// Rules: every number finite; the set limits strictly increasing in the order
// critical_low < low < high < critical_high; hysteresis >= 0 and narrow enough that a
// value can be clear of both sides (lowest-side limit + hysteresis < highest-side limit -
// hysteresis); 0 <= clear_after <= 1 h; update_step > 0; 0 < max_age <= 24 h;
// plausible_min < plausible_max, and every limit within the plausible range.
Error ValidateVitalSettings(const VitalSettings& s, std::string* field, std::string* reason);

}  // namespace vigil::clinical
