#include "ids/engine.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ids/default_detectors.h"
#include "ids/signatures.h"
#include "ids/test_events.h"

namespace vigil::ids {
namespace {

using testing::Ev;
using testing::Harness;
using testing::kPump;
using testing::kWardA;

// Raises one alert per event of `kind`, and one deadline alert `delay` after it.
class EchoDetector final : public Detector {
 public:
  EchoDetector(std::string name, EventKind kind, TimeUs delay)
      : name_(std::move(name)), kind_(kind), delay_(delay) {}
  std::string_view name() const override { return name_; }
  void OnEvent(const Event& e, AlertOut& out) override {
    if (e.kind != kind_) return;
    Alert a;
    a.time = e.time;
    a.uid = e.uid;
    a.signature = "echo";
    out.Raise(a);
    if (delay_ > 0) pending_.push_back(e.time + delay_);
  }
  TimeUs NextDeadline() const override { return pending_.empty() ? kNever : pending_.front(); }
  void OnTime(TimeUs now, AlertOut& out) override {
    while (!pending_.empty() && pending_.front() <= now) {
      Alert a;
      a.time = pending_.front();
      a.signature = "deadline";
      out.Raise(a);
      pending_.erase(pending_.begin());
    }
  }

 private:
  std::string name_;
  EventKind kind_;
  TimeUs delay_;
  std::vector<TimeUs> pending_;
};

TEST(Engine, CountsEventsPerKind) {
  Engine engine;
  engine.Consume(Ev(EventKind::kAuthFailed, 1, kPump));
  engine.Consume(Ev(EventKind::kAuthFailed, 2, kPump));
  engine.Consume(Ev(EventKind::kReplay, 3, kPump));
  EXPECT_EQ(engine.EventCount(EventKind::kAuthFailed), 2u);
  EXPECT_EQ(engine.EventCount(EventKind::kReplay), 1u);
  EXPECT_EQ(engine.EventCount(EventKind::kAssociated), 0u);
  EXPECT_EQ(engine.events_total(), 3u);
}

TEST(Engine, UnknownEventKindIsCountedNotCrashed) {
  Engine engine;
  RegisterDefaultDetectors(engine, IdsConfig{});
  Event e = Ev(static_cast<EventKind>(250), 1, kPump);
  engine.Consume(e);
  EXPECT_EQ(engine.EventCount(static_cast<EventKind>(250)), 1u);
  EXPECT_FALSE(engine.PollAlert().has_value());
}

TEST(Engine, AlertsAreStampedWithDetectorNameAndQueuedInOrder) {
  Engine engine;
  engine.Register(std::make_unique<EchoDetector>("echo", EventKind::kReplay, 0));
  engine.Consume(Ev(EventKind::kReplay, 10, 1));
  engine.Consume(Ev(EventKind::kReplay, 20, 2));
  auto first = engine.PollAlert();
  auto second = engine.PollAlert();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->detector, "echo");
  EXPECT_EQ(first->uid, 1u);
  EXPECT_EQ(second->uid, 2u);
  EXPECT_FALSE(engine.PollAlert());
  EXPECT_EQ(engine.alerts_total(), 2u);
}

TEST(Engine, FullQueueDropsAndCountsInsteadOfGrowing) {
  Engine engine(EngineOptions{.max_queued_alerts = 2});
  engine.Register(std::make_unique<EchoDetector>("echo", EventKind::kReplay, 0));
  for (int i = 0; i < 5; ++i) engine.Consume(Ev(EventKind::kReplay, i, static_cast<uint64_t>(i)));
  EXPECT_EQ(engine.alerts_dropped(), 3u);
  EXPECT_EQ(engine.PollAlert()->uid, 0u);  // the oldest are kept
  EXPECT_EQ(engine.PollAlert()->uid, 1u);
  EXPECT_FALSE(engine.PollAlert());
}

TEST(Engine, SettingASinkFlushesQueuedAlerts) {
  Engine engine;
  engine.Register(std::make_unique<EchoDetector>("echo", EventKind::kReplay, 0));
  engine.Consume(Ev(EventKind::kReplay, 1, 1));
  std::vector<Alert> got;
  engine.SetSink([&](const Alert& a) {
    testing::ExpectValidEve(a);
    got.push_back(a);
  });
  engine.Consume(Ev(EventKind::kReplay, 2, 2));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].uid, 1u);
  EXPECT_FALSE(engine.PollAlert());
}

TEST(Engine, LateEventIsProcessedAtLatestTime) {
  Harness h(std::make_unique<EchoDetector>("echo", EventKind::kReplay, 0));
  h.Feed(Ev(EventKind::kReplay, 100, 1)).Feed(Ev(EventKind::kReplay, 50, 2));
  ASSERT_EQ(h.alerts.size(), 2u);
  EXPECT_EQ(h.alerts[1].time, 100);
  EXPECT_EQ(h.engine.late_events(), 1u);
}

