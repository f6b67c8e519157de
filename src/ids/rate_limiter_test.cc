#include "ids/rate_limiter.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ids/default_detectors.h"
#include "ids/engine.h"
#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using testing::Ev;
using testing::kPump;
using testing::kWardA;

// Raises one alert per event: signature from Event::counter (an index into the
// catalogue), device and link from the event. Lets a test choose the alert stream exactly.
class EchoDetector final : public Detector {
 public:
  std::string_view name() const override { return "echo"; }
  void OnEvent(const Event& e, AlertOut& out) override {
    Alert a = MakeAlert(AllSignatures()[e.counter]);
    a.time = e.time;
    a.uid = e.uid;
    a.observer = e.observer;
    a.link = e.link;
    a.detail = "echo";
    out.Raise(std::move(a));
  }
};

constexpr uint32_t kReplayIndex = 5;  // sig::kReplay
constexpr uint32_t kRateIndex = 8;    // sig::kRateLimited

Event Echo(TimeUs t, uint64_t uid, uint32_t signature_index = kReplayIndex, uint64_t link = 0) {
  Event e = Ev(EventKind::kReplay, t, uid, kWardA, link);
  e.counter = signature_index;
  return e;
}

struct Limited {
  explicit Limited(const RateLimitConfig& config) {
    EXPECT_EQ(AllSignatures()[kReplayIndex].id, sig::kReplay.id);
    EXPECT_EQ(AllSignatures()[kRateIndex].id, sig::kRateLimited.id);
    engine.Register(std::make_unique<EchoDetector>());
    engine.SetRateLimit(config);
    engine.SetSink([this](const Alert& a) {
      testing::ExpectValidEve(a);
      written.push_back(a);
    });
    engine.SetDetectionHook([this](const Alert& a) { detected.push_back(a); });
  }
  Engine engine;
  std::vector<Alert> written;
  std::vector<Alert> detected;
};

RateLimitConfig NoGlobalCap() {
  RateLimitConfig c;
  c.max_alerts_per_second = 0;
  return c;
}

TEST(RateLimit, RepeatsBeyondTheLimitAreHeldAndSummarisedAtTheEndOfThePeriod) {
  Limited h(NoGlobalCap());  // 3 per device per 60 s
  for (int i = 0; i < 10; ++i) h.engine.Consume(Echo(i * kSeconds, kPump));
  ASSERT_EQ(h.written.size(), 3u);
  h.engine.Tick(62 * kSeconds);  // first held at 3 s: summary due at 63 s
  EXPECT_EQ(h.written.size(), 3u) << "no summary before its period ends";
  h.engine.Tick(63 * kSeconds);
  ASSERT_EQ(h.written.size(), 4u);
  const Alert& s = h.written.back();
  EXPECT_EQ(s.signature_id, sig::kAlertsSuppressed.id);
  EXPECT_EQ(s.detector, "rate_limit");
  EXPECT_EQ(s.time, 63 * kSeconds) << "stamped with its due time, not the tick";
  EXPECT_EQ(s.uid, kPump) << "all held alerts named one device";
  ASSERT_TRUE(s.suppressed.has_value());
  EXPECT_EQ(s.suppressed->signature_id, sig::kReplay.id);
  EXPECT_EQ(s.suppressed->count, 7u);
  EXPECT_EQ(s.suppressed->devices, std::vector<uint64_t>{kPump});
  EXPECT_EQ(h.detected.size(), 10u) << "the detection hook sees every alert";
  EXPECT_EQ(h.engine.alerts_held_back(), 7u);
}

TEST(RateLimit, NewWindowOpensAfterThePeriod) {
  Limited h(NoGlobalCap());
  for (int i = 0; i < 4; ++i) h.engine.Consume(Echo(i * kSeconds, kPump));
  h.engine.Consume(Echo(60 * kSeconds, kPump));  // window opened at 0 s has closed
  ASSERT_EQ(h.written.size(), 4u);
  EXPECT_EQ(h.written.back().time, 60 * kSeconds);
  EXPECT_EQ(h.written.back().signature_id, sig::kReplay.id);
}

