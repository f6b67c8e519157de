#include "ids/detectors/replay.h"

#include <gtest/gtest.h>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make(ReplayConfig c = {}) {
  return std::make_unique<ReplayDetector>(c, 1024);
}

Event Replay(TimeUs t, uint32_t counter, uint64_t uid = kPump) {
  Event e = Ev(EventKind::kReplay, t, uid, kWardA, kAttackerLink, Error::kReplay);
  e.counter = counter;
  return e;
}

TEST(Replay, RecordedTrafficReplayShowsCounterRegression) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  for (uint32_t c = 1; c <= 100; ++c) h.Feed(Data(c * kSeconds, kPump, kWardA, c));
  h.Feed(Replay(101 * kSeconds, 5));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kReplay.id);
  EXPECT_EQ(h.alerts[0].severity, 2);
  EXPECT_NE(h.alerts[0].detail.find("regressed by 95"), std::string::npos) << h.alerts[0].detail;
}

TEST(Replay, NewSessionForgetsTheOldCounters) {
  Harness h(Make());
  h.Feed(Data(kSeconds, kPump, kWardA, 500));
  h.Feed(Associated(2 * kSeconds, kPump, kWardA));
  h.Feed(Replay(3 * kSeconds, 7));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].detail.find("regressed"), std::string::npos) << h.alerts[0].detail;
}

TEST(Replay, ThresholdAboveOneNeedsSeveralReplaysInTheWindow) {
  ReplayConfig c;
  c.threshold = 3;
  c.window = 10 * kSeconds;
  Harness h(Make(c));
  h.Feed(Replay(0, 1));
  h.Feed(Replay(5 * kSeconds, 2));
  h.Feed(Replay(16 * kSeconds, 3));  // the first two have left the window
  h.Feed(Replay(17 * kSeconds, 4));
  EXPECT_TRUE(h.alerts.empty());
  h.Feed(Replay(18 * kSeconds, 5));
  EXPECT_EQ(h.alerts.size(), 1u);
}

TEST(Replay, AlertsAreRateLimitedPerDevice) {
  Harness h(Make());
  for (int i = 0; i < 20; ++i) h.Feed(Replay(i * kSeconds, static_cast<uint32_t>(i)));
  h.Feed(Replay(20 * kSeconds, 1, kMonitor));
  EXPECT_EQ(h.alerts.size(), 2u);
}

}  // namespace
}  // namespace vigil::ids
