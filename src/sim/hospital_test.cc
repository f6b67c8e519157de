// The hospital plan and its benign day: reproducible, and silent (no alert) on lossy links
// with reboots, walks out of coverage, staff rounds and enrollment churn.
#include "sim/hospital.h"

#include <gtest/gtest.h>

#include <string>

#include "common/hex.h"

namespace vigil::sim {
namespace {

using wire::Version;

Scenario Load(const std::string& name) {
  ScenarioResult r = LoadScenarioFile(std::string(VIGIL_SOURCE_DIR) + "/scenarios/tests/" + name);
  EXPECT_TRUE(r.ok()) << r.error;
  return r.scenario;
}

TEST(HospitalPlan, SameScenarioAndSeedGiveTheSameDay) {
  ScenarioResult r = ParseScenario(DefaultScenarioText(), "polyclinic.toml");
  ASSERT_TRUE(r.ok());
  HospitalPlan a = PlanHospital(r.scenario, 5, 24 * 3600 * kSeconds);
  HospitalPlan b = PlanHospital(r.scenario, 5, 24 * 3600 * kSeconds);
  HospitalPlan c = PlanHospital(r.scenario, 6, 24 * 3600 * kSeconds);
  ASSERT_EQ(a.actions.size(), b.actions.size());
  for (size_t i = 0; i < a.actions.size(); ++i) {
    EXPECT_EQ(a.actions[i].at, b.actions[i].at);
    EXPECT_EQ(a.actions[i].device, b.actions[i].device);
  }
  EXPECT_NE(a.actions.size(), c.actions.size());
  EXPECT_GE(a.devices.size(), 300u);
}

TEST(HospitalPlan, PresenceFollowsTheActions) {
  Scenario s = Load("tiny.toml");
  HospitalPlan p = PlanHospital(s, 1, 3600 * kSeconds);
  // Bed devices of a full ward are on in their ward from a few minutes on.
  EXPECT_TRUE(p.StablyIn(0, 0, 5 * 60 * kSeconds, 6 * 60 * kSeconds));
  EXPECT_FALSE(p.StablyIn(0, 1, 5 * 60 * kSeconds, 6 * 60 * kSeconds));
}

class Benign : public ::testing::TestWithParam<Version> {};

// A lossy hour with reboots, walks, rounds and churn raises no alert in any version.
TEST_P(Benign, LossyHospitalHourRaisesNoAlert) {
  Scenario s = Load("lossy.toml");
  WorldConfig wc;
  wc.protocol.version = GetParam();
  wc.protocol.confirm = DefaultConfirmPolicy(GetParam());
  wc.loss = s.radio.loss;
  World world(wc, 3);
  HospitalPlan plan = PlanHospital(s, 3, 3600 * kSeconds);
  Hospital h(s, plan, world);
  h.Start();
  world.RunUntil(3600 * kSeconds);
  EXPECT_GT(world.associations(), 50u);
  for (const ids::Alert& a : world.alerts()) {
    ADD_FAILURE() << "alert at " << a.time << ": " << a.signature << " uid " << UidToString(a.uid)
                  << ": " << a.detail;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Benign,
                         ::testing::Values(Version::kV1, Version::kV2, Version::kV3Paper,
                                           Version::kHardened),
                         [](const auto& p) {
                           std::string n = wire::VersionName(p.param);
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace vigil::sim
