// Each attack class alone, against each version, in a quiet ward: detected and blocked
// exactly as the protocol's design predicts (connection/protocol_test.cc for the cores,
// docs/simulator.md for the IDS side).
#include <gtest/gtest.h>

#include <string>

#include "sim/attacks/catalog.h"
#include "sim/campaign.h"
#include "sim/hospital.h"

namespace vigil::sim {
namespace {

using wire::Version;

struct Case {
  AttackClass cls;
  Intruder who;
  Capability cap;
  bool online_victim_matters;  // (documentation only)
  // Expected (detected, blocked) for v1, v2, v3-paper, hardened.
  bool detected[4];
  bool blocked[4];
  const char* why;
};

constexpr Intruder kIn = Intruder::kInternal, kEx = Intruder::kExternal;

const Case kCases[] = {
    {AttackClass::kIdentityTheftOnline,
     kIn,
     Capability::kCredentials,
     true,
     {true, true, true, true},
     {false, false, true, true},
     "v3 hears the real device's unsolicited answer; hardened also needs Kd; in v1/v2 the "
     "stolen session breaks the real device's keys, whose next frame fails its tag"},
    {AttackClass::kIdentityTheftOffline,
     kIn,
     Capability::kCredentials,
     false,
     {false, false, false, true},
     {false, false, false, true},
     "paper versions key the handshake with the credentials; hardened with Kd"},
    {AttackClass::kIdentityTheftOffline,
     kEx,
     Capability::kCredentialsKd,
     false,
     {false, false, false, true},
     {false, false, false, true},
     "hardened confirms every association with the sealed Secretkey2"},
    {AttackClass::kIdentityTheftOffline,
     kEx,
     Capability::kFullClone,
     false,
     {false, false, false, true},
     {false, false, false, true},
     "the image was read before the original's return to service, whose association moved "
     "hardened's common function on: the copy's R3 is a generation behind"},
    {AttackClass::kReplay,
     kIn,
     Capability::kSniffing,
     false,
     {true, true, true, true},
     {true, true, true, true},
     "every version keeps a replay window"},
    {AttackClass::kReflection,
     kIn,
     Capability::kSniffing,
     false,
     {false, false, false, true},
     {false, false, false, true},
     "paper MACs do not bind direction; hardened rejects it and one tag failure is an alert"},
    {AttackClass::kParallelSession,
     kIn,
     Capability::kNothing,
     true,
     {false, false, true, true},
     {true, true, true, true},
     "v1/v2 devices stay silent: no oracle, no evidence"},
    {AttackClass::kModification,
     kEx,
     Capability::kRelay,
     false,
     {true, true, true, true},
     {true, true, true, true},
     "every version's MAC catches it, and one tag failure on an intact frame is an alert"},
    {AttackClass::kFabricatedData,
     kEx,
     Capability::kNothing,
     false,
     {true, true, true, true},
     {true, true, true, true},
     "ten guessed tags in five seconds"},
    {AttackClass::kFabricatedData,
     kIn,
     Capability::kCredentials,
     false,
     {true, true, true, true},
     {false, false, false, true},
     "paper session keys derive from the credentials and sniffed nonces"},
    {AttackClass::kBroadcastForgery,
     kIn,
     Capability::kNothing,
     false,
     {false, false, false, true},
     {true, false, false, true},
     "v1 has no broadcast; v2/v3 insiders hold Kb; hardened signs broadcasts"},
    {AttackClass::kBroadcastForgery,
     kEx,
     Capability::kNothing,
     false,
     {false, true, true, true},
     {true, true, true, true},
     "without Kb the tag fails"},
    {AttackClass::kRogueCpan,
     kEx,
     Capability::kNothing,
     false,
     {false, true, true, true},
     {false, true, true, true},
     "v1 has no CPAN proof"},
    {AttackClass::kRogueCpan,
     kIn,
     Capability::kCredentials,
     false,
     {false, false, false, true},
     {false, false, false, true},
     "paper CPAN proofs are keyed with the credentials"},
    {AttackClass::kOtpBruteForce,
     kEx,
     Capability::kNothing,
     false,
     {true, true, true, true},
     {true, true, true, true},
     "repeated failures"},
    {AttackClass::kAssociationFlood,
     kEx,
     Capability::kNothing,
     false,
     {true, true, true, true},
     {true, true, true, true},
     "rate far above any ward's"},
    {AttackClass::kBatteryDrain,
     kEx,
     Capability::kNothing,
     true,
     {true, true, true, true},
     {true, true, false, true},
     "v3-paper answers every unsolicited request; hardened rate-limits"},
};

Scenario AttackScenario() {
  ScenarioResult r =
      LoadScenarioFile(std::string(VIGIL_SOURCE_DIR) + "/scenarios/tests/attacks.toml");
  EXPECT_TRUE(r.ok()) << r.error;
  return r.scenario;
}

AttackOutcome RunOne(const Case& c, Version v, bool live_clone_image = false) {
  Scenario s = AttackScenario();
  s.attacks.live_clone_image = live_clone_image;
  const HospitalPlan plan = PlanHospital(s, 7, 20 * 60 * kSeconds);
  AttackPlan p;
  p.at = 10 * 60 * kSeconds;
  p.cls = c.cls;
  p.intruder = c.who;
  p.capability = c.cap;
  p.ward = 0;
  p.victim = 0;  // an ECG patch: reports every 5 s
  const DayResult d = RunDay(s, plan, {p}, 7, v, Profiles{}, nullptr);
  EXPECT_EQ(d.attacks.size(), 1u);
  EXPECT_EQ(d.unattributed_alerts, 0u) << "an alert about something else";
  return d.attacks.empty() ? AttackOutcome{} : d.attacks[0];
}

class EachAttack : public ::testing::TestWithParam<size_t> {};

TEST_P(EachAttack, DetectedAndBlockedAsTheProtocolPredicts) {
  const Case& c = kCases[GetParam()];
  const Version versions[] = {Version::kV1, Version::kV2, Version::kV3Paper, Version::kHardened};
  for (int i = 0; i < 4; ++i) {
    const AttackOutcome o = RunOne(c, versions[i]);
    SCOPED_TRACE(std::string(AttackClassName(c.cls)) + " / " + std::string(IntruderName(c.who)) +
                 " / " + std::string(CapabilityName(c.cap)) + " vs " +
                 wire::VersionName(versions[i]) + " (" + c.why + "), note: " + o.note);
    EXPECT_TRUE(o.executed);
    EXPECT_EQ(o.detected, c.detected[i]) << "signature: " << o.signature;
    EXPECT_EQ(o.blocked, c.blocked[i]);
    if (o.detected) {
      EXPECT_LE(o.time_to_detect, 5 * kSeconds);
    }
  }
}

// The limit of the moving common function, checked so that the report's statement stays
// true: a copy of the device's current session, the original switched off, is the original.
TEST(FullClone, LiveImageWithTheOriginalOffIsIndistinguishableInEveryVersion) {
  const Case c{
      AttackClass::kIdentityTheftOffline, kEx, Capability::kFullClone, false, {}, {}, "live image"};
  for (Version v : {Version::kV3Paper, Version::kHardened}) {
    const AttackOutcome o = RunOne(c, v, /*live_clone_image=*/true);
    EXPECT_TRUE(o.executed);
    EXPECT_FALSE(o.detected) << wire::VersionName(v) << ": " << o.signature;
    EXPECT_FALSE(o.blocked) << wire::VersionName(v);
  }
}

INSTANTIATE_TEST_SUITE_P(Library, EachAttack,
                         ::testing::Range<size_t>(0, sizeof(kCases) / sizeof(kCases[0])),
                         [](const auto& param_info) {
                           const Case& c = kCases[param_info.param];
                           std::string n = std::string(AttackClassName(c.cls)) + "_" +
                                           std::string(IntruderName(c.who)) + "_" +
                                           std::string(CapabilityName(c.cap));
                           for (char& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(AttackSchedule, EveryClassAndIntruderIsScheduledWithAStillVictim) {
  ScenarioResult r = ParseScenario(DefaultScenarioText(), "polyclinic.toml");
  ASSERT_TRUE(r.ok());
  const HospitalPlan plan = PlanHospital(r.scenario, 1, 24 * 3600 * kSeconds);
  std::string err;
  size_t dropped = 0;
  const auto attacks =
      PlanAttacks(r.scenario, plan, SelectedClasses(r.scenario, &err), 1, &dropped);
  EXPECT_EQ(err, "");
  EXPECT_EQ(attacks.size() + dropped, kAttackClassCount * 2 * 12u);
  EXPECT_EQ(dropped, 0u);
  for (const AttackPlan& a : attacks) {
    EXPECT_TRUE(plan.StablyIn(a.victim, a.ward, a.at - 60 * kSeconds, a.at + 90 * kSeconds))
        << "attack " << a.id;
  }
}

}  // namespace
}  // namespace vigil::sim
