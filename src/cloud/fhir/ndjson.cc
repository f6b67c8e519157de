#include "cloud/fhir/ndjson.h"

namespace vigil::fhir {

NdjsonError ToNdjson(std::span<const Json> resources, std::string* out, size_t* bad) {
  std::string lines;
  for (size_t i = 0; i < resources.size(); ++i) {
    const Json& r = resources[i];
    if (!r.is_object() || !r.contains("resourceType") || !r["resourceType"].is_string()) {
      if (bad != nullptr) *bad = i;
      return NdjsonError::kNotAResource;
    }
    lines += Dump(r);  // compact: no newline can occur inside
    lines.push_back('\n');
  }
  *out = std::move(lines);
  return NdjsonError::kOk;
}

}  // namespace vigil::fhir
