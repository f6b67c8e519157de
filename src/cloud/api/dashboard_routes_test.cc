// The dashboard's routes through the whole API pipeline: GET /account, the ward stream's
// decision, and the refusal of cross-origin state changes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/api/api_call.h"
#include "cloud/api/api_test_harness.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;
using testing::ApiHarness;
using testing::Credentials;
using testing::kHour;
using testing::kNow;

std::string Header(const Credentials& c, const std::string& name) {
  for (const auto& [k, v] : c.headers)
    if (k == name) return v;
  return "";
}

TEST(DashboardRoutes, AccountGivesTheSessionsOwnCsrfTokenAndWards) {
  ApiHarness h;
  const Credentials nurse = h.Nurse();
  const HttpResponse r = h.Call("GET", "/account", nurse);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j["user_id"], "nurse-icu");
  EXPECT_EQ(j["role"], "nurse");
  EXPECT_EQ(j["csrf_token"], Header(nurse, "x-csrf-token")) << "a reload recovers its token";
  EXPECT_EQ(j["wards"], json::array({"icu"}));
  EXPECT_EQ(j["wards_on_duty"], json::array({"icu"}));
}

TEST(DashboardRoutes, AccountWithoutASessionIsUnauthenticatedAndAServiceIsRefused) {
  ApiHarness h;
  EXPECT_EQ(h.Call("GET", "/account", {}).status, 401);
  EXPECT_EQ(h.Call("GET", "/account", h.Service()).status, 403);
}

TEST(DashboardRoutes, WardStreamIsAdmittedAsTheWardViewAndAuditedOnce) {
  ApiHarness h;
  const Credentials nurse = h.Nurse();
  const size_t before = h.audit_.entries().size();
  const HttpResponse r = h.Call("GET", "/api/wards/icu/stream", nurse);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.stream, "ward/icu") << "the server makes the connection follow the ward";
  EXPECT_TRUE(r.body.empty());
  const auto entries = h.audit_.entries();
  ASSERT_EQ(entries.size(), before + 1) << "one record for the stream's open";
  EXPECT_EQ(entries.back().record.rule, "clinician-ward-on-duty");
  EXPECT_EQ(entries.back().record.reason, "ward icu: live stream opened");
}

TEST(DashboardRoutes, WardStreamOfAnotherWardIsRefusedAndNeverAStream) {
  ApiHarness h;
  const HttpResponse r = h.Call("GET", "/api/wards/cardio/stream", h.Nurse());
  EXPECT_EQ(r.status, 403);
  EXPECT_TRUE(r.stream.empty());
  const HttpResponse admin =
      h.Call("GET", "/api/wards/icu/stream",
             h.Person("admin-1", policy::Role::kAdmin, {{"icu", kNow - kHour, kNow + kHour}}));
  EXPECT_EQ(admin.status, 403) << "admins read no patient data, live or not";
  EXPECT_TRUE(admin.stream.empty());
}

TEST(DashboardRoutes, CrossOriginPostIsRefusedEvenWithTheRightCsrfToken) {
  ApiHarness h;
  Credentials nurse = h.Nurse();
  nurse.headers.emplace_back("host", "vigil.example:8443");
  Credentials foreign = nurse;
  foreign.headers.emplace_back("origin", "https://evil.example");
  const HttpResponse r =
      h.Call("POST", "/api/patients/1/notes", foreign, R"({"text":"x"})", "application/json");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(json::parse(r.body)["rule"], "cross-origin-refused");
  EXPECT_EQ(h.audit_.entries().back().record.rule, "cross-origin-refused");
  Credentials fetch_site = nurse;
  fetch_site.headers.emplace_back("sec-fetch-site", "cross-site");
  EXPECT_EQ(
      h.Call("POST", "/api/patients/1/notes", fetch_site, R"({"text":"x"})", "application/json")
          .status,
      403);
  // A login form on another site (login CSRF) too.
  Credentials anon;
  anon.headers = {{"origin", "https://evil.example"}, {"host", "vigil.example:8443"}};
  EXPECT_EQ(
      h.Call("POST", "/login", anon, R"({"user":"a","password":"b"})", "application/json").status,
      403);
  // The same origin is served.
  Credentials same = nurse;
  same.headers.emplace_back("origin", "https://vigil.example:8443");
  EXPECT_EQ(
      h.Call("POST", "/api/patients/1/notes", same, R"({"text":"x"})", "application/json").status,
      201);
}

}  // namespace
}  // namespace vigil::cloud::api
