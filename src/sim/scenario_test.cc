// Scenario files: the default one parses, and every mistake is named by line and field.
#include "sim/scenario.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::sim {
namespace {

std::string ErrorOf(const std::string& text) {
  ScenarioResult r = ParseScenario(text, "test.toml");
  EXPECT_FALSE(r.ok()) << "accepted:\n" << text;
  return r.error;
}

TEST(Scenario, DefaultPolyclinicParsesWithAtLeast300Devices) {
  ScenarioResult r = ParseScenario(DefaultScenarioText(), "polyclinic.toml");
  ASSERT_TRUE(r.ok()) << r.error;
  const Scenario& s = r.scenario;
  EXPECT_EQ(s.name, "polyclinic");
  EXPECT_EQ(s.wards.size(), 7u);
  size_t devices = 0;
  for (const WardSpec& w : s.wards)
    devices += static_cast<size_t>(w.beds) * w.patient_devices.size();
  for (const StaffSpec& st : s.staff) devices += static_cast<size_t>(st.count) * st.devices.size();
  EXPECT_GE(devices, 300u);
  EXPECT_DOUBLE_EQ(s.hours, 24.0);
  EXPECT_DOUBLE_EQ(s.kind(DeviceKind::kEcgPatch).interval_s, 5.0);
}

TEST(Scenario, EmbeddedDefaultIsTheFileInTheSourceTree) {
  ScenarioResult file =
      LoadScenarioFile(std::string(VIGIL_SOURCE_DIR) + "/scenarios/polyclinic.toml");
  ASSERT_TRUE(file.ok()) << file.error;
  EXPECT_EQ(file.scenario.wards.size(),
            ParseScenario(DefaultScenarioText(), "x").scenario.wards.size());
}

TEST(Scenario, WrongTypeNamesLineWardAndField) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\nbeds = \"eight\"\n"),
            "test.toml:3: ward \"icu\": field \"beds\": expected an integer");
}

TEST(Scenario, UnknownFieldIsAMistakeNotADefault) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\nbedz = 8\n"),
            "test.toml:3: ward \"icu\": field \"bedz\": unknown field");
  EXPECT_EQ(ErrorOf("hourz = 3\n[[ward]]\nname = \"a\"\n"),
            "test.toml:1: field \"hourz\": unknown field");
}

TEST(Scenario, UnknownDeviceKindIsNamed) {
  const std::string e =
      ErrorOf("[[ward]]\nname = \"icu\"\npatient_devices = [\"ecg_patch\",\n  \"toaster\"]\n");
  EXPECT_EQ(e.rfind("test.toml:4: ward \"icu\": field \"patient_devices\": unknown device kind "
                    "\"toaster\"",
                    0),
            0u)
      << e;
}

TEST(Scenario, OutOfRangeValueSaysTheRange) {
  EXPECT_EQ(ErrorOf("[radio]\nloss = 1.5\n[[ward]]\nname = \"a\"\n"),
            "test.toml:2: [radio]: field \"loss\": must be between 0 and 0.9 (got 1.5)");
}

TEST(Scenario, CloneImageIsEarlierOrLiveAndNothingElse) {
  EXPECT_EQ(ErrorOf("[attacks]\nclone_image = \"yesterday\"\n[[ward]]\nname = \"a\"\n"),
            "test.toml:2: [attacks]: field \"clone_image\": must be \"earlier\" or \"live\", "
            "not \"yesterday\"");
  ScenarioResult r =
      ParseScenario("[attacks]\nclone_image = \"live\"\n[[ward]]\nname = \"a\"\n", "x");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.scenario.attacks.live_clone_image);
  EXPECT_FALSE(ParseScenario(DefaultScenarioText(), "x").scenario.attacks.live_clone_image);
}

TEST(Scenario, StaffHomeWardMustExist) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\n[[staff]]\nrole = \"nurse\"\ncount = 2\n"
                    "home_wards = [\"icu\", \"morgue\"]\n"),
            "test.toml:6: staff \"nurse\": field \"home_wards\": no ward named \"morgue\"");
}

TEST(Scenario, DuplicateWardAndMissingWardsAreRefused) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"a\"\n[[ward]]\nname = \"a\"\n"),
            "test.toml:4: ward \"a\": field \"name\": defined twice");
  EXPECT_EQ(ErrorOf("hours = 2.0\n"),
            "test.toml:1: field \"ward\": a scenario needs at least one [[ward]]");
}

TEST(Scenario, TomlSyntaxErrorNamesTheLine) {
  const std::string e = ErrorOf("[[ward]]\nname = \"a\"\nbeds = = 3\n");
  EXPECT_EQ(e.rfind("test.toml:3: ", 0), 0u) << e;
}

TEST(Scenario, InvertedRangeIsRefused) {
  EXPECT_EQ(
      ErrorOf("[[ward]]\nname = \"a\"\n[events]\ntransit_s_min = 50.0\ntransit_s_max = 10.0\n"),
      "test.toml:5: [events]: field \"transit_s_max\": must not be below transit_s_min");
}

TEST(Scenario, MissingFileIsAnErrorNotACrash) {
  ScenarioResult r = LoadScenarioFile("/nonexistent/dir/x.toml");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cannot open"), std::string::npos);
}

TEST(Scenario, TestScenariosInTheTreeAllParse) {
  for (const char* n : {"tiny", "lossy"}) {
    ScenarioResult r =
        LoadScenarioFile(std::string(VIGIL_SOURCE_DIR) + "/scenarios/tests/" + n + ".toml");
    EXPECT_TRUE(r.ok()) << n << ": " << r.error;
  }
}

TEST(Scenario, EpisodeBedBeyondTheWardIsNamedByLineAndField) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\nbeds = 4\n[clinical]\nenabled = true\n"
                    "[[episode]]\nkind = \"sepsis\"\nward = \"icu\"\nbed = 5\n"),
            "test.toml:9: [[episode]]: field \"bed\": ward \"icu\" has 4 beds");
}

TEST(Scenario, EpisodeKindMisspeltIsRefusedNotDefaulted) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\nbeds = 4\n[clinical]\nenabled = true\n"
                    "[[episode]]\nkind = \"sepsys\"\nfraction = 0.5\n"),
            "test.toml:7: [[episode]]: field \"kind\": must be \"sepsis\", \"hypoxia\" or "
            "\"hypotension\", not \"sepsys\"");
}

TEST(Scenario, EpisodeWithoutClinicalTelemetryIsAMistake) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\nbeds = 4\n"
                    "[[episode]]\nward = \"icu\"\nbed = 1\n"),
            "test.toml:4: [[episode]]: episodes need clinical telemetry: add [clinical] "
            "enabled = true");
}

TEST(Scenario, EpisodeNeedsABedOrAFraction) {
  EXPECT_EQ(ErrorOf("[[ward]]\nname = \"icu\"\nbeds = 4\n[clinical]\nenabled = true\n"
                    "[[episode]]\nward = \"icu\"\n"),
            "test.toml:6: [[episode]]: field \"bed\": missing: give a bed (with a ward) or a "
            "fraction above 0");
}

TEST(Scenario, ClinicalScenarioParsesWithItsEpisodes) {
  ScenarioResult r =
      LoadScenarioFile(std::string(VIGIL_SOURCE_DIR) + "/scenarios/polyclinic-clinical.toml");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.scenario.clinical.enabled);
  EXPECT_EQ(r.scenario.episodes.size(), 5u);
  EXPECT_FALSE(ParseScenario(DefaultScenarioText(), "x").scenario.clinical.enabled);
}

}  // namespace
}  // namespace vigil::sim
