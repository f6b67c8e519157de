// The JSON conventions every FHIR resource of Vigil follows (docs/fhir.md): members in the
// order they are set (resourceType first, as in the specification's examples), instants
// in UTC with milliseconds, one writer for the bytes, and the code systems Vigil uses.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace vigil::fhir {

using Json = nlohmann::ordered_json;

inline constexpr std::string_view kLoinc = "http://loinc.org";
inline constexpr std::string_view kUcum = "http://unitsofmeasure.org";
inline constexpr std::string_view kObservationCategory =
    "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr std::string_view kDicom = "http://dicom.nema.org/resources/ontology/DCM";
inline constexpr std::string_view kV2IdentifierType =
    "http://terminology.hl7.org/CodeSystem/v2-0203";
// Vigil's own codes and identifier namespaces, where no standard system fits (a hospital
// that has its own replaces these in one place).
inline constexpr std::string_view kVigilReadingQuality = "urn:vigil:fhir:reading-quality";
inline constexpr std::string_view kVigilUser = "urn:vigil:user";
inline constexpr std::string_view kVigilService = "urn:vigil:service";
inline constexpr std::string_view kVigilRole = "urn:vigil:role";

// "2024-05-01T12:00:00.123Z" (FHIR instant and dateTime). REQUIRES: 0 <= ms < year 10000.
std::string Instant(int64_t unix_ms);

// RFC 4648 base64 with padding (FHIR base64Binary).
std::string Base64(std::string_view bytes);

// The resource's bytes: compact, UTF-8. Strings the callers put in were checked to be
// UTF-8; should one not be, it is written with U+FFFD instead of throwing.
std::string Dump(const Json& j);

// A Coding {system, code, display} (display left out when empty).
Json Coding(std::string_view system, std::string_view code, std::string_view display = {});

}  // namespace vigil::fhir
