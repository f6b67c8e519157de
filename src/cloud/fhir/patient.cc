#include "cloud/fhir/patient.h"

#include "cloud/fhir/fhir_date.h"
#include "edge/uplink/json_writer.h"

namespace vigil::fhir {

std::string_view GenderCode(Gender g) {
  switch (g) {
    case Gender::kUnknown:
      return "unknown";
    case Gender::kMale:
      return "male";
    case Gender::kFemale:
      return "female";
    case Gender::kOther:
      return "other";
  }
  return "unknown";
}

std::string_view PatientErrorName(PatientError e) {
  switch (e) {
    case PatientError::kOk:
      return "ok";
    case PatientError::kBadId:
      return "bad_id";
    case PatientError::kBadSystem:
      return "bad_system";
    case PatientError::kBadMrn:
      return "bad_mrn";
    case PatientError::kNoName:
      return "no_name";
    case PatientError::kNotText:
      return "not_text";
    case PatientError::kBadBirthDate:
      return "bad_birth_date";
  }
  return "unknown";
}

namespace {

bool IsText(std::string_view s) {
  if (!uplink::IsValidUtf8(s)) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  return true;
}

// RFC 3986 scheme ":" followed by something, with no white space.
bool IsAbsoluteUri(std::string_view s) {
  const size_t colon = s.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == s.size()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s[0])) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = s[i];
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  for (char c : s)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
  return true;
}

}  // namespace

PatientError PatientResource(const PatientRecord& p, Json* out) {
  if (p.id <= 0) return PatientError::kBadId;
  if (!IsText(p.mrn_system) || !IsText(p.mrn) || !IsText(p.family)) return PatientError::kNotText;
  for (const std::string& g : p.given)
    if (!IsText(g)) return PatientError::kNotText;
  if (!IsAbsoluteUri(p.mrn_system)) return PatientError::kBadSystem;
  if (p.mrn.empty() || p.mrn.size() > 64) return PatientError::kBadMrn;
  bool named = !p.family.empty();
  for (const std::string& g : p.given) named = named || !g.empty();
  if (!named) return PatientError::kNoName;
  if (!p.birth_date.empty() && !IsCalendarDate(p.birth_date)) return PatientError::kBadBirthDate;

  Json identifier = {
      {"use", "usual"},
      {"type",
       {{"coding", Json::array({Coding(kV2IdentifierType, "MR", "Medical record number")})}}},
      {"system", p.mrn_system},
      {"value", p.mrn}};
  Json name = {{"use", "official"}};
  if (!p.family.empty()) name["family"] = p.family;
  Json given = Json::array();
  for (const std::string& g : p.given)
    if (!g.empty()) given.push_back(g);
  if (!given.empty()) name["given"] = given;

  Json r = {{"resourceType", "Patient"},
            {"id", std::to_string(p.id)},
            {"identifier", Json::array({identifier})},
            {"name", Json::array({name})},
            {"gender", GenderCode(p.gender)}};
  if (!p.birth_date.empty()) r["birthDate"] = p.birth_date;
  *out = std::move(r);
  return PatientError::kOk;
}

}  // namespace vigil::fhir
