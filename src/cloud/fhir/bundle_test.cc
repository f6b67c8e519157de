#include "cloud/fhir/bundle.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace vigil::fhir {
namespace {

constexpr std::string_view kBase = "https://cloud.example/fhir";

std::vector<Json> Resources(int n) {
  std::vector<Json> v;
  for (int i = 0; i < n; ++i)
    v.push_back({{"resourceType", "Observation"}, {"id", std::to_string(100 + i)}});
  return v;
}

std::map<std::string, std::string> Links(const Json& b) {
  std::map<std::string, std::string> m;
  for (const Json& l : b["link"]) m[l["relation"]] = l["url"];
  return m;
}

ObservationQuery Query(uint32_t count, uint64_t offset) {
  ObservationQuery q = ParseObservationQuery("patient=42&date=ge2024-05-01").query;
  q.count = count;
  q.offset = offset;
  return q;
}

TEST(SearchBundle, MiddlePageLinksBothWaysAndCountsTheWholeSearch) {
  const std::vector<Json> page = Resources(10);
  const Json b = SearchBundle(kBase, Query(10, 20), 45, page);
  EXPECT_EQ(b["resourceType"], "Bundle");
  EXPECT_EQ(b["type"], "searchset");
  EXPECT_EQ(b["total"], 45);
  const auto links = Links(b);
  const std::string q = std::string(kBase) + "/Observation?patient=42&date=ge2024-05-01&_count=10";
  EXPECT_EQ(links.at("self"), q + "&_offset=20");
  EXPECT_EQ(links.at("first"), q + "&_offset=0");
  EXPECT_EQ(links.at("next"), q + "&_offset=30");
  EXPECT_EQ(links.at("previous"), q + "&_offset=10");
  ASSERT_EQ(b["entry"].size(), 10u);
  EXPECT_EQ(b["entry"][0]["fullUrl"], std::string(kBase) + "/Observation/100");
  EXPECT_EQ(b["entry"][0]["search"]["mode"], "match");
  EXPECT_EQ(b["entry"][0]["resource"], page[0]);
}

TEST(SearchBundle, FirstPageHasNoPreviousAndLastPageNoNext) {
  EXPECT_FALSE(Links(SearchBundle(kBase, Query(10, 0), 45, Resources(10))).contains("previous"));
  const auto last = Links(SearchBundle(kBase, Query(10, 40), 45, Resources(5)));
  EXPECT_FALSE(last.contains("next"));
  EXPECT_TRUE(last.contains("previous"));
}

TEST(SearchBundle, PreviousFromAnUnalignedOffsetStopsAtZero) {
  const auto links = Links(SearchBundle(kBase, Query(10, 4), 45, Resources(10)));
  EXPECT_NE(links.at("previous").find("&_offset=0"), std::string::npos);
}

TEST(SearchBundle, EmptyResultHasTotalZeroAndNoEntry) {
  const Json b = SearchBundle(kBase, Query(10, 0), 0, {});
  EXPECT_EQ(b["total"], 0);
  EXPECT_FALSE(b.contains("entry"));
  EXPECT_FALSE(Links(b).contains("next"));
}

}  // namespace
}  // namespace vigil::fhir
