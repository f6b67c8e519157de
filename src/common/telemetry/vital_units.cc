#include "common/telemetry/vital_units.h"

#include <array>
#include <cmath>

namespace vigil::senml {
namespace {

// 1 mmHg, the conventional millimetre of mercury: 13.5951 g/cm3 * 9.80665 m/s2 * 1 mm.
constexpr double kPascalPerMmHg = 133.322387415;
// Molar mass of glucose (C6H12O6): 1 mmol/L = 0.180156 g/L = 0.180156 kg/m3.
constexpr double kGlucoseGramsPerMole = 180.156;

constexpr UnitConversion kBeats[] = {{"beat/min", 1, 0}, {"1/min", 1, 0}, {"1/s", 60, 0}};
constexpr UnitConversion kBreaths[] = {{"1/min", 1, 0}, {"1/s", 60, 0}};
// Only "/": the registry's "%" is a ratio too (RFC 8428 12.1, note 2), and its name invites
// sending 97 where 0.97 is meant.
constexpr UnitConversion kSaturation[] = {{"/", 100, 0}};
constexpr UnitConversion kTemperature[] = {{"Cel", 1, 0}, {"K", 1, -273.15}};
constexpr UnitConversion kPressure[] = {{"Pa", 1 / kPascalPerMmHg, 0}};
constexpr UnitConversion kGlucose[] = {{"kg/m3", 1000 / kGlucoseGramsPerMole, 0}};
constexpr UnitConversion kFlow[] = {{"m3/s", 1e6 * 3600, 0}};  // m3/s -> mL/h
constexpr UnitConversion kVolume[] = {{"m3", 1e6, 0}};         // m3 -> mL

// Indexed by Vital.
const std::array<VitalSpec, kVitalCount> kSpecs = {{
    {Vital::kHeartRate, "beats/min", 0, kBeats},
    {Vital::kPulseRate, "beats/min", 0, kBeats},
    {Vital::kSpO2, "%", 0, kSaturation},
    {Vital::kRespRate, "breaths/min", 0, kBreaths},
    {Vital::kTemperature, "degC", 1, kTemperature},
    {Vital::kSystolic, "mmHg", 0, kPressure},
    {Vital::kDiastolic, "mmHg", 0, kPressure},
    {Vital::kGlucose, "mmol/L", 1, kGlucose},
    {Vital::kInfusionRate, "mL/h", 1, kFlow},
    {Vital::kInfusionVolume, "mL", 1, kVolume},
}};

// RFC 8428 12.1 (including the entries marked NOT RECOMMENDED for new producers, which
// consumers still read) and the primary units RFC 8798 2 adds.
constexpr std::string_view kRegistered[] = {
    "m",
    "kg",
    "g",
    "s",
    "A",
    "K",
    "cd",
    "mol",
    "Hz",
    "rad",
    "sr",
    "N",
    "Pa",
    "J",
    "W",
    "C",
    "V",
    "F",
    "Ohm",
    "S",
    "Wb",
    "T",
    "H",
    "Cel",
    "lm",
    "lx",
    "Bq",
    "Gy",
    "Sv",
    "kat",
    "m2",
    "m3",
    "l",
    "m/s",
    "m/s2",
    "m3/s",
    "l/s",
    "W/m2",
    "cd/m2",
    "bit",
    "bit/s",
    "lat",
    "lon",
    "pH",
    "dB",
    "dBW",
    "Bspl",
    "count",
    "/",
    "%",
    "%RH",
    "%EL",
    "EL",
    "1/s",
    "1/min",
    "beat/min",
    "beats",
    "S/m",
    // RFC 8798 2
    "B",
    "VA",
    "VAs",
    "var",
    "vars",
    "J/m",
    "kg/m3",
    "deg",
};

}  // namespace

const VitalSpec& SpecOf(Vital v) { return kSpecs[static_cast<size_t>(v)]; }

const UnitConversion& WireUnit(Vital v) { return SpecOf(v).accepted[0]; }

const UnitConversion* FindConversion(Vital v, std::string_view unit) {
  for (const UnitConversion& c : SpecOf(v).accepted)
    if (c.unit == unit) return &c;
  return nullptr;
}

bool IsRegisteredUnit(std::string_view unit) {
  for (std::string_view u : kRegistered)
    if (u == unit) return true;
  return false;
}

double RoundClinical(Vital v, double clinical) {
  // Dividing by a power of ten (rather than multiplying by its inverse) gives the double
  // nearest to the decimal, the same one a literal such as 36.9 denotes.
  const double p = std::pow(10.0, SpecOf(v).decimals);
  return std::round(clinical * p) / p;
}

double ToClinical(Vital v, const UnitConversion& c, double wire) {
  return RoundClinical(v, wire * c.scale + c.offset);
}

double ToWire(const UnitConversion& c, double clinical) { return (clinical - c.offset) / c.scale; }

}  // namespace vigil::senml