TEST(RateLimit, EachDeviceHasItsOwnLimit) {
  Limited h(NoGlobalCap());
  for (uint64_t d = 1; d <= 50; ++d) h.engine.Consume(Echo(kSeconds, d));
  EXPECT_EQ(h.written.size(), 50u);
}

TEST(RateLimit, SummaryBeforeAnAlertStampedAtItsDueTime) {
  Limited h(NoGlobalCap());
  for (int i = 0; i < 4; ++i) h.engine.Consume(Echo(i * kSeconds, kPump));  // held at 3 s
  h.engine.Consume(Echo(63 * kSeconds, kPump));                             // no Tick in between
  ASSERT_EQ(h.written.size(), 5u);
  EXPECT_EQ(h.written[3].signature_id, sig::kAlertsSuppressed.id);
  EXPECT_EQ(h.written[4].signature_id, sig::kReplay.id);
}

TEST(RateLimit, TrackBySrcCountsEachLink) {
  RateLimitConfig c = NoGlobalCap();
  c.rules.push_back({sig::kReplay.id, false, 0, ThresholdTrack::kBySrc, 1, 60 * kSeconds});
  Limited h(c);
  h.engine.Consume(Echo(kSeconds, kPump, kReplayIndex, 1));
  h.engine.Consume(Echo(kSeconds, kPump, kReplayIndex, 1));
  h.engine.Consume(Echo(kSeconds, kPump, kReplayIndex, 2));
  EXPECT_EQ(h.written.size(), 2u);
}

TEST(RateLimit, TrackByRuleCountsTheWholeSignature) {
  RateLimitConfig c = NoGlobalCap();
  c.rules.push_back({sig::kReplay.id, false, 0, ThresholdTrack::kByRule, 2, 60 * kSeconds});
  Limited h(c);
  for (uint64_t d = 1; d <= 5; ++d) h.engine.Consume(Echo(kSeconds, d));
  EXPECT_EQ(h.written.size(), 2u);
}

TEST(RateLimit, SuppressRuleDropsOneDeviceSilently) {
  RateLimitConfig c = NoGlobalCap();
  c.rules.push_back({sig::kReplay.id, true, kPump, ThresholdTrack::kByDevice, 1, kSeconds});
  Limited h(c);
  h.engine.Consume(Echo(kSeconds, kPump));
  h.engine.Consume(Echo(kSeconds, testing::kMonitor));
  h.engine.Tick(3600 * kSeconds);
  ASSERT_EQ(h.written.size(), 1u);
  EXPECT_EQ(h.written[0].uid, testing::kMonitor);
  EXPECT_EQ(h.engine.alerts_suppressed(), 1u);
  EXPECT_EQ(h.detected.size(), 2u);
}

TEST(RateLimit, GlobalCapHoldsAlertsOverThePerSecondBudget) {
  RateLimitConfig c;
  c.max_alerts_per_second = 5;
  Limited h(c);
  for (uint64_t d = 1; d <= 20; ++d) h.engine.Consume(Echo(kSeconds + d, d));
  EXPECT_EQ(h.written.size(), 5u);
  // The next second has a fresh budget, and the held devices' limits were not used up.
  for (uint64_t d = 6; d <= 8; ++d) h.engine.Consume(Echo(2 * kSeconds, d));
  EXPECT_EQ(h.written.size(), 8u);
  h.engine.Tick(kSeconds + 6 + 60 * kSeconds);
  const Alert& s = h.written.back();
  ASSERT_EQ(s.signature_id, sig::kAlertsSuppressed.id);
  EXPECT_EQ(s.suppressed->count, 15u);
  EXPECT_EQ(s.suppressed->devices.size(), 15u) << "every held device is named";
  EXPECT_EQ(s.uid, 0u) << "several devices";
}

