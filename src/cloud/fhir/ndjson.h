// Bulk export as NDJSON (docs/fhir.md, "Bulk export"; the FHIR Bulk Data format): one
// resource per line, compact JSON, each line ended by "\n", no blank lines.
#pragma once

#include <span>
#include <string>

#include "cloud/fhir/fhir_json.h"

namespace vigil::fhir {

// The lines of `resources`, in order. kInvalidArgument (and `*bad`, the index of the
// first offender) if one is not a JSON object with a string resourceType; nothing is
// written to *out then. A bulk export is written as one file per resource type; this
// function does not sort, the caller gives one type's resources.
enum class NdjsonError : uint8_t { kOk = 0, kNotAResource };
NdjsonError ToNdjson(std::span<const Json> resources, std::string* out, size_t* bad = nullptr);

}  // namespace vigil::fhir
