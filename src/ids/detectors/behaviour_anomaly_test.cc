#include "ids/detectors/behaviour_anomaly.h"

#include <gtest/gtest.h>

#include <random>

#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using namespace testing;  // NOLINT: test helpers

std::unique_ptr<Detector> Make(BehaviourConfig c = {}) {
  return std::make_unique<BehaviourAnomalyDetector>(c, 1024);
}

// Periodic data from `uid` at `ward` in [from, to), with up to +-jitter per frame.
void Stream(Harness& h, uint64_t uid, uint64_t ward, TimeUs from, TimeUs to, TimeUs period,
            TimeUs jitter = 0, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  for (TimeUs t = from; t < to; t += period) {
    TimeUs j =
        jitter > 0 ? static_cast<TimeUs>(rng() % static_cast<uint64_t>(2 * jitter)) - jitter : 0;
    h.Feed(Data(t + j, uid, ward));
  }
}

TEST(BehaviourAnomaly, BenignWardMoveRaisesNoAlert) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 300 * kSeconds, 2 * kSeconds, 100 * kMillis);
  h.Feed(Disassociated(301 * kSeconds, kPump, kWardA));
  h.Feed(Associated(331 * kSeconds, kPump, kWardB));
  Stream(h, kPump, kWardB, 332 * kSeconds, 600 * kSeconds, 2 * kSeconds, 100 * kMillis);
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].detail;
}

TEST(BehaviourAnomaly, WardMoveWithoutDisassociationRaisesNoAlert) {
  // The device walks out of ward A's range; A never notices. After its link-loss timeout
  // (8 s here) it associates at B.
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 301 * kSeconds, 2 * kSeconds);
  h.Feed(Associated(307 * kSeconds, kPump, kWardB));
  Stream(h, kPump, kWardB, 308 * kSeconds, 600 * kSeconds, 2 * kSeconds);
  h.Feed(Associated(700 * kSeconds, kPump, kWardA));  // and later back to A
  Stream(h, kPump, kWardA, 701 * kSeconds, 900 * kSeconds, 2 * kSeconds);
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].detail;
}

TEST(BehaviourAnomaly, ClonedDeviceAtTwoWardsRaisesImpossibleTravel) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 301 * kSeconds, 2 * kSeconds);        // last frame at 299 s
  h.Feed(Associated(300 * kSeconds, kPump, kWardB, kAttackerLink));        // the clone
  Stream(h, kPump, kWardA, 301 * kSeconds, 359 * kSeconds, 2 * kSeconds);  // original goes on
  ASSERT_EQ(h.CountSignature(sig::kImpossibleTravel.id), 1u) << "one alert per holdoff";
  Stream(h, kPump, kWardA, 361 * kSeconds, 363 * kSeconds, 2 * kSeconds);
  EXPECT_EQ(h.CountSignature(sig::kImpossibleTravel.id), 2u) << "still going: reported again";
  const Alert& a = h.alerts[0];
  EXPECT_EQ(a.severity, 1);
  EXPECT_EQ(a.time, 300 * kSeconds);
  EXPECT_EQ(a.observer, kWardB);
  EXPECT_EQ(a.link, kAttackerLink);
}

TEST(BehaviourAnomaly, CloneThatWaitsIsCaughtByItsGhostSession) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, 10 * kSeconds, 301 * kSeconds, 10 * kSeconds);  // last at 300 s
  h.Feed(Associated(307 * kSeconds, kPump, kWardB, kAttackerLink));        // 7 s > travel_gap
  EXPECT_TRUE(h.alerts.empty());
  h.Feed(Data(310 * kSeconds, kPump, kWardA));  // the original is still in A's session
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kImpossibleTravel.id);
  EXPECT_EQ(h.alerts[0].observer, kWardA);
}

TEST(BehaviourAnomaly, FrameInFlightDuringMoveIsTolerated) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 300 * kSeconds, 2 * kSeconds);
  h.Feed(Associated(306 * kSeconds, kPump, kWardB));
  h.Feed(Data(306 * kSeconds + 500 * kMillis, kPump, kWardA));  // queued at A's gateway
  EXPECT_TRUE(h.alerts.empty());
}

TEST(BehaviourAnomaly, SessionStartedBeforeTheIdsStillCountsForGhostCheck) {
  Harness h(Make());
  Stream(h, kPump, kWardA, 0, 60 * kSeconds, 2 * kSeconds);  // no kAssociated seen
  h.Feed(Associated(70 * kSeconds, kPump, kWardB));
  h.Feed(Data(75 * kSeconds, kPump, kWardA));
  EXPECT_EQ(h.CountSignature(sig::kImpossibleTravel.id), 1u);
}

