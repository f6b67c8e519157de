#include "edge/clinical/clinical_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace vigil::clinical {
namespace {

constexpr uint64_t kOximeter = 0x00124b0000000011;
constexpr uint64_t kEcg = 0x00124b0000000012;
constexpr uint64_t kCuff = 0x00124b0000000013;
constexpr uint64_t kThermometer = 0x00124b0000000014;
constexpr uint64_t kOtherOximeter = 0x00124b0000000021;
constexpr TimeUs kS = kSeconds;
constexpr TimeUs kMin = 60 * kSeconds;

PatientDevice Device(uint64_t uid, DeviceKind kind) {
  return PatientDevice{uid, kind, DefaultVitalsOf(kind)};
}

ClinicalConfig Ward(SpO2Scale scale = SpO2Scale::kScale1, bool on_oxygen = false) {
  ClinicalConfig c;
  PatientConfig a;
  a.id = "MRN-0001";
  a.bed = "icu-1";
  a.ward = "icu";
  a.spo2_scale = scale;
  a.on_oxygen = on_oxygen;
  a.devices = {Device(kOximeter, DeviceKind::kPulseOximeter), Device(kEcg, DeviceKind::kEcgPatch),
               Device(kCuff, DeviceKind::kBpCuff), Device(kThermometer, DeviceKind::kThermometer)};
  a.vitals = SiteVitalsFor(c, scale);
  PatientConfig b;
  b.id = "MRN-0002";
  b.bed = "icu-2";
  b.ward = "icu";
  b.devices = {Device(kOtherOximeter, DeviceKind::kPulseOximeter)};
  b.vitals = SiteVitalsFor(c, SpO2Scale::kScale1);
  c.patients = {a, b};
  std::string why;
  EXPECT_EQ(ValidateClinicalConfig(c, &why), Error::kOk) << why;
  return c;
}

struct Vitals {
  double spo2 = 97, rr = 16, hr = 80, sys = 120, temp = 37.0;
};

class Harness {
 public:
  explicit Harness(ClinicalConfig c = Ward(), TimeUs start = 0) : engine(std::move(c), start) {}

  Error Feed(uint64_t uid, Vital v, double value, TimeUs t,
             ReadingQuality q = ReadingQuality::kValid) {
    const Error e = engine.OnReading(uid, Reading{v, value, t}, q, t);
    Drain();
    return e;
  }
  // One round of every sensor of patient MRN-0001, plus the other patient's oximeter.
  void Round(TimeUs t, const Vitals& v = {}) {
    EXPECT_EQ(Feed(kOximeter, Vital::kSpO2, v.spo2, t), Error::kOk);
    EXPECT_EQ(Feed(kOximeter, Vital::kPulseRate, v.hr, t), Error::kOk);
    EXPECT_EQ(Feed(kEcg, Vital::kHeartRate, v.hr, t), Error::kOk);
    EXPECT_EQ(Feed(kEcg, Vital::kRespRate, v.rr, t), Error::kOk);
    EXPECT_EQ(Feed(kCuff, Vital::kSystolic, v.sys, t), Error::kOk);
    EXPECT_EQ(Feed(kCuff, Vital::kDiastolic, 75, t), Error::kOk);
    EXPECT_EQ(Feed(kThermometer, Vital::kTemperature, v.temp, t), Error::kOk);
    EXPECT_EQ(Feed(kOtherOximeter, Vital::kSpO2, 98, t), Error::kOk);
    EXPECT_EQ(Feed(kOtherOximeter, Vital::kPulseRate, 72, t), Error::kOk);
  }
  void Drain() {
    while (std::optional<AlarmEvent> e = engine.PollEvent()) events.push_back(std::move(*e));
  }
  std::vector<AlarmEvent> Of(const std::string& condition) const {
    std::vector<AlarmEvent> out;
    for (const AlarmEvent& e : events)
      if (ConditionName(e.condition) == condition) out.push_back(e);
    return out;
  }
  int Count(const std::string& condition, AlarmEventKind kind) const {
    int n = 0;
    for (const AlarmEvent& e : Of(condition)) n += e.kind == kind;
    return n;
  }
  const ActiveAlarm* Active(const std::string& condition) {
    active_ = engine.ActiveAlarms();
    for (const ActiveAlarm& a : active_)
      if (ConditionName(a.condition) == condition) return &a;
    return nullptr;
  }

