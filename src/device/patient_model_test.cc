#include "device/patient_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace vigil {
namespace {

constexpr TimeUs kMinute = 60 * kSeconds;
constexpr TimeUs kHour = 60 * kMinute;

Episode Make(EpisodeKind k, TimeUs onset, TimeUs ramp, double severity = 1.0,
             TimeUs duration = kNever) {
  Episode e;
  e.kind = k;
  e.onset = onset;
  e.ramp = ramp;
  e.severity = severity;
  e.duration = duration;
  return e;
}

TEST(PatientModel, SepsisEpisodeRaisesHeartRateAndLowersSystolic) {
  PatientModel p(11);
  ASSERT_EQ(p.AddEpisode(Make(EpisodeKind::kSepsis, kHour, 30 * kMinute)), Error::kOk);
  PatientModel calm(11);  // the same patient without the episode
  const TimeUs t = 3 * kHour;
  const Physiology sick = p.At(t), well = calm.At(t);
  EXPECT_NEAR(sick.heart_rate - well.heart_rate, 40, 1e-9);
  EXPECT_NEAR(sick.resp_rate - well.resp_rate, 12, 1e-9);
  EXPECT_NEAR(sick.temperature - well.temperature, 2.0, 1e-9);
  EXPECT_NEAR(sick.systolic - well.systolic, -35, 1e-9);
  EXPECT_LT(sick.diastolic, well.diastolic);
  EXPECT_GT(sick.glucose, well.glucose);
  // Before the onset, nothing differs.
  EXPECT_EQ(p.At(kHour).heart_rate, calm.At(kHour).heart_rate);
}

TEST(PatientModel, HypoxiaEpisodeLowersSpO2AndRaisesRespiratoryRate) {
  PatientModel p(12), calm(12);
  ASSERT_EQ(p.AddEpisode(Make(EpisodeKind::kHypoxia, 10 * kMinute, 10 * kMinute, 0.5)), Error::kOk);
  const TimeUs t = 30 * kMinute;
  EXPECT_NEAR(p.At(t).spo2, calm.At(t).spo2 - 11, 1e-9);
  EXPECT_NEAR(p.At(t).resp_rate, calm.At(t).resp_rate + 5, 1e-9);
  EXPECT_GT(p.At(t).heart_rate, calm.At(t).heart_rate);
}

TEST(PatientModel, HypotensionEpisodeLowersPressuresAndRaisesHeartRate) {
  PatientModel p(13), calm(13);
  ASSERT_EQ(p.AddEpisode(Make(EpisodeKind::kHypotension, 0, 5 * kMinute)), Error::kOk);
  const TimeUs t = 20 * kMinute;
  EXPECT_LT(p.At(t).systolic, calm.At(t).systolic - 40);
  EXPECT_LT(p.At(t).diastolic, calm.At(t).diastolic - 20);
  EXPECT_GT(p.At(t).heart_rate, calm.At(t).heart_rate + 25);
}

TEST(PatientModel, EpisodeRampsInAndRecoversAfterItsDuration) {
  const Episode e = Make(EpisodeKind::kHypoxia, kHour, 20 * kMinute, 1.0, kHour);
  EXPECT_EQ(EpisodeWeight(e, kHour), 0);
  EXPECT_NEAR(EpisodeWeight(e, kHour + 10 * kMinute), 0.5, 1e-12);  // smoothstep midpoint
  EXPECT_EQ(EpisodeWeight(e, kHour + 20 * kMinute), 1);
  EXPECT_EQ(EpisodeWeight(e, 2 * kHour + 20 * kMinute), 1);  // held for the duration
  EXPECT_NEAR(EpisodeWeight(e, 2 * kHour + 30 * kMinute), 0.5, 1e-12);
  EXPECT_EQ(EpisodeWeight(e, 3 * kHour), 0);  // recovered
  // Rising weight never goes backwards.
  double last = 0;
  for (TimeUs t = kHour; t <= kHour + 20 * kMinute; t += kMinute) {
    EXPECT_GE(EpisodeWeight(e, t), last);
    last = EpisodeWeight(e, t);
  }
}

TEST(PatientModel, SamePatientWhateverTheOrderOfQuestions) {
  // Stateless: a second bed sampled backwards sees the same patient as the first forwards.
  PatientModel a(99), b(99);
  std::vector<double> fwd, back;
  for (TimeUs t = 0; t <= 6 * kHour; t += 7 * kMinute) fwd.push_back(a.At(t).heart_rate);
  for (TimeUs t = 6 * kHour - (6 * kHour) % (7 * kMinute); t >= 0; t -= 7 * kMinute)
    back.insert(back.begin(), b.At(t).heart_rate);
  EXPECT_EQ(fwd, back);
  EXPECT_NE(PatientModel(100).At(kHour).heart_rate, a.At(kHour).heart_rate);
}

TEST(PatientModel, VitalsWanderSmoothlyNotByJumps) {
  PatientModel p(5);
  for (TimeUs t = 0; t < 12 * kHour; t += 5 * kSeconds) {
    const Physiology x = p.At(t), y = p.At(t + 5 * kSeconds);
    EXPECT_LT(std::fabs(x.heart_rate - y.heart_rate), 1.0);
    EXPECT_LT(std::fabs(x.spo2 - y.spo2), 0.2);
    EXPECT_LT(std::fabs(x.temperature - y.temperature), 0.01);
  }
}

TEST(PatientModel, WorstDeteriorationStaysWithinWhatABodyShows) {
  PatientModel p(77);
  for (EpisodeKind k : {EpisodeKind::kSepsis, EpisodeKind::kHypoxia, EpisodeKind::kHypotension})
    ASSERT_EQ(p.AddEpisode(Make(k, 0, kMinute)), Error::kOk);
  for (TimeUs t = 0; t < 24 * kHour; t += 3 * kMinute) {
    const Physiology x = p.At(t);
    EXPECT_GE(x.heart_rate, 25);
    EXPECT_LE(x.heart_rate, 220);
    EXPECT_GE(x.spo2, 40);
    EXPECT_LE(x.spo2, 100);
    EXPECT_LT(x.diastolic, x.systolic);
    EXPECT_GE(x.systolic, 40);
  }
}

TEST(PatientModel, BaselinesDifferBetweenPatientsButStayAdult) {
  for (uint64_t seed = 1; seed < 200; ++seed) {
    const Physiology b = PatientModel::DrawBaseline(seed);
    EXPECT_GE(b.heart_rate, 62);
    EXPECT_LE(b.heart_rate, 88);
    EXPECT_GE(b.spo2, 95.5);
    EXPECT_LE(b.spo2, 98.5);
    EXPECT_LT(b.diastolic, b.systolic * 0.7);
  }
  EXPECT_NE(PatientModel::DrawBaseline(1).systolic, PatientModel::DrawBaseline(2).systolic);
}

}  // namespace
}  // namespace vigil