TEST(RateLimit, SummaryListIsBoundedAndCountsTheRest) {
  RateLimitConfig c;
  c.max_alerts_per_second = 1;
  c.summary_max_devices = 4;
  Limited h(c);
  for (uint64_t d = 1; d <= 10; ++d) h.engine.Consume(Echo(kSeconds, d));
  h.engine.Tick(3600 * kSeconds);
  const Alert& s = h.written.back();
  ASSERT_TRUE(s.suppressed.has_value());
  EXPECT_EQ(s.suppressed->count, 9u);
  EXPECT_EQ(s.suppressed->devices, (std::vector<uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(s.suppressed->unlisted, 5u);
}

TEST(RateLimit, DisabledConfigLimitsNothing) {
  RateLimitConfig c;
  c.enabled = false;
  Limited h(c);
  for (int i = 0; i < 100; ++i) h.engine.Consume(Echo(kSeconds, kPump));
  EXPECT_EQ(h.written.size(), 100u);
}

std::vector<std::string> RunWithTicks(TimeUs tick_every) {
  Limited h(RateLimitConfig{});
  std::vector<std::string> lines;
  h.engine.SetSink([&](const Alert& a) { lines.push_back(FormatEveJson(a, EveContext{})); });
  TimeUs next_tick = tick_every;
  for (int i = 0; i < 3000; ++i) {
    const TimeUs t = i * 97 * kMillis;
    while (tick_every > 0 && next_tick <= t) {
      h.engine.Tick(next_tick);
      next_tick += tick_every;
    }
    h.engine.Consume(Echo(t, 1 + (i * 7919) % 13, i % 3 == 0 ? kRateIndex : kReplayIndex));
  }
  h.engine.Tick(3600 * kSeconds);
  return lines;
}

TEST(RateLimit, TickScheduleDoesNotChangeOutput) {
  const auto never = RunWithTicks(0);
  ASSERT_GT(never.size(), 30u);
  EXPECT_EQ(never, RunWithTicks(100 * kMillis));
  EXPECT_EQ(never, RunWithTicks(37 * kSeconds));
}

// A 30 s flood from 31,000 source ports: every port tries once to associate as one of 20
// devices with a wrong OTP, and the core's limiter drops its follow-up.
TEST(RateLimit, PortFloodStaysBoundedAndNamesEveryAttackedDevice) {
  auto run = [](bool limited, std::set<uint64_t>* named) {
    Engine engine;
    IdsConfig config;
    config.rate_limit.enabled = limited;
    EXPECT_EQ(RegisterDefaultDetectors(engine, config), "");
    size_t lines = 0;
    engine.SetSink([&](const Alert& a) {
      // Every line of the limited run is checked; of the unlimited flood, one in 64 (the
      // lines are alike, and checking 30,000 costs minutes under the sanitizers).
      if (limited || lines % 64 == 0) testing::ExpectValidEve(a);
      ++lines;
      if (a.uid != 0) named->insert(a.uid);
      if (a.suppressed) named->insert(a.suppressed->devices.begin(), a.suppressed->devices.end());
    });
    constexpr int kPorts = 31000;
    for (int i = 0; i < kPorts; ++i) {
      const TimeUs t = kSeconds + static_cast<TimeUs>(i) * 30 * kSeconds / kPorts;
      const uint64_t victim = 0x00124B0000BB0000 + static_cast<uint64_t>(i % 20);
      const uint64_t link = 0x10000 + static_cast<uint64_t>(i);
      engine.Consume(Ev(EventKind::kAssociationAttempt, t, victim, kWardA, link));
      engine.Consume(Ev(EventKind::kAuthFailed, t, victim, kWardA, link, Error::kBadTag));
      engine.Consume(Ev(EventKind::kRateLimited, t, victim, kWardA, link, Error::kRateLimited));
    }
    engine.Tick(31 * kSeconds);  // the end of the flood
    return lines;
  };
  std::set<uint64_t> named_unlimited, named;
  const size_t unlimited = run(false, &named_unlimited);
  const size_t limited = run(true, &named);
  EXPECT_GT(unlimited, 10000u) << "the flood must be one that needs the limit";
  EXPECT_LE(limited, 300u);
  EXPECT_EQ(named.size(), 20u) << "every attacked device is named at least once";
  RecordProperty("lines_unlimited", static_cast<int>(unlimited));
  RecordProperty("lines_limited", static_cast<int>(limited));
  std::printf("port flood: %zu lines without the rate limit, %zu with it\n", unlimited, limited);
}

}  // namespace
}  // namespace vigil::ids