  ClinicalEngine engine;
  std::vector<AlarmEvent> events;

 private:
  std::vector<ActiveAlarm> active_;
};

TEST(ClinicalEngine, ProbeOffGivesTechnicalAlarmNotDesaturation) {
  Harness h;
  for (int s = 1; s <= 10; ++s) h.Round(s * kS);
  ASSERT_TRUE(h.events.empty());
  // The probe slips off: the decoder flags SpO2 0 as an artefact, for half a minute.
  for (int s = 11; s <= 40; ++s) {
    ASSERT_EQ(h.Feed(kOximeter, Vital::kSpO2, 0, s * kS, ReadingQuality::kArtefact), Error::kOk);
    ASSERT_EQ(h.Feed(kEcg, Vital::kHeartRate, 80, s * kS), Error::kOk);
  }
  ASSERT_EQ(h.events.size(), 1u);
  const AlarmEvent& e = h.events[0];
  EXPECT_EQ(e.kind, AlarmEventKind::kRaised);
  EXPECT_EQ(ConditionName(e.condition), "spo2_artefact");
  EXPECT_TRUE(IsTechnical(e.condition.kind));
  EXPECT_EQ(e.priority, AlarmPriority::kMedium);
  EXPECT_EQ(e.time, 11 * kS);
  EXPECT_EQ(e.value, 0.0);
  EXPECT_EQ(h.Active("spo2_low"), nullptr);
  EXPECT_EQ(h.Active("news2"), nullptr);  // SpO2 0 would score 3: it must not be scored
  // Back on the finger: the artefact alarm clears after the SpO2 hysteresis time (10 s).
  for (int s = 41; s <= 52; ++s) h.Round(s * kS);
  EXPECT_EQ(h.Count("spo2_artefact", AlarmEventKind::kCleared), 1);
  EXPECT_EQ(h.Of("spo2_artefact").back().time, 51 * kS);
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 0);
}

TEST(ClinicalEngine, ImplausibleValueIsAnArtefactEvenUnflagged) {
  Harness h;
  h.Round(1 * kS);
  // A thermometer in the air reads room-cold; an SpO2 above 100 % is no patient's.
  ASSERT_EQ(h.Feed(kThermometer, Vital::kTemperature, 5.0, 2 * kS), Error::kOk);
  ASSERT_EQ(h.Feed(kOximeter, Vital::kSpO2, 140, 2 * kS), Error::kOk);
  EXPECT_EQ(h.Count("temperature_artefact", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Count("spo2_artefact", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Count("temperature_low", AlarmEventKind::kRaised), 0);
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kRaised), 0);
}

TEST(ClinicalEngine, AlarmIsNotReRaisedOnEveryReading) {
  Harness h;
  for (int s = 1; s <= 10; ++s) h.Round(s * kS);
  // Ten minutes of desaturation, one reading a second, wobbling by 1 %.
  for (int s = 11; s <= 610; ++s) h.Round(s * kS, Vitals{.spo2 = s % 2 ? 88.0 : 87.0});
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kUpdated), 0);  // 1 % < update_step 2 %
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kRaised), 1);      // SpO2 88: a single 3
  // A real change is reported, once.
  for (int s = 611; s <= 640; ++s) h.Round(s * kS, Vitals{.spo2 = 86});
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kUpdated), 1);
  EXPECT_EQ(h.Of("spo2_low").back().value, 86.0);
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 1);
  // The nurse station sees the latest value even when no event reported it.
  h.Round(641 * kS, Vitals{.spo2 = 87});
  ASSERT_NE(h.Active("spo2_low"), nullptr);
  EXPECT_EQ(h.Active("spo2_low")->value, 87.0);
}

TEST(ClinicalEngine, UpdatesAreAtMostOnePerInterval) {
  Harness h;
  h.Round(1 * kS);
  // Falling fast: 91, 89, 87, 86 ... every second would be an update without the interval.
  for (int s = 2; s <= 121; ++s) h.Round(s * kS, Vitals{.spo2 = s % 4 < 2 ? 91.0 : 86.0});
  const int updates = h.Count("spo2_low", AlarmEventKind::kUpdated);
  EXPECT_GE(updates, 1);
  EXPECT_LE(updates, 2);  // 120 s at min_update_interval 60 s
}

