#include "ids/detectors/brute_force.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make() {
  return std::make_unique<BruteForceDetector>(BruteForceConfig{}, 1024);
}

TEST(BruteForce, BruteForceThreshold) {
  Harness h(Make());
  h.Feed(AuthFailed(0, kPump, kAttackerLink));
  h.Feed(AuthFailed(20 * kSeconds, kPump, kAttackerLink));
  EXPECT_TRUE(h.alerts.empty()) << "two failures are below the default threshold of 3";
  h.Feed(AuthFailed(59 * kSeconds, kPump, kAttackerLink));
  ASSERT_EQ(h.alerts.size(), 1u) << "one guesser against one device is reported once";
  EXPECT_EQ(h.alerts[0].signature_id, sig::kBruteForceDevice.id);
  EXPECT_EQ(h.alerts[0].severity, 1);
  EXPECT_EQ(h.alerts[0].uid, kPump);
}

TEST(BruteForce, FailuresSpreadBeyondTheWindowAreNotBruteForce) {
  Harness h(Make());
  for (int i = 0; i < 10; ++i) h.Feed(AuthFailed(i * 31 * kSeconds, kPump, kAttackerLink));
  EXPECT_TRUE(h.alerts.empty());
}

TEST(BruteForce, SprayOfIdentitiesFromOneLinkIsCaughtPerSource) {
  Harness h(Make());
  for (uint64_t i = 0; i < 3; ++i) {
    h.Feed(AuthFailed(static_cast<TimeUs>(i) * kSeconds, 0x5000 + i, kAttackerLink));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kBruteForceSource.id);
  EXPECT_EQ(h.alerts[0].link, kAttackerLink);
}

TEST(BruteForce, DistributedGuessingAgainstOneDeviceIsCaughtPerDevice) {
  Harness h(Make());
  for (uint64_t i = 0; i < 3; ++i) {
    h.Feed(AuthFailed(static_cast<TimeUs>(i) * kSeconds, kMonitor, 0x9000 + i));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kBruteForceDevice.id);
}

TEST(BruteForce, SustainedGuessingIsReportedOncePerHoldoff) {
  Harness h(Make());
  for (int i = 0; i < 30; ++i) h.Feed(AuthFailed(i * kSeconds, kPump, kAttackerLink));
  EXPECT_EQ(h.alerts.size(), 1u);
  for (int i = 60; i < 64; ++i) h.Feed(AuthFailed(i * kSeconds, kPump, kAttackerLink));
  EXPECT_EQ(h.alerts.size(), 2u);
}

}  // namespace
}  // namespace vigil::ids
