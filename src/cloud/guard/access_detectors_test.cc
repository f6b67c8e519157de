#include "cloud/guard/access_detectors.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "cloud/guard/api_signatures.h"
#include "ids/eve_schema_check.h"
#include "ids/signatures.h"

namespace vigil::guard {
namespace {

constexpr TimeUs kNow = 1'750'032'000 * kSeconds;  // 2025-06-16 00:00 UTC
constexpr TimeUs kHour = 3600 * kSeconds;
constexpr TimeUs kDay = 24 * kHour;

const policy::Route* RouteOf(std::string_view method, std::string_view target) {
  return policy::Match(method, target).route;
}

policy::Decision Rule(std::string_view rule, bool allow) {
  policy::Decision d;
  d.effect = allow ? policy::Effect::kAllow : policy::Effect::kDeny;
  d.rule = rule;
  return d;
}

void ExpectValidEve(const ApiAlert& a) {
  const std::string line = FormatApiEve(a, "192.0.2.1:8443");
  EXPECT_EQ(ids::CheckEveAlertLine(line), "") << line;
  EXPECT_NE(line.find("\"proto\":\"TCP\""), std::string::npos) << line;
}

TEST(AccessDetectors, ReadingManyPatientsOutsideTheWardRaisesOneAlert) {
  AccessDetectors det(DetectorConfig{});
  const auto* route = RouteOf("GET", "/api/patients/p1/vitals");
  const policy::Decision denied = Rule("clinician-not-assigned", false);
  const policy::Decision inside = Rule("clinician-ward-on-duty", true);
  int alerts = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string patient = "p" + std::to_string(i);
    // Reading her own ward's patients never counts.
    EXPECT_TRUE(det.OnAccess({kNow + i * kSeconds, "n-1", policy::Role::kNurse, route, "w1",
                              &inside, "10.1.2.3:50000"})
                    .empty());
    for (const ApiAlert& a : det.OnAccess({kNow + i * kSeconds, "n-1", policy::Role::kNurse, route,
                                           patient, &denied, "10.1.2.3:50000"})) {
      EXPECT_EQ(a.alert.signature_id, sig::kOutsideAssignment.id);
      EXPECT_NE(a.alert.detail.find("5 patients"), std::string::npos) << a.alert.detail;
      ExpectValidEve(a);
      ++alerts;
    }
  }
  EXPECT_EQ(alerts, 1) << "held off for an hour";
}

TEST(AccessDetectors, FewOutsideAccessesSpreadOverTheDayDoNotAlert) {
  AccessDetectors det(DetectorConfig{});
  const auto* route = RouteOf("GET", "/api/patients/p1/vitals");
  const policy::Decision denied = Rule("clinician-not-assigned", false);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(det.OnAccess({kNow + i * 2 * kHour, "n-1", policy::Role::kNurse, route,
                              "p" + std::to_string(i), &denied, "10.1.2.3:1"})
                    .empty());
  }
}

TEST(AccessDetectors, ServiceAccountOnANewRouteAfterLearningAlerts) {
  AccessDetectors det(DetectorConfig{});
  const auto* ingest = RouteOf("POST", "/ingest/v1/messages");
  const auto* token = RouteOf("POST", "/oauth/token");
  const auto* vitals = RouteOf("GET", "/api/patients/p1/vitals");
  const policy::Decision ok = Rule("service-ingest", true);
  EXPECT_TRUE(
      det.OnAccess({kNow, "gw-01", policy::Role::kService, ingest, "", &ok, "198.51.100.2:4000"})
          .empty());
  const policy::Decision pub = Rule("public-auth-endpoint", true);
  EXPECT_TRUE(det.OnAccess({kNow + kHour, "gw-01", policy::Role::kService, token, "", &pub,
                            "198.51.100.2:4000"})
                  .empty());
  // After the learning week, a known route is quiet, an allowed new one alerts once.
  EXPECT_TRUE(det.OnAccess({kNow + 8 * kDay, "gw-01", policy::Role::kService, ingest, "", &ok,
                            "198.51.100.2:4000"})
                  .empty());
  const auto* login = RouteOf("POST", "/login");
  auto a = det.OnAccess(
      {kNow + 8 * kDay, "gw-01", policy::Role::kService, login, "", &pub, "198.51.100.2:4000"});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].alert.signature_id, sig::kServiceNewRoute.id);
  ExpectValidEve(a[0]);
  EXPECT_TRUE(det.OnAccess({kNow + 8 * kDay + kSeconds, "gw-01", policy::Role::kService, login, "",
                            &pub, "198.51.100.2:4000"})
                  .empty());
  // A refused route alerts even while learning.
  const policy::Decision refused = Rule("service-ingest-only", false);
  a = det.OnAccess({kNow + kSeconds, "gw-02", policy::Role::kService, vitals, "p1", &refused,
                    "198.51.100.3:4000"});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].alert.detail.find("refused"), std::string::npos);
}