TEST(ClinicalEngine, ClearsOnlyAfterHysteresis) {
  Harness h;
  h.Round(1 * kS);
  h.Round(10 * kS, Vitals{.spo2 = 88});
  ASSERT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 1);
  // 93 % is above the limit (92) but inside the hysteresis band (< 94): not clear, ever.
  for (int s = 11; s <= 100; ++s) h.Round(s * kS, Vitals{.spo2 = 93});
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kCleared), 0);
  ASSERT_NE(h.Active("spo2_low"), nullptr);
  EXPECT_EQ(h.Active("spo2_low")->state, AlarmState::kActive);
  // Clear for 5 s, then one reading back in the band: the clock starts again.
  for (int s = 101; s <= 105; ++s) h.Round(s * kS, Vitals{.spo2 = 94});
  EXPECT_EQ(h.Active("spo2_low")->state, AlarmState::kClearing);
  h.Round(106 * kS, Vitals{.spo2 = 93});
  EXPECT_EQ(h.Active("spo2_low")->state, AlarmState::kActive);
  for (int s = 107; s <= 116; ++s) h.Round(s * kS, Vitals{.spo2 = 94});
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kCleared), 0);
  h.Round(117 * kS, Vitals{.spo2 = 94});
  ASSERT_EQ(h.Count("spo2_low", AlarmEventKind::kCleared), 1);
  EXPECT_EQ(h.Of("spo2_low").back().time, 117 * kS);  // 10 s after the last reset
  EXPECT_EQ(h.Active("spo2_low"), nullptr);
  // Leaving the clear zone and coming back within the episode wrote no event, and the
  // alarm was raised once.
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 1);
  for (const AlarmEvent& e : h.Of("spo2_low"))
    EXPECT_FALSE(e.time > 100 * kS && e.time < 117 * kS) << AlarmEventKindName(e.kind);
}

TEST(ClinicalEngine, StaleSpO2RaisesTechnicalAlarm) {
  Harness h;
  for (int s = 1; s <= 30; ++s) h.Round(s * kS);
  EXPECT_EQ(h.engine.NextDeadline(30 * kS), 30 * kS + kMin + 1);
  // The oximeter goes silent; everything else keeps reporting.
  for (int s = 31; s <= 200; ++s) {
    ASSERT_EQ(h.Feed(kEcg, Vital::kHeartRate, 80, s * kS), Error::kOk);
    ASSERT_EQ(h.Feed(kEcg, Vital::kRespRate, 16, s * kS), Error::kOk);
    ASSERT_EQ(h.Feed(kOtherOximeter, Vital::kSpO2, 98, s * kS), Error::kOk);
    ASSERT_EQ(h.Feed(kOtherOximeter, Vital::kPulseRate, 72, s * kS), Error::kOk);
  }
  const std::vector<AlarmEvent> stale = h.Of("spo2_sensor_stale");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].kind, AlarmEventKind::kRaised);
  EXPECT_EQ(stale[0].time, 30 * kS + kMin + 1);  // stamped at its deadline
  EXPECT_EQ(stale[0].priority, AlarmPriority::kMedium);
  EXPECT_FALSE(stale[0].value.has_value());
  EXPECT_EQ(h.Count("pulse_rate_sensor_stale", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Count("heart_rate_sensor_stale", AlarmEventKind::kRaised), 0);
  // The NEWS2 now says SpO2 is stale, and is not complete.
  const Result<News2Score> score = h.engine.News2("MRN-0001", 200 * kS);
  ASSERT_TRUE(score.ok());
  EXPECT_FALSE(score->complete);
  EXPECT_EQ(score->term(News2Param::kSpO2).source, TermSource::kStale);
  // It reports again: the technical alarm clears at once.
  h.Round(201 * kS);
  EXPECT_EQ(h.Count("spo2_sensor_stale", AlarmEventKind::kCleared), 1);
  EXPECT_EQ(h.Of("spo2_sensor_stale").back().time, 201 * kS);
}

TEST(ClinicalEngine, ExpectedVitalNeverSeenIsStaleFromTheStart) {
  Harness h(Ward(), 5 * kS);
  ASSERT_EQ(h.engine.OnTime(5 * kS + kMin), Error::kOk);
  h.Drain();
  EXPECT_TRUE(h.events.empty());  // exactly max_age old is still fresh
  ASSERT_EQ(h.engine.OnTime(5 * kS + kMin + 1), Error::kOk);
  h.Drain();
  EXPECT_EQ(h.Count("spo2_sensor_stale", AlarmEventKind::kRaised), 2);      // both patients
  EXPECT_EQ(h.Count("systolic_sensor_stale", AlarmEventKind::kRaised), 0);  // max_age 1 h
}

