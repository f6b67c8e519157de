// The evaluation as a whole: reproducible byte for byte, and Table 1 measuring what it
// claims (the exchange's frames, the processing cost of the profile).
#include "sim/evaluation.h"

#include <gtest/gtest.h>

#include <string>

#include "sim/report.h"

namespace vigil::sim {
namespace {

using wire::Version;

Scenario Tiny() {
  ScenarioResult r = LoadScenarioFile(std::string(VIGIL_SOURCE_DIR) + "/scenarios/tests/tiny.toml");
  EXPECT_TRUE(r.ok()) << r.error;
  return r.scenario;
}

TEST(Determinism, SameScenarioAndSeedGiveTheSameReportByteForByte) {
  const Scenario s = Tiny();
  EvaluationOptions o;
  o.seed = 3;
  std::string e1, e2;
  const Evaluation a = Evaluate(s, o, &e1);
  const Evaluation b = Evaluate(s, o, &e2);
  ASSERT_EQ(e1, "");
  ASSERT_FALSE(a.days.empty());
  ASSERT_GT(a.attacks.size(), 10u);
  EXPECT_EQ(RenderJson(a), RenderJson(b));
  EXPECT_EQ(RenderMarkdown(a), RenderMarkdown(b));
  EXPECT_EQ(RenderText(a), RenderText(b));
  const auto sa = RenderSvgs(a), sb = RenderSvgs(b);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(sa[i].second, sb[i].second) << sa[i].first;
}

TEST(Determinism, AnotherSeedGivesAnotherRun) {
  const Scenario s = Tiny();
  EvaluationOptions o;
  o.versions = {Version::kHardened};
  o.benign = false;
  o.seed = 3;
  const std::string a = RenderJson(Evaluate(s, o, nullptr));
  o.seed = 4;
  EXPECT_NE(a, RenderJson(Evaluate(s, o, nullptr)));
}

TEST(Table1, CountsTheFramesOfEachExchange) {
  const Scenario s = Tiny();
  // Request + answer without authentication; hardened adds the challenge, the answer,
  // and the confirmation round.
  EXPECT_EQ(RunTable1(s, 1, Version::kHardened, false).frame_sizes.size(), 2u);
  EXPECT_EQ(RunTable1(s, 1, Version::kHardened, true).frame_sizes.size(), 6u);
  EXPECT_EQ(RunTable1(s, 1, Version::kV1, true).frame_sizes.size(), 4u);
}

TEST(Table1, DeviceProcessingCostLengthensTheAssociation) {
  const Scenario s = Tiny();
  Profiles free_cpu;
  free_cpu.device = DeviceProfile("free", PrimitiveCostsNs{});
  free_cpu.cpan = free_cpu.device;
  const Table1Row slow = RunTable1(s, 1, Version::kHardened, true);
  const Table1Row fast = RunTable1(s, 1, Version::kHardened, true, free_cpu);
  EXPECT_GT(slow.device_cpu_ms, 1.0);  // several HMACs on a Cortex-M4
  EXPECT_EQ(fast.device_cpu_ms, 0.0);
  EXPECT_GT(slow.ms.mean, fast.ms.mean + 1.0);
  EXPECT_EQ(slow.failed, 0u);
}

TEST(Table1, NeverBeatsTheMinimumRadioFloor) {
  const Scenario s = Tiny();
  for (Version v : {Version::kV1, Version::kV2, Version::kV3Paper, Version::kHardened}) {
    const Table1Row r = RunTable1(s, 2, v, true);
    EXPECT_GE(r.ms.min, r.floor_min_ms) << wire::VersionName(v);
  }
}

}  // namespace
}  // namespace vigil::sim
