#include "ids/ewma.h"

#include <gtest/gtest.h>

namespace vigil::ids {
namespace {

TEST(Ewma, FirstSamplesAreAPlainAverage) {
  Ewma e(0.05);
  e.Add(2);
  e.Add(4);
  e.Add(6);
  EXPECT_DOUBLE_EQ(e.mean(), 4.0);
  EXPECT_NEAR(e.variance(), 8.0 / 3.0, 1e-12);  // population variance of {2, 4, 6}
}

TEST(Ewma, ConstantInputHasZeroVariance) {
  Ewma e(0.1);
  for (int i = 0; i < 100; ++i) e.Add(5.0);
  EXPECT_DOUBLE_EQ(e.mean(), 5.0);
  EXPECT_DOUBLE_EQ(e.stddev(), 0.0);
}

TEST(Ewma, OldSamplesFadeAfterWarmUp) {
  Ewma e(0.5);
  for (int i = 0; i < 10; ++i) e.Add(0.0);
  for (int i = 0; i < 20; ++i) e.Add(100.0);
  EXPECT_GT(e.mean(), 99.9);
}

TEST(Ewma, ResetForgetsEverything) {
  Ewma e(0.2);
  e.Add(3);
  e.Reset();
  EXPECT_EQ(e.count(), 0u);
  e.Add(7);
  EXPECT_DOUBLE_EQ(e.mean(), 7.0);
}

}  // namespace
}  // namespace vigil::ids
