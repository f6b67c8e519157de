#include "cloud/policy/policy.h"

#include <gtest/gtest.h>

#include <string>

#include "cloud/policy/route_table.h"

namespace vigil::policy {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
constexpr TimeUs kMinute = 60 * kSeconds;

Subject Nurse() {
  Subject s;
  s.id = "n-1";
  s.role = Role::kNurse;
  s.wards = {{"icu", kNow - 60 * kMinute, kNow + 60 * kMinute}};
  return s;
}

AccessRequest VitalsOf(std::string id, std::string ward) {
  return {Resource::kVitals, Action::kRead, PatientTarget{std::move(id), std::move(ward), {}},
          std::nullopt};
}

TEST(Policy, ShiftEndIsExclusiveSoAccessStopsAtTheEndOfDuty) {
  const Subject s = Nurse();
  EXPECT_TRUE(Decide(&s, VitalsOf("p1", "icu"), {}, kNow + 60 * kMinute - 1).allowed());
  const Decision d = Decide(&s, VitalsOf("p1", "icu"), {}, kNow + 60 * kMinute);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.rule, "clinician-off-duty");
}

TEST(Policy, GrantOnAnotherPatientOrOfAnotherClinicianIsNotHonoured) {
  const Subject s = Nurse();
  const BreakGlassGrant other_patient{"g1", "n-1", "p9", "reason given here", kNow, kNow + kMinute};
  const BreakGlassGrant other_subject{"g2", "n-2", "p1", "reason given here", kNow, kNow + kMinute};
  const BreakGlassGrant grants[] = {other_patient, other_subject};
  const Decision d = Decide(&s, VitalsOf("p1", "cardio"), grants, kNow);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.rule, "clinician-not-assigned");
  EXPECT_TRUE(d.break_glass_grant.empty());
}

TEST(Policy, BreakGlassDoesNotOpenAWardView) {
  Subject s = Nurse();
  s.wards.clear();
  const BreakGlassGrant g{"g1", "n-1", "p1", "reason given here", kNow, kNow + kMinute};
  const AccessRequest q{Resource::kWardView, Action::kRead, std::nullopt, std::string("icu")};
  const Decision d = Decide(&s, q, {&g, 1}, kNow);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.rule, "clinician-not-assigned");
}

TEST(Policy, ServiceAccountWithoutIngestScopeIsRefused) {
  Subject gw;
  gw.id = "gw-01";
  gw.role = Role::kService;
  gw.scopes = {"metrics"};
  const AccessRequest q{Resource::kIngest, Action::kWrite, std::nullopt, std::nullopt};
  EXPECT_EQ(Decide(&gw, q, {}, kNow).rule, "service-scope-missing");
  gw.scopes = {"ingest"};
  EXPECT_TRUE(Decide(&gw, q, {}, kNow).allowed());
}

TEST(Policy, RequestWithoutTargetIsRefusedNotWidened) {
  const Subject s = Nurse();
  AccessRequest q{Resource::kVitals, Action::kRead, std::nullopt, std::nullopt};
  EXPECT_EQ(Decide(&s, q, {}, kNow).rule, "target-missing");
  q.resource = Resource::kWardView;
  q.ward = "";
  EXPECT_EQ(Decide(&s, q, {}, kNow).rule, "target-missing");
}

TEST(Policy, PatientWithoutPatientIdSeesNothing) {
  Subject s;
  s.id = "x";
  s.role = Role::kPatient;  // patient_id empty: a roster error must not match an empty id
  const Decision d = Decide(&s, VitalsOf("", ""), {}, kNow);
  EXPECT_FALSE(d.allowed());
}

