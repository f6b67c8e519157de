// FHIR dates as the search parameter `date` reads them (docs/fhir.md, "Search"): a value
// of some precision stands for an interval of time, [start, end) in UTC milliseconds.
//
//   2024              [2024-01-01T00:00Z, 2025-01-01T00:00Z)
//   2024-05           the month
//   2024-05-01        the day (UTC: Vigil has no "server time zone")
//   2024-05-01T12:00:00Z         the second
//   2024-05-01T12:00:00.5+02:00  the tenth of a second (1..3 fraction digits set the
//                                precision; more digits are read to the millisecond)
//
// A time needs seconds and a zone (Z or +hh:mm / -hh:mm, at most 14:00), as FHIR's
// dateTime does; years run 0001..9999; a date must exist (2023-02-29 does not).
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil::fhir {

struct DateRange {
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
};

// True and *out set for a valid value; false (out unchanged) otherwise.
bool ParseFhirDate(std::string_view s, DateRange* out);

// True for "YYYY-MM-DD" naming a real day (Patient.birthDate).
bool IsCalendarDate(std::string_view s);

// Days since 1970-01-01 of a proleptic Gregorian date. REQUIRES: a valid date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace vigil::fhir
