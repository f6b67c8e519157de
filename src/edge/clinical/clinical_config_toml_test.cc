#include "edge/clinical/clinical_config_toml.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::clinical {
namespace {

std::string Example() { return std::string(VIGIL_SOURCE_DIR) + "/examples/clinical.toml"; }

TEST(ClinicalConfigToml, ExampleFileLoadsAsDocumented) {
  ClinicalConfig c;
  std::string why;
  ASSERT_EQ(LoadClinicalConfig(Example(), &c, &why), Error::kOk) << why;
  ASSERT_EQ(c.patients.size(), 2u);
  const PatientConfig& a = c.patients[0];
  EXPECT_EQ(a.id, "MRN-0042");
  EXPECT_EQ(a.bed, "icu-3");
  EXPECT_EQ(a.ward, "icu");  // from [clinical] ward
  ASSERT_EQ(a.devices.size(), 4u);
  EXPECT_EQ(a.devices[0].uid, 0x00124b0001a2b3c4u);
  EXPECT_EQ(a.devices[0].kind, DeviceKind::kPulseOximeter);
  EXPECT_EQ(a.devices[0].vitals, (std::vector<Vital>{Vital::kSpO2, Vital::kPulseRate}));
  // The site override reached the patient, the untouched defaults stayed.
  EXPECT_EQ(a.vitals[static_cast<size_t>(Vital::kHeartRate)].low, 45.0);
  EXPECT_EQ(a.vitals[static_cast<size_t>(Vital::kSpO2)].low, 92.0);
  const PatientConfig& b = c.patients[1];
  EXPECT_EQ(b.spo2_scale, SpO2Scale::kScale2);
  EXPECT_TRUE(b.on_oxygen);
  // Scale-2 site defaults, then the patient's own override on top.
  EXPECT_EQ(b.vitals[static_cast<size_t>(Vital::kSpO2)].low, 86.0);
  EXPECT_EQ(b.vitals[static_cast<size_t>(Vital::kSpO2)].critical_low, 80.0);
  EXPECT_EQ(b.vitals[static_cast<size_t>(Vital::kRespRate)].high, 28.0);
  EXPECT_EQ(b.vitals[static_cast<size_t>(Vital::kHeartRate)].low, 45.0);
  EXPECT_EQ(b.devices[1].vitals, (std::vector<Vital>{Vital::kPulseRate}));
  EXPECT_EQ(c.technical_priority, AlarmPriority::kMedium);
  EXPECT_EQ(c.max_silence, 300 * kSeconds);
}

TEST(ClinicalConfigToml, NoClinicalSectionLeavesTheDefaults) {
  ClinicalConfig c;
  std::string why;
  ASSERT_EQ(ParseClinicalConfig("[gateway]\nlisten = \"0.0.0.0:1\"\n", "gw.toml", &c, &why),
            Error::kOk);
  EXPECT_TRUE(c.patients.empty());
  EXPECT_EQ(c.news2_clear_after, 300 * kSeconds);
}

struct BadConfig {
  const char* text;
  const char* error;  // the exact message: file, line, section, field, reason
};

TEST(ClinicalConfigToml, BadConfigGivesAnErrorNamingLineAndField) {
  const BadConfig cases[] = {
      {"[clinical.thresholds.spo2]\nlow = 101\n",
       "gw.toml:2: [clinical] thresholds.spo2.low: must be within the plausible range 0..100, "
       "got 101"},
      {"[clinical.thresholds.heart_rate]\nlow = 140\n",
       "gw.toml:1: [clinical] thresholds.heart_rate.high: must be above low (140), got 130 "
       "(with the default high)"},
      {"[clinical.thresholds.heart_rate]\nlow = 140\nhigh = 120\n",
       "gw.toml:3: [clinical] thresholds.heart_rate.high: must be above low (140), got 120"},
      {"[clinical.thresholds.heart_rate]\nhysteresis = -2\n",
       "gw.toml:2: [clinical] thresholds.heart_rate.hysteresis: must be >= 0, got -2"},
      {"[clinical.thresholds.pulse]\nlow = 40\n",
       "gw.toml:1: [clinical] thresholds.pulse: unknown vital (expected one of heart_rate, "
       "pulse_rate, spo2, resp_rate, temperature, systolic, diastolic, glucose, infusion_rate, "
       "infusion_volume)"},
      {"[clinical.thresholds.spo2]\nlowest = 80\n",
       "gw.toml:2: [clinical] thresholds.spo2.lowest: unknown field"},
      {"[clinical]\ntechnical_priority = \"urgent\"\n",
       "gw.toml:2: [clinical] technical_priority: expected \"low\", \"medium\" or \"high\", got "
       "\"urgent\""},
      {"[clinical]\nmax_silence_s = 0\n",
       "gw.toml:2: [clinical] max_silence_s: expected 1..3600, got 0"},
      {"[[clinical.patient]]\nid = \"MRN-1\"\n", "gw.toml:1: [clinical.patient #1] bed: required"},
      {"[[clinical.patient]]\nbed = \"b1\"\nward = \"w\"\n",
       "gw.toml:1: [clinical.patient #1 (bed \"b1\")] id: required"},
      {"[[clinical.patient]]\nid = \"MRN 1\"\nbed = \"b1\"\nward = \"w\"\n",
       "gw.toml:2: [clinical.patient #1 (bed \"b1\")] id: must be 1-64 printable characters "
       "without spaces"},
      {"[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n",
       "gw.toml:1: [clinical.patient #1 (bed \"b1\")] ward: required (or set [clinical] ward)"},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "spo2_scale = 3\n",
       "gw.toml:6: [clinical.patient #1 (bed \"b1\")] spo2_scale: expected 1..2, got 3"},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "devices = [{ uid = \"00124b00\", kind = \"ecg_patch\" }]\n",
       "gw.toml:6: [clinical.patient #1 (bed \"b1\")] devices.uid: expected 16 hex digits, got "
       "\"00124b00\""},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "devices = [{ uid = \"00124b0000000001\", kind = \"toaster\" }]\n",
       "gw.toml:6: [clinical.patient #1 (bed \"b1\")] devices.kind: unknown kind \"toaster\" "
       "(expected one of ecg_patch, pulse_oximeter, thermometer, bp_cuff, infusion_pump, "
       "smartwatch, tablet, other, glucose_monitor)"},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "devices = [{ uid = \"00124b0000000001\", kind = \"ecg_patch\" }]\n"
       "[[clinical.patient]]\nid = \"MRN-2\"\nbed = \"b2\"\n"
       "devices = [{ uid = \"00124b0000000001\", kind = \"ecg_patch\" }]\n",
       "gw.toml:10: [clinical.patient #2 (bed \"b2\")] devices.uid: 00124b0000000001 is already "
       "on patient #1"},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b2\"\n",
       "gw.toml:7: [clinical.patient #2 (bed \"b2\")] id: the same id is on another patient"},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "[[clinical.patient]]\nid = \"MRN-2\"\nbed = \"b1\"\n",
       "gw.toml:8: [clinical.patient #2 (bed \"b1\")] bed: another patient of ward \"w\" has "
       "this bed"},
      {"[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-1\"\nbed = \"b1\"\n"
       "[clinical.patient.thresholds.spo2]\nlow = 80\n",
       "gw.toml:7: [clinical.patient #1 (bed \"b1\")] thresholds.spo2.low: must be above "
       "critical_low (85), got 80"},
  };
  for (const BadConfig& c : cases) {
    ClinicalConfig cfg;
    std::string why;
    EXPECT_EQ(ParseClinicalConfig(c.text, "gw.toml", &cfg, &why), Error::kInvalidArgument)
        << c.text;
    EXPECT_EQ(why, c.error) << c.text;
    EXPECT_TRUE(cfg.patients.empty()) << c.text;  // unchanged on error
  }
}

// Errors go to logs; the patient's id must not (docs/privacy.md).
TEST(ClinicalConfigToml, ErrorsNameThePatientByBedNeverById) {
  ClinicalConfig cfg;
  std::string why;
  const char* text =
      "[clinical]\nward = \"w\"\n[[clinical.patient]]\nid = \"MRN-SECRET\"\nbed = \"b1\"\n"
      "on_oxygen = \"yes\"\n";
  ASSERT_EQ(ParseClinicalConfig(text, "gw.toml", &cfg, &why), Error::kInvalidArgument);
  EXPECT_EQ(why.find("MRN-SECRET"), std::string::npos) << why;
  EXPECT_NE(why.find("bed \"b1\""), std::string::npos) << why;
}

TEST(ClinicalConfigToml, MissingFileIsNotFound) {
  ClinicalConfig cfg;
  std::string why;
  EXPECT_EQ(LoadClinicalConfig("/nonexistent/gw.toml", &cfg, &why), Error::kNotFound);
  EXPECT_NE(why.find("/nonexistent/gw.toml"), std::string::npos);
}

}  // namespace
}  // namespace vigil::clinical