TEST(BreakGlass, ReasonAndDurationAreBounded) {
  const Subject s = Nurse();
  auto open = [&](std::string_view reason, TimeUs dur) {
    return OpenBreakGlass(s, "p1", reason, dur, "g", kNow).error;
  };
  EXPECT_EQ(open("", 10 * kMinute), BreakGlassError::kReasonMissing);
  EXPECT_EQ(open("   \t  ", 10 * kMinute), BreakGlassError::kReasonMissing);
  EXPECT_EQ(open("urgent", 10 * kMinute), BreakGlassError::kReasonMissing);
  EXPECT_EQ(open(std::string(kBreakGlassMaxReasonBytes + 1, 'a'), 10 * kMinute),
            BreakGlassError::kReasonTooLong);
  EXPECT_EQ(open("patient collapsed\n\x1b[2J", 10 * kMinute), BreakGlassError::kReasonNotText);
  EXPECT_EQ(open("patient collapsed \xc3", 10 * kMinute), BreakGlassError::kReasonNotText);
  EXPECT_EQ(open("patient collapsed in corridor", 0), BreakGlassError::kDurationInvalid);
  EXPECT_EQ(open("patient collapsed in corridor", kBreakGlassMaxDuration + 1),
            BreakGlassError::kDurationInvalid);
  const BreakGlassOpen ok = OpenBreakGlass(s, "p1", "  Réanimation: arrêt cardiaque  ",
                                           kBreakGlassMaxDuration, "g7", kNow);
  ASSERT_EQ(ok.error, BreakGlassError::kOk);
  EXPECT_EQ(ok.grant.reason, "Réanimation: arrêt cardiaque");
  EXPECT_EQ(ok.grant.expires, kNow + kBreakGlassMaxDuration);
  EXPECT_EQ(ok.grant.subject_id, "n-1");
}

TEST(BreakGlass, OnlyCliniciansMayOpen) {
  Subject admin;
  admin.id = "a";
  admin.role = Role::kAdmin;
  EXPECT_EQ(OpenBreakGlass(admin, "p1", "need to see the chart", kMinute, "g", kNow).error,
            BreakGlassError::kNotClinician);
}

TEST(BreakGlass, StoreReturnsOnlyTheSubjectsRecentGrants) {
  InMemoryBreakGlassStore store;
  ASSERT_EQ(store.Add({"g1", "n-1", "p1", "r", kNow - 120 * kMinute, kNow - 90 * kMinute}),
            vigil::Error::kOk);
  ASSERT_EQ(store.Add({"g2", "n-1", "p2", "r", kNow, kNow + kMinute}), vigil::Error::kOk);
  ASSERT_EQ(store.Add({"g3", "n-2", "p2", "r", kNow, kNow + kMinute}), vigil::Error::kOk);
  const auto got = store.ForSubject("n-1", kNow - 60 * kMinute);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, "g2");
}

TEST(RouteTable, UnknownPathIs404AndWrongMethodIs405) {
  EXPECT_EQ(Match("GET", "/api/nothing").error, RouteError::kNotFound);
  EXPECT_EQ(Match("DELETE", "/api/patients/p1/vitals").error, RouteError::kMethodNotAllowed);
  EXPECT_EQ(Match("GET", "").error, RouteError::kNotFound);
}

TEST(RouteTable, TraversalAndEscapesInIdsDoNotMatch) {
  EXPECT_EQ(Match("GET", "/api/patients/../vitals").error, RouteError::kNotFound);
  EXPECT_EQ(Match("GET", "/api/patients/p1%2f..%2fp2/vitals").error, RouteError::kNotFound);
  EXPECT_EQ(Match("GET", "/api/patients//vitals").error, RouteError::kNotFound);
  EXPECT_EQ(Match("GET", "/api/patients/p1'%20OR%201=1/vitals").error, RouteError::kNotFound);
}

TEST(RouteTable, DuplicateTargetParameterIsMalformed) {
  EXPECT_EQ(Match("GET", "/fhir/Observation?patient=p1&patient=p2").error, RouteError::kMalformed);
  EXPECT_EQ(Match("GET", "/fhir/Observation?patient=p1%zz").error, RouteError::kMalformed);
  EXPECT_EQ(Match("GET", "/fhir/Observation?patient=p1'--").error, RouteError::kMalformed);
  const RouteMatch m = Match("GET", "/fhir/Observation?patient=Patient%2Fp1&date=ge2025");
  ASSERT_EQ(m.error, RouteError::kOk);
  EXPECT_EQ(m.target_id, "p1");
}

TEST(RouteTable, OversizedTargetIsRefused) {
  EXPECT_EQ(Match("GET", "/audit?q=" + std::string(kMaxTargetBytes, 'a')).error,
            RouteError::kOversized);
}

TEST(RouteTable, EveryRouteIsReachableAndUnique) {
  for (const Route& r : AllRoutes()) {
    int same = 0;
    for (const Route& o : AllRoutes()) same += (o.method == r.method && o.pattern == r.pattern);
    EXPECT_EQ(same, 1) << r.method << " " << r.pattern;
  }
}

}  // namespace
}  // namespace vigil::policy
