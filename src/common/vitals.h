// The clinical quantities devices report and the edge evaluates. This is the vocabulary
// shared by the device side (sensor models, SenML encoding), the edge (decoding,
// validation, alarms, NEWS2, privacy) and the testbed.
//
// Values are always held in the clinical unit named beside each quantity (what NEWS2 and
// clinicians use). The SenML codec converts to and from the SenML units on the wire
// (docs/telemetry.md); nothing else converts units.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/time.h"

namespace vigil {

enum class Vital : uint8_t {
  kHeartRate,       // beats/min, from ECG
  kPulseRate,       // beats/min, from a pulse oximeter, cuff or watch
  kSpO2,            // %, peripheral oxygen saturation
  kRespRate,        // breaths/min
  kTemperature,     // degrees Celsius
  kSystolic,        // mmHg
  kDiastolic,       // mmHg
  kGlucose,         // mmol/L
  kInfusionRate,    // mL/h
  kInfusionVolume,  // mL remaining in the reservoir
};

inline constexpr size_t kVitalCount = 10;
inline constexpr std::array<Vital, kVitalCount> kAllVitals = {
    Vital::kHeartRate,    Vital::kPulseRate,     Vital::kSpO2,      Vital::kRespRate,
    Vital::kTemperature,  Vital::kSystolic,      Vital::kDiastolic, Vital::kGlucose,
    Vital::kInfusionRate, Vital::kInfusionVolume};

// Stable snake_case names ("heart_rate", "spo2", ...): they appear in configs, uplink
// messages and reports, so they never change once released.
constexpr std::string_view VitalName(Vital v) {
  constexpr std::array<std::string_view, kVitalCount> names = {
      "heart_rate", "pulse_rate", "spo2",    "resp_rate",     "temperature",
      "systolic",   "diastolic",  "glucose", "infusion_rate", "infusion_volume"};
  return names[static_cast<size_t>(v)];
}
constexpr std::optional<Vital> VitalFromName(std::string_view name) {
  for (Vital v : kAllVitals)
    if (VitalName(v) == name) return v;
  return std::nullopt;
}

// The clinical unit as a UCUM code ("/min", "%", "Cel", "mm[Hg]", "mmol/L", "mL/h",
// "mL"), as the uplink and FHIR Observation.valueQuantity.code carry it.
constexpr std::string_view VitalUcumUnit(Vital v) {
  constexpr std::array<std::string_view, kVitalCount> units = {
      "/min", "/min", "%", "/min", "Cel", "mm[Hg]", "mm[Hg]", "mmol/L", "mL/h", "mL"};
  return units[static_cast<size_t>(v)];
}

// One decoded, unit-converted measurement. `time` is on the receiver's axis (the
// gateway's monotonic clock or the simulator's virtual one), set when the frame that
// carried it was verified.
struct Reading {
  Vital vital = Vital::kHeartRate;
  double value = 0;
  TimeUs time = 0;
};

}  // namespace vigil