TEST(AccessDetectors, NightAccessByADayWorkerAlertsOnlyOnceThePatternIsKnown) {
  DetectorConfig cfg;
  cfg.hours_min_events = 100;
  AccessDetectors det(cfg);
  const auto* route = RouteOf("GET", "/api/wards/icu/latest");
  const policy::Decision ok = Rule("clinician-ward-on-duty", true);
  // A night access in the first week: no pattern yet.
  EXPECT_TRUE(
      det.OnAccess({kNow + 3 * kHour, "d-1", policy::Role::kDoctor, route, "", &ok, "10.0.0.5:1"})
          .empty());
  for (int day = 1; day <= 14; ++day) {
    for (int k = 0; k < 10; ++k) {
      const TimeUs t = kNow + day * kDay + 9 * kHour + k * 20 * 60 * kSeconds;  // 09:00-12:00
      EXPECT_TRUE(
          det.OnAccess({t, "d-1", policy::Role::kDoctor, route, "", &ok, "10.0.0.5:1"}).empty());
    }
  }
  auto a = det.OnAccess(
      {kNow + 15 * kDay + 3 * kHour, "d-1", policy::Role::kDoctor, route, "", &ok, "10.0.0.5:1"});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].alert.signature_id, sig::kUnusualHour.id);
  EXPECT_NE(a[0].alert.detail.find("3:00"), std::string::npos) << a[0].alert.detail;
  ExpectValidEve(a[0]);
  EXPECT_TRUE(det.OnAccess({kNow + 15 * kDay + 10 * kHour, "d-1", policy::Role::kDoctor, route, "",
                            &ok, "10.0.0.5:1"})
                  .empty());
}

TEST(AccessDetectors, EveryBreakGlassUseAlertsAndOpeningNamesTheReason) {
  AccessDetectors det(DetectorConfig{});
  const policy::BreakGlassGrant g{
      "bg-7", "n-1", "p4", "patient collapsed in corridor", kNow, kNow + 30 * 60 * kSeconds};
  const ApiAlert opened = det.OnBreakGlassOpened(g, "10.1.2.3:5000");
  EXPECT_EQ(opened.alert.signature_id, sig::kBreakGlassOpened.id);
  EXPECT_NE(opened.alert.detail.find("patient collapsed in corridor"), std::string::npos);
  ExpectValidEve(opened);
  policy::Decision d = Rule("break-glass", true);
  d.obligations = policy::kObligeAudit | policy::kObligeAlert;
  d.break_glass_grant = "bg-7";
  const auto* route = RouteOf("GET", "/api/patients/p4/vitals");
  for (int i = 0; i < 3; ++i) {
    auto a = det.OnAccess(
        {kNow + i * kSeconds, "n-1", policy::Role::kNurse, route, "p4", &d, "10.1.2.3:5000"});
    ASSERT_EQ(a.size(), 1u) << i;
    EXPECT_EQ(a[0].alert.signature_id, sig::kBreakGlassUse.id);
    EXPECT_NE(a[0].alert.detail.find("bg-7"), std::string::npos);
    ExpectValidEve(a[0]);
  }
}

TEST(AccessDetectors, BruteForceRateLimitAndForgedTokenAlertsAreHeldOff) {
  AccessDetectors det(DetectorConfig{});
  ThrottleVerdict v;
  v.account_failures = 10;
  v.source_failures = 3;
  auto a = det.OnLoginFailure("dr.grey", "203.0.113.9:1234", v, kNow);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].alert.signature_id, sig::kBruteForceAccount.id);
  EXPECT_EQ(a[0].alert.action, ids::AlertAction::kBlocked);
  ExpectValidEve(a[0]);
  EXPECT_TRUE(det.OnLoginFailure("dr.grey", "203.0.113.9:1234", v, kNow + kSeconds).empty());
  v.source_failures = 20;
  a = det.OnLoginFailure("unknown account", "203.0.113.9:1235", v, kNow + 2 * kSeconds);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].alert.signature_id, sig::kBruteForceSource.id);
  ExpectValidEve(a[1]);
  EXPECT_EQ(a[1].alert.detail.find(":1235"), std::string::npos) << "the source address, no port";

  auto r = det.OnRateLimited("gw-01", policy::RateClass::kIngest, "198.51.100.2:4000", kNow);
  ASSERT_TRUE(r.has_value());
  ExpectValidEve(*r);
  EXPECT_FALSE(
      det.OnRateLimited("gw-01", policy::RateClass::kIngest, "198.51.100.2:4000", kNow + kSeconds));

  EXPECT_FALSE(det.OnTokenRejected(auth::TokenError::kExpired, "198.51.100.9:1", kNow));
  auto t = det.OnTokenRejected(auth::TokenError::kWrongAlg, "198.51.100.9:1", kNow);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->alert.signature_id, sig::kForgedToken.id);
  ExpectValidEve(*t);
}

TEST(ApiSignatures, IdsAreInTheirBlockUniqueAndApartFromTheGateways) {
  std::set<int> seen;
  for (const ids::Signature& s : AllApiSignatures()) {
    EXPECT_GE(s.id, 9100200);
    EXPECT_LT(s.id, 9100300);
    EXPECT_TRUE(seen.insert(s.id).second) << s.id;
    EXPECT_EQ(ids::FindSignature(s.id), nullptr) << s.id << " is a gateway signature";
    EXPECT_TRUE(std::string_view(s.name).starts_with("VIGIL API ")) << s.name;
  }
  EXPECT_EQ(seen.size(), 9u);
}

TEST(ApiSignatures, SeverityIsTheClasstypesPriority) {
  const std::pair<std::string_view, int> classtypes[] = {
      {"Attempted Information Leak", 2},
      {"Potentially Bad Traffic", 2},
      {"Misc activity", 3},
      {"Attempted User Privilege Gain", 1},
      {"Detection of a Denial of Service Attack", 2},
  };
  for (const ids::Signature& s : AllApiSignatures()) {
    bool found = false;
    for (const auto& [name, prio] : classtypes) {
      if (name == s.category) {
        found = true;
        EXPECT_EQ(s.severity, prio) << s.id;
      }
    }
    EXPECT_TRUE(found) << s.id << ": " << s.category;
  }
}

}  // namespace
}  // namespace vigil::guard
