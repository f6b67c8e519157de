// What a decoded value is worth (docs/telemetry.md, "Ranges and artefacts"): a plausible
// clinical value, a technical artefact, or something no body and no working sensor can
// produce. Sans-IO and pure, like the decoder it follows.
//
//   kClinical     may feed alarms, NEWS2 and the uplink.
//   kArtefact     a technical condition (probe off, lead off, motion, cuff error,
//                 occlusion, no signal): a technical alarm, never a clinical value. A
//                 probe falling off gives SpO2 0, not a desaturation.
//   kImplausible  outside the vital's physical range, diastolic not below systolic, or a
//                 vital the sending kind of device does not measure: refused, and a
//                 quality/security event (a broken device, or someone with its keys).
//
// Order of the checks, per record: not measured by the kind -> implausible; flagged by
// the device (art_) -> artefact, whatever the value; outside the physical range ->
// implausible; an artefact value pattern -> artefact; diastolic >= systolic ->
// implausible (both); else clinical. Value patterns, for devices that do not flag:
//   spo2 == 0                                  no signal (no oximeter measures 0 %)
//   pulse_rate == 0 beside an SpO2 artefact    the same probe off
//   systolic == 0 and diastolic == 0           a failed cuff determination
// A heart rate of 0 is asystole and a respiratory rate of 0 apnoea: clinical, never
// patterns (an ECG patch reports lead-off with art_ = lead_off).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/senml_format.h"
#include "common/vitals.h"

namespace vigil {

enum class ValueClass : uint8_t { kClinical, kArtefact, kImplausible };

enum class ClassReason : uint8_t {
  kPlausible,                  // kClinical
  kFlagged,                    // kArtefact: the record's art_
  kNoSignalPattern,            // kArtefact: spo2 0, or a pulse of 0 beside it
  kCuffErrorPattern,           // kArtefact: systolic and diastolic both 0
  kBelowPhysicalRange,         // kImplausible
  kAbovePhysicalRange,         // kImplausible
  kDiastolicNotBelowSystolic,  // kImplausible
  kNotMeasuredByKind,          // kImplausible
};

std::string_view ValueClassName(ValueClass c);    // "clinical", "artefact", "implausible"
std::string_view ClassReasonName(ClassReason r);  // "plausible", "flagged", ...

// The range outside which no measurement of a living patient (or of a working pump) is
// possible, in the clinical unit. Not alarm limits.
struct PhysicalRange {
  double lo;
  double hi;
};
PhysicalRange PhysicalRangeOf(Vital v);

// A set of vitals, one bit per Vital.
using VitalSet = uint16_t;
constexpr VitalSet VitalBit(Vital v) {
  return static_cast<VitalSet>(1u << static_cast<unsigned>(v));
}
inline constexpr VitalSet kAnyVital = static_cast<VitalSet>((1u << kVitalCount) - 1);

struct ClassifiedReading {
  Reading reading;
  ValueClass value_class = ValueClass::kClinical;
  ClassReason reason = ClassReason::kPlausible;
  senml::Artefact artefact = senml::Artefact::kNone;  // the condition, for kArtefact
};

struct Classification {
  std::array<ClassifiedReading, senml::kMaxRecords> items{};
  size_t count = 0;
  size_t clinical = 0;
  size_t artefacts = 0;
  size_t implausible = 0;
  std::span<const ClassifiedReading> view() const { return {items.data(), count}; }
};

// `measured`: the vitals the sending device's kind reports (device/kind_vitals.h);
// kAnyVital when the kind is unknown.
Classification Classify(const TelemetryPack& pack, VitalSet measured = kAnyVital);

}  // namespace vigil
