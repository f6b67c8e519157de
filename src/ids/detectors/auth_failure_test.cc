#include "ids/detectors/auth_failure.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make() {
  return std::make_unique<AuthFailureDetector>(AuthFailureConfig{}, 1024);
}

TEST(AuthFailure, SingleFailedTagIsNeverTreatedAsNoise) {
  Harness h(Make());
  h.Feed(AuthFailed(kSeconds, kPump, kAttackerLink));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kAuthFailed.id);
  EXPECT_EQ(h.alerts[0].severity, 2);
  EXPECT_EQ(h.alerts[0].link, kAttackerLink);
}

TEST(AuthFailure, FailuresAreRateLimitedPerDevice) {
  Harness h(Make());
  for (int i = 0; i < 10; ++i) h.Feed(AuthFailed(i * kSeconds, kPump, kAttackerLink));
  h.Feed(AuthFailed(10 * kSeconds, kMonitor, kAttackerLink));
  EXPECT_EQ(h.alerts.size(), 2u);  // one for the pump, one for the monitor
  h.Feed(AuthFailed(31 * kSeconds, kPump, kAttackerLink));
  EXPECT_EQ(h.alerts.size(), 3u);  // holdoff over
}

TEST(AuthFailure, RogueCoordinatorHasItsOwnSignature) {
  Harness h(Make());
  // Device-side events name the device itself as uid and observer.
  h.Feed(Ev(EventKind::kCpanAuthFailed, 0, kPump, kPump, kAttackerLink, Error::kBadTag));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kRogueCoordinator.id);
  EXPECT_NE(h.alerts[0].detail.find("rogue"), std::string::npos);
}

TEST(AuthFailure, OtherEventsAreIgnored) {
  Harness h(Make());
  h.Feed(Ev(EventKind::kFrameTagInvalid, 0, kPump));
  h.Feed(Ev(EventKind::kAssociated, 0, kPump));
  EXPECT_TRUE(h.alerts.empty());
}

}  // namespace
}  // namespace vigil::ids