TEST(BehaviourAnomaly, RebootRaisesNoAlert) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 200 * kSeconds, 2 * kSeconds);
  h.Feed(Associated(215 * kSeconds, kPump, kWardA));  // rebooted, no disassociation seen
  Stream(h, kPump, kWardA, 216 * kSeconds, 500 * kSeconds, 2 * kSeconds);
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].detail;
}

TEST(BehaviourAnomaly, LossyLinkRaisesNoAlert) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 100 * kSeconds, 2 * kSeconds, 50 * kMillis);
  // 30 % loss, plus store-and-forward: after an outage of ten periods the device sends
  // its five held readings back to back.
  std::mt19937_64 rng(99);
  for (int i = 50; i < 800; ++i) {
    const TimeUs t = i * 2 * kSeconds;
    if (i % 60 == 0) {
      for (int k = 0; k < 5; ++k) h.Feed(Data(t + 20 * kSeconds + k * 10 * kMillis, kPump, kWardA));
      i += 10;
      continue;
    }
    if (rng() % 10 < 3) continue;
    h.Feed(Data(t, kPump, kWardA));
  }
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].detail;
}

TEST(BehaviourAnomaly, SecondSenderDoublingTheRateRaisesRateAnomaly) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 121 * kSeconds, 2 * kSeconds, 50 * kMillis);
  EXPECT_TRUE(h.alerts.empty());
  // From 121 s a clone inside the same session sends between the original's frames.
  for (TimeUs t = 121 * kSeconds; t < 175 * kSeconds; t += 2 * kSeconds) {
    h.Feed(Data(t, kPump, kWardA));
    h.Feed(Data(t + kSeconds, kPump, kWardA));
  }
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kDataRateAnomaly.id);
  EXPECT_EQ(h.alerts[0].severity, 2);
  EXPECT_LT(h.alerts[0].time, 145 * kSeconds) << "caught within a dozen frames";
}

TEST(BehaviourAnomaly, ModestSpeedUpIsNotAnAnomaly) {
  Harness h(Make());
  h.Feed(Associated(0, kPump, kWardA));
  Stream(h, kPump, kWardA, kSeconds, 121 * kSeconds, 2 * kSeconds, 50 * kMillis);
  Stream(h, kPump, kWardA, 122 * kSeconds, 400 * kSeconds, 1600 * kMillis, 50 * kMillis);
  EXPECT_TRUE(h.alerts.empty()) << h.alerts[0].detail;
}

TEST(BehaviourAnomaly, ReassociationStormRaisesAlert) {
  Harness h(Make());
  for (int i = 0; i < 4; ++i) h.Feed(Associated(i * 60 * kSeconds, kPump, kWardA));
  EXPECT_TRUE(h.alerts.empty());
  h.Feed(Associated(240 * kSeconds, kPump, kWardA));
  ASSERT_EQ(h.alerts.size(), 1u);
  EXPECT_EQ(h.alerts[0].signature_id, sig::kReassociationStorm.id);
}

TEST(BehaviourAnomaly, DeviceThatAlwaysReassociatesOftenBecomesItsOwnBaseline) {
  Harness h(Make());
  for (int i = 0; i < 240; ++i) h.Feed(Associated(i * 30 * kSeconds, kMonitor, kWardA));
  ASSERT_FALSE(h.alerts.empty()) << "unusual at first";
  for (const Alert& a : h.alerts) {
    EXPECT_LE(a.time, 20 * 60 * kSeconds) << "still reported after two windows: " << a.detail;
  }
}

TEST(BehaviourAnomaly, StormAboveAnEstablishedBaselineIsReported) {
  Harness h(Make());
  // One association an hour for a day, then a clone and the original fight for the
  // session: an association every 20 s.
  for (int i = 0; i < 24; ++i) h.Feed(Associated(i * 3600 * kSeconds, kMonitor, kWardA));
  EXPECT_TRUE(h.alerts.empty());
  for (int i = 0; i < 5; ++i) {
    h.Feed(Associated(24 * 3600 * kSeconds + i * 20 * kSeconds, kMonitor, i % 2 ? kWardA : kWardB));
  }
  EXPECT_EQ(h.CountSignature(sig::kReassociationStorm.id), 1u);
}

TEST(BehaviourAnomaly, DeviceSideEventsSayNothingAboutLocation) {
  Harness h(Make());
  for (int i = 0; i < 10; ++i) h.Feed(Associated(i * kSeconds, kPump, kPump));
  h.Feed(Associated(11 * kSeconds, kPump, kWardA));
  EXPECT_TRUE(h.alerts.empty());
}

}  // namespace
}  // namespace vigil::ids
