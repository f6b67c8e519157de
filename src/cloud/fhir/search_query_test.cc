#include "cloud/fhir/search_query.h"

#include <gtest/gtest.h>

#include "cloud/fhir/fhir_date.h"

namespace vigil::fhir {
namespace {

constexpr int64_t k20240501 = 1714521600000;  // 2024-05-01T00:00:00Z
constexpr int64_t kDay = 86400000;

ObservationQuery Parsed(std::string_view s) {
  const QueryParse p = ParseObservationQuery(s);
  EXPECT_TRUE(p.ok()) << s << ": " << QueryErrorName(p.error) << " " << p.parameter;
  return p.query;
}

TEST(ObservationQuery, PatientAloneGivesDefaultsAndNoTimeBound) {
  const ObservationQuery q = Parsed("patient=42");
  EXPECT_EQ(q.patient_id, 42);
  EXPECT_EQ(q.count, kDefaultCount);
  EXPECT_EQ(q.offset, 0u);
  EXPECT_EQ(q.from_ms, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(q.to_ms, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Parsed("patient=Patient/42"), q);
}

TEST(ObservationQuery, DatePrefixesBoundTheIntervalAsFhirDefines) {
  const int64_t s = k20240501, e = k20240501 + kDay;
  ObservationQuery q = Parsed("patient=1&date=2024-05-01");
  EXPECT_EQ(q.from_ms, s);
  EXPECT_EQ(q.to_ms, e);
  ObservationQuery eq = Parsed("patient=1&date=eq2024-05-01");
  EXPECT_EQ(eq.from_ms, s);
  EXPECT_EQ(eq.to_ms, e);
  q = Parsed("patient=1&date=ge2024-05-01");
  EXPECT_EQ(q.from_ms, s);
  EXPECT_EQ(q.to_ms, std::numeric_limits<int64_t>::max());
  q = Parsed("patient=1&date=gt2024-05-01");
  EXPECT_EQ(q.from_ms, e);  // after the whole day
  q = Parsed("patient=1&date=le2024-05-01");
  EXPECT_EQ(q.to_ms, e);  // the day included
  EXPECT_EQ(q.from_ms, std::numeric_limits<int64_t>::min());
  q = Parsed("patient=1&date=lt2024-05-01");
  EXPECT_EQ(q.to_ms, s);
}

TEST(ObservationQuery, RepeatedDatesAreIntersected) {
  const ObservationQuery q =
      Parsed("patient=1&date=ge2024-05-01T06:00:00Z&date=lt2024-05-01T18:00:00Z");
  EXPECT_EQ(q.from_ms, k20240501 + 6 * 3600000);
  EXPECT_EQ(q.to_ms, k20240501 + 18 * 3600000);
  EXPECT_EQ(q.dates.size(), 2u);
  EXPECT_FALSE(q.empty_range());
  EXPECT_TRUE(Parsed("patient=1&date=ge2024-06-01&date=lt2024-05-01").empty_range());
}

TEST(ObservationQuery, PercentEncodedZoneOffsetAndLiteralPlusMeanTheSame) {
  const ObservationQuery a = Parsed("patient=1&date=ge2024-05-01T14:00:00%2B02:00");
  const ObservationQuery b = Parsed("patient=1&date=ge2024-05-01T14:00:00+02:00");
  EXPECT_EQ(a.from_ms, k20240501 + 12 * 3600000);
  EXPECT_EQ(a, b);
  EXPECT_EQ(Parsed("%70atient=1"), Parsed("patient=1"));
}

TEST(ObservationQuery, CountAndOffsetAreRead) {
  const ObservationQuery q = Parsed("_count=10&patient=7&_offset=30");
  EXPECT_EQ(q.count, 10u);
  EXPECT_EQ(q.offset, 30u);
  EXPECT_EQ(Parsed("patient=7&_count=1000").count, 1000u);
}

struct Bad {
  std::string_view query;
  QueryError error;
  std::string_view parameter;
};

TEST(ObservationQuery, BadInputGetsATypedErrorNamingTheParameter) {
  const Bad cases[] = {
      {"", QueryError::kMissingPatient, "patient"},
      {"date=2024", QueryError::kMissingPatient, "patient"},
      {"patient=", QueryError::kBadPatient, "patient"},
      {"patient=0", QueryError::kBadPatient, "patient"},
      {"patient=042", QueryError::kBadPatient, "patient"},
      {"patient=-4", QueryError::kBadPatient, "patient"},
      {"patient=4x", QueryError::kBadPatient, "patient"},
      {"patient=Practitioner/4", QueryError::kBadPatient, "patient"},
      {"patient=9223372036854775808", QueryError::kBadPatient, "patient"},
      {"patient=1&patient=2", QueryError::kRepeated, "patient"},
      {"patient:Patient=1", QueryError::kUnknownParameter, "patient:Patient"},
      {"patient=1&subject=1", QueryError::kUnknownParameter, "subject"},
      {"patient=1&code=8867-4", QueryError::kUnknownParameter, "code"},
      {"patient=1&date=ne2024", QueryError::kBadPrefix, "date"},
      {"patient=1&date=ap2024", QueryError::kBadPrefix, "date"},
      {"patient=1&date=2024-05-01,2024-05-02", QueryError::kBadDate, "date"},
      {"patient=1&date=ge", QueryError::kBadDate, "date"},
      {"patient=1&date=yesterday", QueryError::kBadPrefix, "date"},
      {"patient=1&date=2024-02-30", QueryError::kBadDate, "date"},
      {"patient=1&date=", QueryError::kBadDate, "date"},
      {"patient=1&_count=0", QueryError::kBadCount, "_count"},
      {"patient=1&_count=1001", QueryError::kBadCount, "_count"},
      {"patient=1&_count=+5", QueryError::kBadCount, "_count"},
      {"patient=1&_count=5&_count=6", QueryError::kRepeated, "_count"},
      {"patient=1&_offset=-1", QueryError::kBadOffset, "_offset"},
      {"patient=1&_offset=1000000001", QueryError::kBadOffset, "_offset"},
      {"patient=1&", QueryError::kBadEncoding, ""},
      {"&patient=1", QueryError::kBadEncoding, ""},
      {"patient=1&&_count=2", QueryError::kBadEncoding, ""},
      {"patient", QueryError::kBadEncoding, "patient"},
      {"patient=%4", QueryError::kBadEncoding, "patient"},
      {"patient=%zz", QueryError::kBadEncoding, "patient"},
      {"patient=1%00", QueryError::kBadEncoding, "patient"},
  };
  for (const Bad& b : cases) {
    const QueryParse p = ParseObservationQuery(b.query);
    EXPECT_EQ(p.error, b.error) << b.query << " gave " << QueryErrorName(p.error);
    EXPECT_EQ(p.parameter, b.parameter) << b.query;
  }
  EXPECT_EQ(ParseObservationQuery("patient=1&date=" + std::string(kMaxQueryBytes, '2')).error,
            QueryError::kTooLong);
}

TEST(ObservationQuery, FormattedQueryParsesBackToTheSameQuery) {
  const ObservationQuery q =
      Parsed("patient=42&date=ge2024-05-01T14:00:00+02:00&date=lt2024-05-02&_count=20");
  const std::string s = FormatObservationQuery(q, 40);
  EXPECT_EQ(s,
            "patient=42&date=ge2024-05-01T14:00:00%2B02:00&date=lt2024-05-02&_count=20&_offset=40");
  ObservationQuery want = q;
  want.offset = 40;
  EXPECT_EQ(Parsed(s), want);
}

}  // namespace
}  // namespace vigil::fhir