// How often the driver calls OnTime() must change nothing in what is emitted.
TEST(ClinicalEngine, EventsDoNotDependOnTheTickRate) {
  auto run = [](TimeUs tick) {
    Harness h;
    TimeUs next_tick = tick;
    for (int s = 1; s <= 900; ++s) {
      const TimeUs t = s * kS;
      while (tick > 0 && next_tick < t) {
        EXPECT_EQ(h.engine.OnTime(next_tick), Error::kOk);
        next_tick += tick;
      }
      Vitals v;
      v.spo2 = s < 200 ? 97 : s < 400 ? 84 : 97;
      v.rr = s < 300 ? 16 : 26;
      if (s % 7 == 0) continue;  // a missed round now and then
      if (s > 600 && s < 700) {
        EXPECT_EQ(h.Feed(kEcg, Vital::kHeartRate, 80, t), Error::kOk);  // oximeter silent
        continue;
      }
      h.Round(t, v);
    }
    h.Drain();
    std::vector<std::string> out;
    for (const AlarmEvent& e : h.events)
      out.push_back(std::string(AlarmEventKindName(e.kind)) + " " + ConditionName(e.condition) +
                    " #" + std::to_string(e.alarm_id) + " @" + std::to_string(e.time) + " " +
                    std::string(AlarmPriorityName(e.priority)));
    return out;
  };
  const std::vector<std::string> none = run(0);
  EXPECT_GT(none.size(), 5u);
  EXPECT_EQ(run(100 * kMillis), none);
  EXPECT_EQ(run(7 * kS), none);
}

// A synthetic deterioration: SpO2 and respiratory rate worsen over 15 minutes, SpO2
// crosses its critical limit, then the patient recovers (oxygen started).
TEST(ClinicalEngine, DeteriorationRaisesUpdatesThenClearsOneAlarm) {
  Harness h;
  auto lerp = [](double a, double b, double f) { return a + (b - a) * f; };
  for (int s = 5; s <= 40 * 60; s += 5) {
    const double m = s / 60.0;
    Vitals v;
    if (m < 5) {
      v = Vitals{};
    } else if (m < 15) {
      v.spo2 = lerp(97, 89, (m - 5) / 10);
      v.rr = lerp(16, 24, (m - 5) / 10);
      v.hr = lerp(80, 110, (m - 5) / 10);
    } else if (m < 20) {
      v.spo2 = lerp(89, 82, (m - 15) / 5);
      v.rr = 26;
      v.hr = 118;
    } else if (m < 30) {
      v.spo2 = lerp(82, 97, (m - 20) / 10);
      v.rr = lerp(26, 16, (m - 20) / 10);
      v.hr = lerp(118, 80, (m - 20) / 10);
    }
    h.Round(s * kS, v);
  }
  const std::vector<AlarmEvent> spo2 = h.Of("spo2_low");
  ASSERT_GE(spo2.size(), 4u);
  EXPECT_EQ(spo2.front().kind, AlarmEventKind::kRaised);
  EXPECT_EQ(spo2.front().priority, AlarmPriority::kMedium);
  EXPECT_EQ(spo2.back().kind, AlarmEventKind::kCleared);
  for (const AlarmEvent& e : spo2) EXPECT_EQ(e.alarm_id, spo2.front().alarm_id);
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kEscalated), 1);
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kCleared), 1);
  EXPECT_GE(h.Count("spo2_low", AlarmEventKind::kUpdated), 2);
  // Escalated to high below 85 %, then back to medium on the way up, before clearing.
  bool escalated = false, lowered = false;
  for (const AlarmEvent& e : spo2) {
    if (e.kind == AlarmEventKind::kEscalated) {
      escalated = true;
      EXPECT_EQ(e.priority, AlarmPriority::kHigh);
      EXPECT_LT(*e.value, 85.0);
    }
    if (e.kind == AlarmEventKind::kUpdated && e.previous_priority > e.priority) {
      EXPECT_TRUE(escalated);
      lowered = true;
      EXPECT_EQ(e.priority, AlarmPriority::kMedium);
      EXPECT_GE(*e.value, 87.0);  // back from 85 % by the 2 % hysteresis
    }
    EXPECT_TRUE(e.news2.has_value());  // SpO2 is a NEWS2 parameter
  }
  EXPECT_TRUE(lowered);
  // NEWS2 followed the same episode: raised once, cleared once, on complete scores.
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kCleared), 1);
  EXPECT_GE(h.Count("news2", AlarmEventKind::kEscalated), 1);
  EXPECT_TRUE(h.Of("news2").back().news2->complete);
  EXPECT_TRUE(h.engine.ActiveAlarms().empty());
}

