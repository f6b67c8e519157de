#include "ids/detectors/broadcast_forgery.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make() {
  return std::make_unique<BroadcastForgeryDetector>(BroadcastForgeryConfig{}, 1024);
}

TEST(BroadcastForgery, ForgedBroadcastHeardByWholeWardRaisesOneHighAlert) {
  Harness h(Make());
  for (uint64_t d = 0; d < 30; ++d) {
    const uint64_t device = 0x7000 + d;  // device-side: uid == observer == receiver
    h.Feed(Ev(EventKind::kBroadcastForgery, static_cast<TimeUs>(d) * kMillis, device, device,
              kAttackerLink, Error::kBadTag));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kBroadcastForgery.id);
  EXPECT_EQ(h.alerts[0].severity, 1);
  EXPECT_EQ(h.alerts[0].link, kAttackerLink);
}

TEST(BroadcastForgery, WrongKeyEpochIsOnlyAHint) {
  Harness h(Make());
  h.Feed(Ev(EventKind::kBroadcastForgery, 0, kPump, kPump, kAttackerLink, Error::kUnexpected));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kBroadcastEpochMismatch.id);
  EXPECT_EQ(h.alerts[0].severity, 3);
}

TEST(BroadcastForgery, RepeatedForgeryIsReportedAgainAfterHoldoff) {
  Harness h(Make());
  h.Feed(Ev(EventKind::kBroadcastForgery, 0, kPump, kPump, kAttackerLink, Error::kBadTag));
  h.Feed(
      Ev(EventKind::kBroadcastForgery, 5 * kSeconds, kPump, kPump, kAttackerLink, Error::kBadTag));
  h.Feed(
      Ev(EventKind::kBroadcastForgery, 10 * kSeconds, kPump, kPump, kAttackerLink, Error::kBadTag));
  EXPECT_EQ(h.alerts.size(), 2u);
}

}  // namespace
}  // namespace vigil::ids
