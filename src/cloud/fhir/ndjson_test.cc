#include "cloud/fhir/ndjson.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace vigil::fhir {
namespace {

TEST(Ndjson, OneCompactResourcePerLineInOrder) {
  const std::vector<Json> rs = {
      {{"resourceType", "Observation"}, {"id", "1"}, {"note", {{{"text", "two\nlines"}}}}},
      {{"resourceType", "Observation"}, {"id", "2"}}};
  std::string out;
  ASSERT_EQ(ToNdjson(rs, &out), NdjsonError::kOk);
  std::istringstream in(out);
  std::string line;
  std::vector<Json> back;
  while (std::getline(in, line)) back.push_back(Json::parse(line));
  EXPECT_EQ(back, rs);  // the newline inside a string is escaped, not a line break
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
}

TEST(Ndjson, NonResourceIsRefusedAndNothingIsWritten) {
  const std::vector<Json> rs = {
      {{"resourceType", "Patient"}, {"id", "1"}}, Json::array({1, 2}), {{"resourceType", 7}}};
  std::string out = "kept";
  size_t bad = 99;
  EXPECT_EQ(ToNdjson(rs, &out, &bad), NdjsonError::kNotAResource);
  EXPECT_EQ(bad, 1u);
  EXPECT_EQ(out, "kept");
}

TEST(Ndjson, InvalidUtf8IsReplacedInsteadOfThrowing) {
  const std::vector<Json> rs = {{{"resourceType", "Patient"}, {"id", std::string("\xFF")}}};
  std::string out;
  ASSERT_EQ(ToNdjson(rs, &out), NdjsonError::kOk);
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);
}

}  // namespace
}  // namespace vigil::fhir
