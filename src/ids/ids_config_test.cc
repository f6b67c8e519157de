#include "ids/ids_config.h"

#include <gtest/gtest.h>

#include <limits>

namespace vigil::ids {
namespace {

TEST(IdsConfig, DefaultsAreValid) { EXPECT_EQ(IdsConfig{}.Validate(), ""); }

TEST(IdsConfig, NegativeWindowIsRejectedByName) {
  IdsConfig c;
  c.replay.window = -1;
  EXPECT_EQ(c.Validate(), "replay.window must be a positive time");
}

TEST(IdsConfig, AlphaOutsideUnitIntervalIsRejected) {
  IdsConfig c;
  c.behaviour.baseline_alpha = 1.5;
  EXPECT_EQ(c.Validate(), "behaviour.baseline_alpha must be in (0, 1]");
  c.behaviour.baseline_alpha = 0;
  EXPECT_EQ(c.Validate(), "behaviour.baseline_alpha must be in (0, 1]");
}

TEST(IdsConfig, NanIsRejected) {
  IdsConfig c;
  c.behaviour.rate_k_sigma = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(c.Validate(), "behaviour.rate_k_sigma must be >= 0");
}

TEST(IdsConfig, FirstErrorIsReported) {
  IdsConfig c;
  c.flooding.per_link_threshold = 0;
  c.malformed.total_threshold = 0;
  EXPECT_EQ(c.Validate(), "flooding.per_link_threshold must be at least 1");
}

}  // namespace
}  // namespace vigil::ids
