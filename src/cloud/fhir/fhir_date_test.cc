#include "cloud/fhir/fhir_date.h"

#include <gtest/gtest.h>

namespace vigil::fhir {
namespace {

constexpr int64_t kDay = 86400000;
constexpr int64_t k20240501 = 1714521600000;  // 2024-05-01T00:00:00Z

DateRange Range(std::string_view s) {
  DateRange r{-1, -1};
  EXPECT_TRUE(ParseFhirDate(s, &r)) << s;
  return r;
}

TEST(FhirDate, EachPrecisionIsItsInterval) {
  EXPECT_EQ(Range("2024-05-01").start_ms, k20240501);
  EXPECT_EQ(Range("2024-05-01").end_ms, k20240501 + kDay);
  EXPECT_EQ(Range("2024-05").start_ms, k20240501);
  EXPECT_EQ(Range("2024-05").end_ms, k20240501 + 31 * kDay);
  EXPECT_EQ(Range("2024").start_ms, 1704067200000);
  EXPECT_EQ(Range("2024").end_ms, 1735689600000);
  EXPECT_EQ(Range("2024-02").end_ms - Range("2024-02").start_ms, 29 * kDay);  // leap year
  const DateRange sec = Range("2024-05-01T12:00:00Z");
  EXPECT_EQ(sec.start_ms, k20240501 + 12 * 3600000);
  EXPECT_EQ(sec.end_ms, sec.start_ms + 1000);
  const DateRange tenth = Range("2024-05-01T12:00:00.5Z");
  EXPECT_EQ(tenth.start_ms, sec.start_ms + 500);
  EXPECT_EQ(tenth.end_ms, sec.start_ms + 600);
  const DateRange milli = Range("2024-05-01T12:00:00.123456Z");
  EXPECT_EQ(milli.start_ms, sec.start_ms + 123);
  EXPECT_EQ(milli.end_ms, sec.start_ms + 124);
}

TEST(FhirDate, ZoneOffsetsAreAppliedToUtc) {
  EXPECT_EQ(Range("2024-05-01T14:00:00+02:00").start_ms, Range("2024-05-01T12:00:00Z").start_ms);
  EXPECT_EQ(Range("2024-05-01T07:30:00-04:30").start_ms, Range("2024-05-01T12:00:00Z").start_ms);
}

TEST(FhirDate, MalformedOrImpossibleDatesAreRefused) {
  for (std::string_view bad : {"",
                               "24",
                               "2024-5",
                               "2024-13",
                               "2023-02-29",
                               "2024-04-31",
                               "2024-05-01T12:00Z",
                               "2024-05-01T12:00:00",
                               "2024-05-01T24:00:00Z",
                               "2024-05-01T12:60:00Z",
                               "2024-05-01T12:00:60Z",
                               "2024-05-01T12:00:00+15:00",
                               "2024-05-01T12:00:00+14:30",
                               "2024-05-01T12:00:00.Z",
                               "2024-05-01T12:00:00.1234567890Z",
                               "2024-05-01T12:00:00Zx",
                               "0000",
                               "2024-05-01 12:00:00Z",
                               "+2024",
                               "2024-05-01T12:00:00+0200"}) {
    DateRange r{7, 7};
    EXPECT_FALSE(ParseFhirDate(bad, &r)) << bad;
    EXPECT_EQ(r.start_ms, 7);
  }
}

TEST(FhirDate, CalendarDatesExist) {
  EXPECT_TRUE(IsCalendarDate("2000-02-29"));
  EXPECT_FALSE(IsCalendarDate("1900-02-29"));
  EXPECT_FALSE(IsCalendarDate("2024-00-10"));
  EXPECT_FALSE(IsCalendarDate("2024-1-10"));
}

}  // namespace
}  // namespace vigil::fhir
