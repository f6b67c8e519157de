#include "edge/clinical/thresholds.h"

#include <gtest/gtest.h>

#include <cmath>

#include "edge/clinical/news2.h"

namespace vigil::clinical {
namespace {

TEST(Thresholds, BuiltInDefaultsAreValid) {
  for (SpO2Scale scale : {SpO2Scale::kScale1, SpO2Scale::kScale2}) {
    for (Vital v : kAllVitals) {
      std::string field, reason;
      EXPECT_EQ(ValidateVitalSettings(DefaultVitalSettings(v, scale), &field, &reason), Error::kOk)
          << VitalName(v) << ": " << field << ": " << reason;
    }
  }
}

// The medium-priority defaults put the alarm zone exactly on NEWS2's 3-point band for
// whole-number values: a limit moved by one breaks one of these.
TEST(Thresholds, DefaultLimitsMatchTheNews2ThreePointBands) {
  const VitalSettings rr = DefaultVitalSettings(Vital::kRespRate);
  EXPECT_LT(8, *rr.low);
  EXPECT_GE(9, *rr.low);
  EXPECT_EQ(ScoreRespRate(8), 3);
  EXPECT_LE(24, *rr.high);
  EXPECT_GT(25, *rr.high);
  const VitalSettings pulse = DefaultVitalSettings(Vital::kPulseRate);
  EXPECT_TRUE(40 < *pulse.low && 41 >= *pulse.low);
  EXPECT_TRUE(130 <= *pulse.high && 131 > *pulse.high);
  const VitalSettings spo2 = DefaultVitalSettings(Vital::kSpO2, SpO2Scale::kScale1);
  EXPECT_TRUE(91 < *spo2.low && 92 >= *spo2.low);
  EXPECT_EQ(ScoreSpO2(91, SpO2Scale::kScale1, false), 3);
  const VitalSettings spo2s2 = DefaultVitalSettings(Vital::kSpO2, SpO2Scale::kScale2);
  EXPECT_TRUE(83 < *spo2s2.low && 84 >= *spo2s2.low);
  EXPECT_EQ(ScoreSpO2(83, SpO2Scale::kScale2, false), 3);
  const VitalSettings sbp = DefaultVitalSettings(Vital::kSystolic);
  EXPECT_TRUE(90 < *sbp.low && 91 >= *sbp.low);
  EXPECT_TRUE(219 <= *sbp.high && 220 > *sbp.high);
  const VitalSettings temp = DefaultVitalSettings(Vital::kTemperature);
  EXPECT_TRUE(35.0 < *temp.low && 35.1 >= *temp.low);
  EXPECT_TRUE(39.0 <= *temp.high && 39.1 > *temp.high);
}

struct BadCase {
  const char* what;
  void (*mutate)(VitalSettings&);
  const char* field;
};

TEST(Thresholds, InvalidSettingsAreRefusedNamingTheField) {
  const BadCase cases[] = {
      {"low >= high", [](VitalSettings& s) { s.low = 140; }, "high"},
      {"low == high", [](VitalSettings& s) { s.low = 130; }, "high"},
      {"critical_low above low", [](VitalSettings& s) { s.critical_low = 45; }, "low"},
      {"high above critical_high", [](VitalSettings& s) { s.high = 160; }, "critical_high"},
      {"negative hysteresis", [](VitalSettings& s) { s.hysteresis = -1; }, "hysteresis"},
      {"hysteresis wider than the normal band", [](VitalSettings& s) { s.hysteresis = 45; },
       "hysteresis"},
      {"non-finite limit", [](VitalSettings& s) { s.low = std::nan(""); }, "low"},
      {"negative clear time", [](VitalSettings& s) { s.clear_after = -1; }, "clear_after_s"},
      {"zero update step", [](VitalSettings& s) { s.update_step = 0; }, "update_step"},
      {"zero max age", [](VitalSettings& s) { s.max_age = 0; }, "max_age_s"},
      {"limit outside the plausible range", [](VitalSettings& s) { s.critical_high = 400; },
       "critical_high"},
      {"empty plausible range", [](VitalSettings& s) { s.plausible_max = 0; }, "plausible_min"},
  };
  for (const BadCase& c : cases) {
    VitalSettings s = DefaultVitalSettings(Vital::kHeartRate);
    c.mutate(s);
    std::string field, reason;
    EXPECT_EQ(ValidateVitalSettings(s, &field, &reason), Error::kInvalidArgument) << c.what;
    EXPECT_EQ(field, c.field) << c.what << ": " << reason;
    EXPECT_FALSE(reason.empty()) << c.what;
  }
}

TEST(Thresholds, LowAboveHighMessageQuotesBothValues) {
  VitalSettings s = DefaultVitalSettings(Vital::kHeartRate);
  s.low = 140;
  std::string field, reason;
  ASSERT_EQ(ValidateVitalSettings(s, &field, &reason), Error::kInvalidArgument);
  EXPECT_EQ(reason, "must be above low (140), got 130");
}

}  // namespace
}  // namespace vigil::clinical
