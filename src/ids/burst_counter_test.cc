#include "ids/burst_counter.h"

#include <gtest/gtest.h>

namespace vigil::ids {
namespace {

TEST(BurstCounter, FiresOnThresholdEventsWithinInclusiveSpan) {
  BurstCounter c(3, 60 * kSeconds);
  EXPECT_FALSE(c.Add(0));
  EXPECT_FALSE(c.Add(30 * kSeconds));
  EXPECT_TRUE(c.Add(60 * kSeconds));  // 0, 30, 60: all within [0, 60]
}

TEST(BurstCounter, SpreadOutEventsNeverFire) {
  BurstCounter c(3, 60 * kSeconds);
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(c.Add(i * 31 * kSeconds)) << i;
}

TEST(BurstCounter, OldEventsSlideOut) {
  BurstCounter c(3, 10);
  c.Add(0);
  c.Add(1);
  EXPECT_FALSE(c.Add(11));  // 0 is out of [1, 11]
  EXPECT_TRUE(c.Add(11));   // 1, 11, 11
  EXPECT_EQ(c.CountWithin(11), 3u);
  EXPECT_EQ(c.CountWithin(21), 2u);
}

TEST(BurstCounter, IdleMeansIndistinguishableFromFresh) {
  BurstCounter c(2, 10);
  c.Add(0);
  EXPECT_FALSE(c.Idle(10));
  EXPECT_TRUE(c.Idle(11));
  // From 11 on, the old event cannot pair with a new one.
  EXPECT_FALSE(c.Add(11));
}

TEST(BurstCounter, ZeroThresholdIsRaisedToOne) {
  BurstCounter c(0, 10);
  EXPECT_TRUE(c.Add(5));
}

}  // namespace
}  // namespace vigil::ids