TEST(Engine, DeadlineAlertsComeOutInTimeOrderAcrossDetectors) {
  // Detector "slow" has its deadline at 50, "fast" at 30: whatever the registration
  // order, the deadline alert at 30 must come first, before the event at 60.
  Harness h;
  h.engine.Register(std::make_unique<EchoDetector>("slow", EventKind::kReplay, 50));
  h.engine.Register(std::make_unique<EchoDetector>("fast", EventKind::kAuthFailed, 20));
  h.Feed(Ev(EventKind::kReplay, 0, 1));
  h.Feed(Ev(EventKind::kAuthFailed, 10, 2));
  h.Feed(Ev(EventKind::kReplay, 60, 3));
  std::vector<std::pair<std::string, TimeUs>> seq;
  for (const Alert& a : h.alerts) seq.emplace_back(a.detector + ":" + a.signature, a.time);
  const std::vector<std::pair<std::string, TimeUs>> want = {
      {"slow:echo", 0},      {"fast:echo", 10}, {"fast:deadline", 30},
      {"slow:deadline", 50}, {"slow:echo", 60},
  };
  EXPECT_EQ(seq, want);
  EXPECT_EQ(h.engine.NextDeadline(), 110);
}

// A mixed stream: attacks and benign traffic from a fixed seed.
std::vector<Event> MixedStream(uint64_t seed) {
  std::mt19937_64 rng(seed);
  static constexpr EventKind kKinds[] = {
      EventKind::kAuthFailed,         EventKind::kDuplicateAnswer, EventKind::kConfirmationPassed,
      EventKind::kConfirmationFailed, EventKind::kReplay,          EventKind::kAssociationAttempt,
      EventKind::kMalformedFrame,     EventKind::kAssociated,      EventKind::kDataReceived,
      EventKind::kDataReceived,       EventKind::kDataReceived,    EventKind::kBroadcastForgery,
      EventKind::kIdentityConflict,   EventKind::kRateLimited,     EventKind::kUnknownDevice,
  };
  std::vector<Event> out;
  TimeUs t = 0;
  for (int i = 0; i < 4000; ++i) {
    t += static_cast<TimeUs>(rng() % (800 * kMillis));
    Event e = Ev(kKinds[rng() % std::size(kKinds)], t, 0x100 + rng() % 6,
                 rng() % 2 ? testing::kWardA : testing::kWardB, 1 + rng() % 4);
    e.counter = static_cast<uint32_t>(rng() % 1000);
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> RunStream(const std::vector<Event>& stream, TimeUs tick_every) {
  Engine engine;
  EXPECT_EQ(RegisterDefaultDetectors(engine, IdsConfig{}), "");
  std::vector<std::string> lines;
  EveContext ctx;
  engine.SetSink([&](const Alert& a) {
    testing::ExpectValidEve(a);
    lines.push_back(FormatEveJson(a, ctx));
  });
  TimeUs next_tick = tick_every;
  for (const Event& e : stream) {
    while (tick_every > 0 && next_tick <= e.time) {
      engine.Tick(next_tick);
      next_tick += tick_every;
    }
    engine.Consume(e);
  }
  engine.Tick(stream.back().time + kSeconds * 3600);
  return lines;
}

TEST(Engine, DeterministicVerdicts) {
  const auto stream = MixedStream(42);
  const auto first = RunStream(stream, 0);
  const auto second = RunStream(stream, 0);
  ASSERT_GT(first.size(), 20u) << "the stream must exercise several detectors";
  EXPECT_EQ(first, second);
}

TEST(Engine, TickScheduleDoesNotChangeVerdicts) {
  const auto stream = MixedStream(7);
  const auto never = RunStream(stream, 0);
  const auto often = RunStream(stream, 137 * kMillis);
  const auto rarely = RunStream(stream, 45 * kSeconds);
  ASSERT_GT(never.size(), 20u);
  EXPECT_EQ(never, often);
  EXPECT_EQ(never, rarely);
}

TEST(Engine, DefaultSetRegistersEveryDetectorInFixedOrder) {
  Engine engine;
  ASSERT_EQ(RegisterDefaultDetectors(engine, IdsConfig{}), "");
  const std::vector<std::string_view> want = {
      "identity_theft",    "auth_failure",      "brute_force",   "replay",
      "flooding",          "broadcast_forgery", "dropped_input", "malformed",
      "behaviour_anomaly", "restored_registry"};
  EXPECT_EQ(engine.detector_names(), want);
}

TEST(Engine, InvalidConfigRegistersNothingAndSaysWhy) {
  Engine engine;
  IdsConfig config;
  config.brute_force.threshold = 0;
  EXPECT_EQ(RegisterDefaultDetectors(engine, config), "brute_force.threshold must be at least 1");
  EXPECT_TRUE(engine.detector_names().empty());
}

TEST(Engine, DisabledDetectorIsNotRegistered) {
  Engine engine;
  IdsConfig config;
  config.behaviour.enabled = false;
  ASSERT_EQ(RegisterDefaultDetectors(engine, config), "");
  for (auto n : engine.detector_names()) EXPECT_NE(n, "behaviour_anomaly");
  EXPECT_EQ(engine.detector_names().size(), 9u);
}

}  // namespace
}  // namespace vigil::ids
