// The Observation search of the FHIR API, `GET /fhir/Observation?<query>` (docs/fhir.md,
// "Search"), parsed strictly into a typed query that the store runs.
//
// Parameters (each at most once, except `date`):
//   patient   required: "42" or "Patient/42", the patient's row id (> 0, no leading zero)
//   date      optional, repeatable (the conditions are ANDed): [prefix]value, prefix one
//             of eq (default), ge, gt, le, lt; value a FHIR date of any precision
//             (fhir_date.h), standing for an interval [s, e):
//               eq: s <= t < e   ge: t >= s   gt: t >= e   le: t < e   lt: t < s
//   _count    optional: 1..kMaxCount results per page (default kDefaultCount)
//   _offset   optional: results to skip (paging; the Bundle's links carry it)
// The query string is percent-decoded per RFC 3986 ('+' is a literal '+', as in a URI;
// a time zone offset may be given as "+02:00" or "%2B02:00").
//
// Strict: an unknown parameter, a modifier (patient:Patient), a repeated single
// parameter, a prefix FHIR defines but Vigil does not run (ne, sa, eb, ap), a value list
// (a,b) and any malformed value are refused with a typed error naming the parameter,
// rather than ignored: a query that silently dropped a condition would return more
// patient data than was asked for.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::fhir {

inline constexpr uint32_t kDefaultCount = 50;
inline constexpr uint32_t kMaxCount = 1000;
inline constexpr uint64_t kMaxOffset = 1000000000;
inline constexpr size_t kMaxQueryBytes = 4096;

struct ObservationQuery {
  int64_t patient_id = 0;
  // Readings with from_ms <= effective time < to_ms (the intersection of every `date`).
  int64_t from_ms = std::numeric_limits<int64_t>::min();
  int64_t to_ms = std::numeric_limits<int64_t>::max();
  uint32_t count = kDefaultCount;
  uint64_t offset = 0;
  // The `date` values as given (decoded), for the Bundle's links.
  std::vector<std::string> dates;
  // True when the conditions exclude every time (the store may answer at once).
  bool empty_range() const { return from_ms >= to_ms; }
  bool operator==(const ObservationQuery&) const = default;
};

enum class QueryError : uint8_t {
  kOk = 0,
  kTooLong,           // the query string is longer than kMaxQueryBytes
  kBadEncoding,       // an empty pair, a pair without '=', a bad %-escape, a NUL
  kUnknownParameter,  // a name this search does not define (modifiers included)
  kRepeated,          // patient, _count or _offset given twice
  kMissingPatient,    // no patient
  kBadPatient,        // not a positive row id or Patient/<id>
  kBadPrefix,         // a prefix Vigil does not run (ne, sa, eb, ap, ...)
  kBadDate,           // not a FHIR date, or a list of values
  kBadCount,          // not an integer 1..kMaxCount
  kBadOffset,         // not an integer 0..kMaxOffset
};
std::string_view QueryErrorName(QueryError e);

struct QueryParse {
  QueryError error = QueryError::kOk;
  std::string parameter;   // the parameter concerned (decoded, cut to 64 bytes), or ""
  ObservationQuery query;  // meaningful only when error == kOk
  bool ok() const { return error == QueryError::kOk; }
};

// `query` is what follows '?' in the request target, without '#'.
QueryParse ParseObservationQuery(std::string_view query);

// The query string of `q` at `offset` (a canonical form: patient, each date in order,
// _count, _offset), percent-encoded; parsing it gives back `q` with that offset.
std::string FormatObservationQuery(const ObservationQuery& q, uint64_t offset);

}  // namespace vigil::fhir