TEST(ClinicalEngine, AcknowledgedAlarmSoundsAgainWhenItEscalates) {
  Harness h;
  h.Round(1 * kS, Vitals{.spo2 = 88});
  const uint64_t id = h.Of("spo2_low").at(0).alarm_id;
  ASSERT_EQ(h.engine.Acknowledge(id, "nurse-7", 5 * kS), Error::kOk);
  h.Drain();
  EXPECT_EQ(h.Of("spo2_low").back().kind, AlarmEventKind::kAcknowledged);
  EXPECT_EQ(h.Of("spo2_low").back().operator_id, "nurse-7");
  EXPECT_EQ(h.Active("spo2_low")->state, AlarmState::kAcknowledged);
  EXPECT_EQ(h.Active("spo2_low")->acknowledged_by, "nurse-7");
  EXPECT_EQ(h.engine.Acknowledge(id, "nurse-7", 6 * kS), Error::kInvalidState);
  EXPECT_EQ(h.engine.Silence(id, kMin, "nurse-7", 6 * kS), Error::kInvalidState);
  h.Round(10 * kS, Vitals{.spo2 = 80});
  const AlarmEvent e = h.Of("spo2_low").back();
  EXPECT_EQ(e.kind, AlarmEventKind::kEscalated);
  EXPECT_EQ(e.previous_priority, AlarmPriority::kMedium);
  EXPECT_EQ(e.priority, AlarmPriority::kHigh);
  EXPECT_EQ(e.state, AlarmState::kActive);
  EXPECT_EQ(h.Active("spo2_low")->acknowledged_by, "");
}

TEST(ClinicalEngine, SilenceEndsAfterItsDurationAndIsAudited) {
  Harness h;
  h.Round(1 * kS, Vitals{.spo2 = 88});
  const uint64_t id = h.Of("spo2_low").at(0).alarm_id;
  EXPECT_EQ(h.engine.Silence(id, 10 * kMin, "nurse-7", 2 * kS), Error::kInvalidArgument);
  EXPECT_EQ(h.engine.Silence(id, 0, "nurse-7", 2 * kS), Error::kInvalidArgument);
  EXPECT_EQ(h.engine.Silence(id, kMin, "", 2 * kS), Error::kInvalidArgument);
  EXPECT_EQ(h.engine.Silence(id + 100, kMin, "nurse-7", 2 * kS), Error::kNotFound);
  ASSERT_EQ(h.engine.Silence(id, 2 * kMin, "nurse-7", 2 * kS), Error::kOk);
  h.Drain();
  EXPECT_EQ(h.Of("spo2_low").back().kind, AlarmEventKind::kSilenced);
  EXPECT_EQ(h.Of("spo2_low").back().silenced_until, 2 * kS + 2 * kMin);
  for (int s = 3; s <= 200; s += 3) h.Round(s * kS, Vitals{.spo2 = 88});
  const std::vector<AlarmEvent> ev = h.Of("spo2_low");
  ASSERT_EQ(ev.back().kind, AlarmEventKind::kSilenceEnded);
  EXPECT_EQ(ev.back().time, 2 * kS + 2 * kMin);
  EXPECT_EQ(h.Active("spo2_low")->state, AlarmState::kActive);
}

TEST(ClinicalEngine, ClearedAlarmIdEndsAndANewEpisodeGetsANewId) {
  Harness h;
  h.Round(1 * kS, Vitals{.spo2 = 88});
  const uint64_t first = h.Of("spo2_low").at(0).alarm_id;
  for (int s = 2; s <= 20; ++s) h.Round(s * kS);
  ASSERT_EQ(h.Count("spo2_low", AlarmEventKind::kCleared), 1);
  EXPECT_EQ(h.engine.Acknowledge(first, "nurse-7", 21 * kS), Error::kNotFound);
  h.Round(22 * kS, Vitals{.spo2 = 88});
  ASSERT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 2);
  EXPECT_NE(h.Of("spo2_low").back().alarm_id, first);
}

