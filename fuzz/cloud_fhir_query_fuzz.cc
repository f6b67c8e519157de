// Fuzzes the FHIR Observation search parser (docs/fhir.md, "Search"):
// ParseObservationQuery must refuse what it cannot read with a typed error and never
// crash; a refusal names at most 64 bytes of parameter; whatever it accepts has a patient,
// a count within bounds, and formats to a query string that parses back to the same query.
// Input: the query string, as it follows '?' in a request target.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cloud/fhir/search_query.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::fhir;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const QueryParse p = ParseObservationQuery(in);
  if (!p.ok()) {
    Require(p.error != QueryError::kOk);
    Require(p.parameter.size() <= 64);
    return 0;
  }
  const ObservationQuery& q = p.query;
  Require(q.patient_id > 0);
  Require(q.count >= 1 && q.count <= kMaxCount);
  Require(q.offset <= kMaxOffset);
  const QueryParse again = ParseObservationQuery(FormatObservationQuery(q, q.offset));
  Require(again.ok() && again.query == q);
  return 0;
}
