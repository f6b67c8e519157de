#include "ids/detectors/flooding.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make() {
  return std::make_unique<FloodingDetector>(FloodingConfig{}, 4096);
}

Event Attempt(TimeUs t, uint64_t uid, uint64_t link) {
  return Ev(EventKind::kAssociationAttempt, t, uid, kWardA, link);
}

TEST(Flooding, AssociationFloodFromOneLinkIsReported) {
  Harness h(Make());
  for (int i = 0; i < 19; ++i) h.Feed(Attempt(i * 100 * kMillis, kPump, kAttackerLink));
  EXPECT_TRUE(h.alerts.empty());
  for (int i = 19; i < 60; ++i) h.Feed(Attempt(i * 100 * kMillis, kPump, kAttackerLink));
  ASSERT_EQ(h.alerts.size(), 1u) << "one alert per holdoff, not one per request";
  EXPECT_EQ(h.alerts[0].signature_id, sig::kAssociationFloodLink.id);
  EXPECT_EQ(h.alerts[0].link, kAttackerLink);
}

TEST(Flooding, WardPowerCycleDoesNotLookLikeAFlood) {
  // Forty devices come back after a power cut; each needs two attempts.
  Harness h(Make());
  for (uint64_t d = 0; d < 40; ++d) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      h.Feed(Attempt(static_cast<TimeUs>(d) * 100 * kMillis + attempt * kSeconds, 0x7000 + d,
                     0x100 + d));
    }
  }
  EXPECT_TRUE(h.alerts.empty());
}

TEST(Flooding, SpoofedSourcesTripTheOverallCount) {
  Harness h(Make());
  for (uint64_t i = 0; i < 250; ++i) {
    h.Feed(Attempt(static_cast<TimeUs>(i) * 20 * kMillis, 0x7000 + i, 0x10000 + i));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kAssociationFloodTotal.id);
  EXPECT_EQ(h.alerts[0].link, 0u);
  EXPECT_EQ(h.alerts[0].uid, 0u);
}

TEST(Flooding, RateLimiterDropIsReportedPerSource) {
  Harness h(Make());
  h.Feed(Ev(EventKind::kRateLimited, 0, kPump, kPump, kAttackerLink, Error::kRateLimited));
  h.Feed(Ev(EventKind::kRateLimited, kSeconds, kPump, kPump, kAttackerLink, Error::kRateLimited));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kRateLimited.id);
}

}  // namespace
}  // namespace vigil::ids