TEST(ClinicalEngine, PartialNews2RaisesButNeverClearsItsAlarm) {
  Harness h;
  // Only the oximeter and the ECG report: temperature and blood pressure are missing.
  auto partial = [&](int s, double spo2, double rr) {
    ASSERT_EQ(h.Feed(kOximeter, Vital::kSpO2, spo2, s * kS), Error::kOk);
    ASSERT_EQ(h.Feed(kEcg, Vital::kHeartRate, 80, s * kS), Error::kOk);
    ASSERT_EQ(h.Feed(kEcg, Vital::kRespRate, rr, s * kS), Error::kOk);
  };
  partial(1, 93, 22);  // 2 + 2 = 4: below any NEWS2 alarm
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kRaised), 0);
  partial(2, 93, 25);  // 2 + 3 = 5 at least: medium, even though incomplete
  ASSERT_EQ(h.Count("news2", AlarmEventKind::kRaised), 1);
  const AlarmEvent raised = h.Of("news2").back();
  EXPECT_EQ(raised.priority, AlarmPriority::kMedium);
  EXPECT_FALSE(raised.news2->complete);
  EXPECT_TRUE(raised.news2->consciousness_assumed);
  EXPECT_EQ(raised.value, 5.0);
  // The partial score drops to 0: that proves nothing about the patient.
  for (int s = 3; s <= 20 * 60; s += 5) partial(s, 97, 16);
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kCleared), 0);
  EXPECT_EQ(h.Active("news2")->priority, AlarmPriority::kMedium);
  // Complete and low for news2_clear_after (5 min): now it clears.
  const int start = 20 * 60 + 5;
  for (int s = start; s <= start + 6 * 60; s += 5) h.Round(s * kS);
  ASSERT_EQ(h.Count("news2", AlarmEventKind::kCleared), 1);
  EXPECT_EQ(h.Of("news2").back().time, start * kS + 5 * kMin);
}

TEST(ClinicalEngine, ConsciousnessIsAssumedAlertUntilAClinicianEntry) {
  Harness h;
  h.Round(1 * kS);
  Result<News2Score> s = h.engine.News2("MRN-0001", 1 * kS);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->complete);
  EXPECT_TRUE(s->consciousness_assumed);
  EXPECT_EQ(s->term(News2Param::kConsciousness).source, TermSource::kAssumed);
  EXPECT_EQ(s->aggregate, 0);
  ClinicianEntry entry;
  entry.consciousness = Consciousness::kVoice;
  ASSERT_EQ(h.engine.OnClinicianEntry("MRN-0001", entry, 2 * kS), Error::kOk);
  h.Drain();
  s = h.engine.News2("MRN-0001", 3 * kS);
  EXPECT_FALSE(s->consciousness_assumed);
  EXPECT_EQ(s->term(News2Param::kConsciousness).source, TermSource::kClinicianEntry);
  EXPECT_EQ(s->term(News2Param::kConsciousness).age, 1 * kS);
  EXPECT_EQ(s->aggregate, 3);
  ASSERT_EQ(h.Count("news2", AlarmEventKind::kRaised), 1);
  EXPECT_EQ(h.Of("news2").back().priority, AlarmPriority::kLow);  // low-medium band
  EXPECT_EQ(h.Of("news2").back().news2->band, News2Band::kLowMedium);
  EXPECT_EQ(h.engine.OnClinicianEntry("MRN-9999", entry, 4 * kS), Error::kNotFound);
}

TEST(ClinicalEngine, OxygenComesFromConfigThenFromAClinicianEntry) {
  Harness h(Ward(SpO2Scale::kScale1, /*on_oxygen=*/true));
  h.Round(1 * kS);
  Result<News2Score> s = h.engine.News2("MRN-0001", 1 * kS);
  EXPECT_EQ(s->term(News2Param::kAirOrOxygen).source, TermSource::kPatientConfig);
  EXPECT_EQ(s->term(News2Param::kAirOrOxygen).score, 2);
  ClinicianEntry entry;
  entry.on_oxygen = false;
  ASSERT_EQ(h.engine.OnClinicianEntry("MRN-0001", entry, 2 * kS), Error::kOk);
  s = h.engine.News2("MRN-0001", 2 * kS);
  EXPECT_EQ(s->term(News2Param::kAirOrOxygen).source, TermSource::kClinicianEntry);
  EXPECT_EQ(s->term(News2Param::kAirOrOxygen).score, 0);
}

