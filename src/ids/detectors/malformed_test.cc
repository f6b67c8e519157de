#include "ids/detectors/malformed.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make() {
  return std::make_unique<MalformedDetector>(MalformedConfig{}, 4096);
}

Event Malformed(TimeUs t, uint64_t link) {
  return Ev(EventKind::kMalformedFrame, t, 0, kWardA, link, Error::kTruncated);
}

TEST(Malformed, OccasionalBadFrameIsNoise) {
  Harness h(Make());
  for (int i = 0; i < 4; ++i) h.Feed(Malformed(i * kSeconds, kAttackerLink));
  EXPECT_TRUE(h.alerts.empty());
  h.Feed(Malformed(4 * kSeconds, kAttackerLink));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kMalformedBurst.id);
  EXPECT_EQ(h.alerts[0].severity, 3);
  EXPECT_NE(h.alerts[0].detail.find("truncated"), std::string::npos) << h.alerts[0].detail;
}

TEST(Malformed, KindsAreCountedSeparately) {
  Harness h(Make());
  for (int i = 0; i < 3; ++i) {
    h.Feed(Malformed(i * kSeconds, kAttackerLink));
    h.Feed(Ev(EventKind::kUnknownDevice, i * kSeconds, 0xBAD0 + static_cast<uint64_t>(i), kWardA,
              kAttackerLink, Error::kUnknownDevice));
  }
  EXPECT_TRUE(h.alerts.empty());
}

TEST(Malformed, FuzzerRotatingSourcesTripsTheTotal) {
  Harness h(Make());
  for (uint64_t i = 0; i < 60; ++i) {
    h.Feed(Malformed(static_cast<TimeUs>(i) * 100 * kMillis, 0x10000 + i));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kMalformedBurst.id);
  EXPECT_EQ(h.alerts[0].link, 0u);
}

TEST(Malformed, UnknownDeviceScanIsReported) {
  Harness h(Make());
  for (uint64_t i = 0; i < 5; ++i) {
    h.Feed(Ev(EventKind::kUnknownDevice, static_cast<TimeUs>(i) * kSeconds, 0xBAD0 + i, kWardA,
              kAttackerLink, Error::kUnknownDevice));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kUnknownDeviceBurst.id);
}

}  // namespace
}  // namespace vigil::ids
