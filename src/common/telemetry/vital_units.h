// The units of each vital sign on the air and in the clinic, and the one place that
// converts between them (docs/telemetry.md, "Names, units and conversions").
//
// On the air every value carries a primary unit of the SenML units registry (RFC 8428
// 12.1 and RFC 8798 2). Where the clinical unit is registered (beat/min, 1/min, Cel) it is
// used as it is; where it is not (mmHg, mmol/L, mL/h, mL, %), the SI unit the registry
// has is used and the codec converts: nothing outside src/common/telemetry converts a
// unit. Clinical values are rounded to the resolution a bedside device displays, so that
// a conversion and its float encoding never move a value across a clinical threshold.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "common/vitals.h"

namespace vigil::senml {

// clinical value = wire value * scale + offset
struct UnitConversion {
  std::string_view unit;  // a registered SenML unit
  double scale = 1;
  double offset = 0;
};

struct VitalSpec {
  Vital vital;
  std::string_view clinical_unit;  // for people: "beats/min", "mmHg", ...
  int decimals;                    // clinical resolution: 10^-decimals of clinical_unit
  // The units the decoder accepts for this vital; the first is the one devices send.
  std::span<const UnitConversion> accepted;
};

const VitalSpec& SpecOf(Vital v);
// The unit devices send for `v` (SpecOf(v).accepted[0]).
const UnitConversion& WireUnit(Vital v);
// The conversion of `unit` for `v`, or null if the profile does not accept that unit for
// that vital (whether or not the unit is registered).
const UnitConversion* FindConversion(Vital v, std::string_view unit);
// True for every primary unit of the SenML units registry (RFC 8428 12.1, RFC 8798 2),
// byte for byte (units are case-sensitive: "cel" is not "Cel").
bool IsRegisteredUnit(std::string_view unit);

// Rounds a clinical value to the resolution of its vital (half away from zero).
double RoundClinical(Vital v, double clinical);
// wire -> clinical, rounded. `c` must be one of SpecOf(v).accepted.
double ToClinical(Vital v, const UnitConversion& c, double wire);
// clinical -> the value in `c`'s unit, not rounded.
double ToWire(const UnitConversion& c, double clinical);

}  // namespace vigil::senml
