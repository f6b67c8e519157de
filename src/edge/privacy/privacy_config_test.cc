#include "edge/privacy/privacy_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace vigil::privacy {
namespace {

TEST(PrivacyConfig, ExampleFileParses) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/examples/clinical.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  PrivacySettings s;
  std::string why;
  ASSERT_EQ(ParsePrivacySettings(ss.str(), "clinical.toml", &s, &why), Error::kOk) << why;
  EXPECT_EQ(s.site_key, "vigil-site.key");
  EXPECT_EQ(s.budget_per_period.micro, 1000000u);
}

TEST(PrivacyConfig, BadValuesNameLineAndField) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"[privacy]\nbudget_per_period = 0\n",
       "gw.toml:2: [privacy] budget_per_period: expected an epsilon in 0.000001..100"},
      {"[privacy]\nbudget_per_period = \"1\"\n",
       "gw.toml:2: [privacy] budget_per_period: expected a number"},
      {"[privacy]\nsite_key = \"\"\n", "gw.toml:2: [privacy] site_key: empty"},
      {"[privacy]\nepsilon = 1\n", "gw.toml:2: [privacy] epsilon: unknown field"},
  };
  for (const Case& c : cases) {
    PrivacySettings s;
    std::string why;
    EXPECT_EQ(ParsePrivacySettings(c.text, "gw.toml", &s, &why), Error::kInvalidArgument);
    EXPECT_EQ(why, c.error);
  }
  PrivacySettings s;
  ASSERT_EQ(ParsePrivacySettings("[privacy]\nbudget_per_period = 0.5\n", "gw.toml", &s, nullptr),
            Error::kOk);
  EXPECT_EQ(s.budget_per_period.micro, 500000u);
}

}  // namespace
}  // namespace vigil::privacy
