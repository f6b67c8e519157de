// FHIR R4 Patient from plain values (docs/fhir.md, "Patient"). The caller has decrypted
// the identity (the store keeps it encrypted) and decided that the reader may see it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/fhir/fhir_json.h"

namespace vigil::fhir {

enum class Gender : uint8_t { kUnknown, kMale, kFemale, kOther };  // FHIR administrative-gender
std::string_view GenderCode(Gender g);  // "unknown" | "male" | "female" | "other"

struct PatientRecord {
  int64_t id = 0;          // the patient's row id: Patient.id; > 0
  std::string mrn_system;  // the hospital's MRN namespace, an absolute URI ("urn:oid:...")
  std::string mrn;         // the medical record number, 1..64 bytes
  std::string family;      // at least one of family and given
  std::vector<std::string> given;
  std::string birth_date;  // "YYYY-MM-DD", a real date, or empty when unknown
  Gender gender = Gender::kUnknown;
};

enum class PatientError : uint8_t {
  kOk = 0,
  kBadId,         // id <= 0
  kBadSystem,     // mrn_system empty or not an absolute URI (scheme ":" ...)
  kBadMrn,        // empty or longer than 64 bytes
  kNoName,        // neither family nor a given name
  kNotText,       // a name, MRN or system that is not UTF-8, or has control characters
  kBadBirthDate,  // not YYYY-MM-DD, or not a calendar date
};
std::string_view PatientErrorName(PatientError e);

// The Patient into *out (unchanged on error).
PatientError PatientResource(const PatientRecord& p, Json* out);

}  // namespace vigil::fhir
