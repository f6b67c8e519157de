// FHIR R4 Observation from a stored vital sign (docs/fhir.md, "Observation").
//
// Each vital of common/vitals.h has one row of the mapping table (VitalCodingOf): LOINC
// code, the FHIR vital-signs profile it claims, the category, and the UCUM unit of
// VitalUcumUnit(). Blood pressure is exported as the panel 85354-9 with systolic and
// diastolic as components (BloodPressurePanel); a systolic or diastolic value alone is
// an Observation of its own code under the generic vital-signs profile.
//
// Quality (docs/uplink.md): kValid -> status "final"; kQuestionable -> "final" with an
// interpretation "questionable" (the value is what was measured and will not be revised,
// so the status stays final; dataAbsentReason may not sit beside a value, invariant
// obs-6; interpretation is the element for an assessment of the value, and its binding
// is extensible, so a receiver that does not know the code still sees the text);
// kInvalid -> not exported (kInvalidReading): an invalid reading is kept for the record,
// never charted as a measurement. Infusion rate and volume are settings and state of a
// pump, not observations of the patient: not exported as Observation (kNotAnObservation).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "cloud/fhir/fhir_json.h"
#include "common/vitals.h"
#include "connection/device_identity.h"
#include "edge/uplink/envelope.h"

namespace vigil::fhir {

inline constexpr std::string_view kVitalSignsProfile =
    "http://hl7.org/fhir/StructureDefinition/vitalsigns";
inline constexpr std::string_view kBloodPressureProfile =
    "http://hl7.org/fhir/StructureDefinition/bp";

struct VitalCoding {
  std::string_view loinc;
  std::string_view display;
  std::string_view profile;    // the most specific FHIR profile the Observation claims
  std::string_view category;   // observation-category code: "vital-signs" or "laboratory"
  std::string_view unit_text;  // human-readable unit beside the UCUM code
};

// The mapping row of `v`, or none for a vital that is not exported as an Observation.
std::optional<VitalCoding> VitalCodingOf(Vital v);

// A vital sign as the store keeps it.
struct StoredVital {
  int64_t id = 0;          // the reading's row id: Observation.id; > 0
  int64_t patient_id = 0;  // the patient's row id: subject Patient/<id>; > 0
  Vital vital = Vital::kHeartRate;
  double value = 0;  // in VitalUcumUnit(vital); finite
  uplink::Quality quality = uplink::Quality::kValid;
  int64_t time_ms = 0;  // when measured (UTC ms): effectiveDateTime; >= 0
  DeviceKind device_kind = DeviceKind::kOther;
};

// A systolic and a diastolic value measured together (same cuff, same time).
struct StoredBloodPressure {
  int64_t id = 0;  // row id of the pair (the store's choice: the systolic reading's)
  int64_t patient_id = 0;
  double systolic = 0;                                // mm[Hg]
  double diastolic = 0;                               // mm[Hg]
  uplink::Quality quality = uplink::Quality::kValid;  // the worse of the two
  int64_t time_ms = 0;
  DeviceKind device_kind = DeviceKind::kBpCuff;
};

enum class ObservationError : uint8_t {
  kOk = 0,
  kInvalidReading,    // quality invalid: not a measurement
  kNotAnObservation,  // a vital with no Observation mapping (infusion values)
  kBadId,             // id or patient_id <= 0
  kBadValue,          // not finite
  kBadTime,           // time_ms < 0 or after year 9999
};
std::string_view ObservationErrorName(ObservationError e);

// The Observation into *out (unchanged on error).
ObservationError ObservationFromVital(const StoredVital& v, Json* out);
ObservationError BloodPressurePanel(const StoredBloodPressure& bp, Json* out);

}  // namespace vigil::fhir