TEST(ClinicalEngine, Scale2PatientIsJudgedOnItsOwnTarget) {
  Harness h(Ward(SpO2Scale::kScale2, /*on_oxygen=*/false));
  for (int s = 1; s <= 30; ++s) h.Round(s * kS, Vitals{.spo2 = 88});
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 0);
  EXPECT_EQ(h.Count("news2", AlarmEventKind::kRaised), 0);
  EXPECT_EQ(h.engine.News2("MRN-0001", 30 * kS)->term(News2Param::kSpO2).score, 0);
  h.Round(31 * kS, Vitals{.spo2 = 83});
  EXPECT_EQ(h.Count("spo2_low", AlarmEventKind::kRaised), 1);
}

TEST(ClinicalEngine, DropToMediumWaitsForTheHoldTime) {
  Harness h;
  h.Round(1 * kS, Vitals{.spo2 = 80});
  ASSERT_EQ(h.Of("spo2_low").back().priority, AlarmPriority::kHigh);
  // 86 %: above the critical 85 % but within its 2 % hysteresis: stays high.
  for (int s = 2; s <= 30; ++s) h.Round(s * kS, Vitals{.spo2 = 86});
  EXPECT_EQ(h.Active("spo2_low")->priority, AlarmPriority::kHigh);
  // 88 %: past the hysteresis; medium only after 10 s of it.
  for (int s = 31; s <= 40; ++s) h.Round(s * kS, Vitals{.spo2 = 88});
  EXPECT_EQ(h.Active("spo2_low")->priority, AlarmPriority::kHigh);
  h.Round(41 * kS, Vitals{.spo2 = 88});
  EXPECT_EQ(h.Active("spo2_low")->priority, AlarmPriority::kMedium);
  EXPECT_EQ(h.Of("spo2_low").back().kind, AlarmEventKind::kUpdated);
  EXPECT_EQ(h.Of("spo2_low").back().time, 41 * kS);
}

TEST(ClinicalEngine, ActiveAlarmsListMostUrgentFirst) {
  Harness h;
  h.Round(1 * kS, Vitals{.spo2 = 88});                       // medium (and NEWS2 low)
  h.Round(2 * kS, Vitals{.spo2 = 88, .rr = 40, .hr = 160});  // hr high: high priority
  const std::vector<ActiveAlarm> active = h.engine.ActiveAlarms();
  ASSERT_GE(active.size(), 3u);
  for (size_t i = 1; i < active.size(); ++i) EXPECT_GE(active[i - 1].priority, active[i].priority);
  EXPECT_EQ(active.front().priority, AlarmPriority::kHigh);
  EXPECT_EQ(active.front().bed, "icu-1");
  EXPECT_EQ(active.front().patient_id, "MRN-0001");
}

TEST(ClinicalEngine, BadInputsAreRefusedAndChangeNothing) {
  Harness h;
  h.Round(10 * kS);
  EXPECT_EQ(h.Feed(0x00124b00000000ff, Vital::kSpO2, 80, 11 * kS), Error::kNotFound);
  EXPECT_EQ(h.engine.OnReading(kOximeter, Reading{Vital::kSpO2, 80, 5 * kS}, ReadingQuality::kValid,
                               5 * kS),
            Error::kInvalidArgument);  // time went backwards
  EXPECT_EQ(h.engine.OnReading(kOximeter, Reading{Vital::kSpO2, 80, 13 * kS},
                               ReadingQuality::kValid, 12 * kS),
            Error::kInvalidArgument);  // a reading from the future
  EXPECT_EQ(h.engine.OnReading(kOximeter, Reading{Vital::kSpO2, std::nan(""), 12 * kS},
                               ReadingQuality::kValid, 12 * kS),
            Error::kInvalidArgument);
  EXPECT_EQ(h.engine.OnReading(kOximeter, Reading{Vital::kSpO2, 80, 9 * kS}, ReadingQuality::kValid,
                               12 * kS),
            Error::kInvalidState);  // older than the latest SpO2
  h.Drain();
  EXPECT_TRUE(h.events.empty());
  EXPECT_TRUE(h.engine.ActiveAlarms().empty());
}

}  // namespace
}  // namespace vigil::clinical
