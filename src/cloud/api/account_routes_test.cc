// The login in two steps, logout, TOTP enrolment and the password change through the
// whole API (auth_routes.cc), each test named after the attack or mistake it catches.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cloud/api/api_call.h"
#include "cloud/api/api_test_harness.h"
#include "cloud/auth/base64url.h"
#include "cloud/auth/mfa.h"
#include "cloud/auth/recovery_codes.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;
using testing::ApiHarness;
using testing::Credentials;
using testing::kNow;

constexpr TimeUs kStep = 30 * kSeconds;
const std::string kJson = "application/json";
const std::string kPassword = "gentle otter under tall pines";

json Body(const HttpResponse& r) { return json::parse(r.body, nullptr, false); }

std::string Header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

// The cookie and CSRF token of a response that opened a session.
Credentials SessionOf(const HttpResponse& r) {
  const std::string set = Header(r, "Set-Cookie");
  Credentials c;
  c.headers = {{"cookie", set.substr(0, set.find(';'))},
               {"x-csrf-token", Body(r).value("csrf_token", "")}};
  return c;
}

struct MfaApi : ::testing::Test {
  void SetUp() override {
    UserAccount u;
    u.user_id = "nurse.ada";
    u.display_name = "Ada";
    u.role = policy::Role::kNurse;
    u.password_hash = *auth::HashPassword(kPassword, auth::Argon2Params{1024, 1, 1});
    ASSERT_TRUE(h.directory_.Create(u).ok());
  }
  // Enrols nurse.ada with TOTP (the library path the CLI uses); returns her secret.
  std::vector<uint8_t> Enrol() {
    EXPECT_EQ(auth::EnrolTotp(h.mem_.mfa, "nurse.ada", kNow, auth::MfaConfig{}, &enrolment),
              Error::kOk);
    std::optional<auth::TotpRecord> r;
    EXPECT_EQ(h.mem_.mfa.FindTotp("nurse.ada", &r), Error::kOk);
    return r->secret;
  }
  std::string Code(const std::vector<uint8_t>& secret, TimeUs at) {
    auth::TotpParams p;
    return *auth::TotpCodeAt(secret, auth::TotpStep(at, p), p);
  }
  HttpResponse Login(const std::string& password = kPassword, TimeUs at = kNow) {
    return h.Call("POST", "/login", {}, json{{"user", "nurse.ada"}, {"password", password}}.dump(),
                  kJson, at);
  }
  HttpResponse Second(const std::string& ticket, const std::string& code, TimeUs at = kNow) {
    return h.Call("POST", "/login/mfa", {}, json{{"mfa_ticket", ticket}, {"code", code}}.dump(),
                  kJson, at);
  }
  std::string Ticket(TimeUs at = kNow) {
    const HttpResponse r = Login(kPassword, at);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Body(r).value("mfa_required", false), true) << r.body;
    return Body(r).value("mfa_ticket", "");
  }
  std::string LastReason() { return h.audit_.entries().back().record.reason; }

  ApiHarness h;
  auth::TotpEnrolment enrolment;
};

TEST_F(MfaApi, PasswordAloneOpensNoSessionWhenTotpIsEnrolled) {
  const auto secret = Enrol();
  const HttpResponse r = Login();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Body(r)["mfa_required"].get<bool>());
  EXPECT_EQ(Body(r)["mfa_ticket"].get<std::string>().size(), 43u);
  EXPECT_FALSE(Body(r).contains("csrf_token"));
  EXPECT_EQ(Header(r, "Set-Cookie"), "") << "no cookie before the second factor";
  EXPECT_EQ(LastReason(), "password accepted; second factor required");

  const HttpResponse ok = Second(Body(r)["mfa_ticket"], Code(secret, kNow));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(Header(ok, "Set-Cookie").starts_with("__Host-vigil_session="));
  EXPECT_EQ(Body(ok)["user_id"], "nurse.ada");
  EXPECT_EQ(LastReason(), "login (password and totp)");
  EXPECT_EQ(h.Call("GET", "/api/wards/icu/latest", SessionOf(ok)).status, 403)
      << "a working session (the nurse is on no duty: the policy, not the login, refuses)";
}

TEST_F(MfaApi, WrongTotpIsRefusedAuditedAndCountedByTheThrottle) {
  const auto secret = Enrol();
  const std::string ticket = Ticket();
  const std::string wrong = Code(secret, kNow + 10 * kStep);
  const HttpResponse r = Second(ticket, wrong);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["error"], "invalid_code");
  EXPECT_EQ(Header(r, "Set-Cookie"), "");
  EXPECT_EQ(LastReason(), "second factor refused: wrong_code");
  EXPECT_EQ(h.audit_.entries().back().record.outcome, audit::Outcome::kDenied);
  // Five free failures at one source (login_throttle.h); the sixth is delayed, even with
  // a right code, before it is checked.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Second(Ticket(), wrong).status, 401);
  const HttpResponse slowed = Second(Ticket(), Code(secret, kNow));
  EXPECT_EQ(slowed.status, 429) << slowed.body;
  EXPECT_FALSE(Header(slowed, "Retry-After").empty());
}

TEST_F(MfaApi, ReplayedTotpCodeIsRefusedInsideItsOwnStep) {
  const auto secret = Enrol();
  const std::string code = Code(secret, kNow);
  ASSERT_EQ(Second(Ticket(), code).status, 200);
  const HttpResponse again = Second(Ticket(kNow + kSeconds), code, kNow + kSeconds);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(LastReason(), "second factor refused: replayed_code");
  EXPECT_EQ(Second(Ticket(kNow + kStep), Code(secret, kNow + kStep), kNow + kStep).status, 200)
      << "the next step's code is fine";
}

TEST_F(MfaApi, RecoveryCodeWorksOnceInPlaceOfTotp) {
  Enrol();
  const std::string rc = enrolment.recovery_codes[2];
  const HttpResponse ok = Second(Ticket(), rc);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(LastReason(), "login (password and recovery code; 9 left)");
  const HttpResponse again = Second(Ticket(), rc);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(Body(again)["error"], "invalid_code");
}

TEST_F(MfaApi, TicketExpiresAndCannotBeUsedTwice) {
  const auto secret = Enrol();
  const std::string late = Ticket();
  const TimeUs after = kNow + auth::MfaConfig{}.ticket_ttl;
  const HttpResponse expired = Second(late, Code(secret, after), after);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(Body(expired)["error"], "invalid_ticket");
  EXPECT_EQ(LastReason(), "second factor refused: ticket expired");

  const std::string t = Ticket();
  ASSERT_EQ(Second(t, Code(secret, kNow)).status, 200);
  const HttpResponse twice = Second(t, Code(secret, kNow + kStep), kNow + kStep);
  EXPECT_EQ(twice.status, 401);
  EXPECT_EQ(Body(twice)["error"], "invalid_ticket");
  EXPECT_EQ(Second("not-a-ticket", "123456").status, 401);
}

TEST_F(MfaApi, TicketIsSpentAfterFiveWrongCodes) {
  const auto secret = Enrol();
  const std::string t = Ticket();
  const std::string wrong = Code(secret, kNow + 10 * kStep);
  // Each try from another address, so that the throttle is not what stops them.
  for (int i = 0; i < 5; ++i) {
    HttpRequest r;
    r.method = "POST";
    r.path = "/login/mfa";
    r.remote = "198.51.100." + std::to_string(i + 1) + ":4000";
    r.body = json{{"mfa_ticket", t}, {"code", wrong}}.dump();
    r.headers = {{"content-type", kJson}};
    EXPECT_EQ(h.service_->Handle(r, kNow).status, 401);
  }
  const HttpResponse last = Second(t, Code(secret, kNow));
  EXPECT_EQ(last.status, 401);
  EXPECT_EQ(Body(last)["error"], "invalid_ticket");
}

TEST_F(MfaApi, LogoutRevokesTheSessionAndClearsTheCookie) {
  const HttpResponse in = Login();
  ASSERT_EQ(in.status, 200) << in.body;
  const Credentials s = SessionOf(in);
  Credentials no_csrf = s;
  no_csrf.headers.pop_back();
  EXPECT_EQ(h.Call("POST", "/logout", no_csrf).status, 403)
      << "a cross-site page cannot log the nurse out";
  const HttpResponse out = h.Call("POST", "/logout", s);
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(Header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(LastReason(), "logout");
  EXPECT_EQ(h.audit_.entries().back().record.event, audit::Event::kLogout);
  const HttpResponse after = h.Call("POST", "/account/mfa/enroll", s);
  EXPECT_EQ(after.status, 401) << "the revoked session is refused";
}

TEST_F(MfaApi, PasswordChangeRevokesEveryOtherSessionAndKeepsThisOne) {
  const Credentials here = SessionOf(Login());
  const Credentials elsewhere = SessionOf(Login());
  const std::string fresh = "violet heron above the quiet lake";
  const HttpResponse r =
      h.Call("POST", "/account/password", here,
             json{{"current_password", kPassword}, {"new_password", fresh}}.dump(), kJson);
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(LastReason(), "password changed; 1 other sessions revoked");
  EXPECT_EQ(h.Call("POST", "/account/mfa/enroll", elsewhere).status, 401);
  EXPECT_EQ(h.Call("POST", "/account/mfa/enroll", here).status, 200);
  EXPECT_EQ(Login().status, 401) << "the old password is gone";
  EXPECT_EQ(Login(fresh).status, 200);
}

TEST_F(MfaApi, PasswordChangeRefusesAWrongCurrentPasswordAndWeakOrBreachedNewOnes) {
  const Credentials s = SessionOf(Login());
  const auto change = [&](const std::string& cur, const std::string& neu) {
    return h.Call("POST", "/account/password", s,
                  json{{"current_password", cur}, {"new_password", neu}}.dump(), kJson);
  };
  EXPECT_EQ(change("not my password", "violet heron above the quiet lake").status, 403);
  for (const std::string& weak : {std::string("short"), std::string("Password2024!"),
                                  std::string("nurse.ada-on-call"), kPassword}) {
    const HttpResponse r = change(kPassword, weak);
    EXPECT_EQ(r.status, 422) << weak;
    EXPECT_EQ(Body(r)["error"], "weak_password") << weak;
    EXPECT_FALSE(Body(r).value("detail", "").empty()) << weak;
  }
  EXPECT_EQ(Login().status, 200) << "the password is unchanged";
}

TEST_F(MfaApi, AdminCannotCreateAUserWithABreachedPassword) {
  const Credentials admin = h.Person("root", policy::Role::kAdmin);
  const HttpResponse r =
      h.Call("POST", "/admin/users", admin,
             json{{"user_id", "dr.who"}, {"role", "doctor"}, {"password", "iloveyou123456"}}.dump(),
             kJson);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Body(r)["error"], "weak_password");
  std::optional<UserAccount> u;
  ASSERT_TRUE(h.directory_.Find("dr.who", &u).ok());
  EXPECT_FALSE(u.has_value());
}

TEST_F(MfaApi, EnrolmentOverTheApiThenLoginNeedsTheSecondFactor) {
  const Credentials s = SessionOf(Login());
  const HttpResponse e = h.Call("POST", "/account/mfa/enroll", s);
  ASSERT_EQ(e.status, 200) << e.body;
  const json b = Body(e);
  EXPECT_TRUE(b["otpauth_uri"].get<std::string>().starts_with("otpauth://totp/"));
  EXPECT_TRUE(b["qr_svg"].get<std::string>().starts_with("<svg"));
  std::optional<auth::TotpRecord> rec;
  ASSERT_EQ(h.mem_.mfa.FindTotp("nurse.ada", &rec), Error::kOk);
  EXPECT_EQ(auth::Base32Encode(rec->secret), b["secret"]);
  EXPECT_EQ(Login().status, 200);
  EXPECT_FALSE(Body(Login()).contains("mfa_required")) << "pending: not yet a second factor";

  const HttpResponse wrong =
      h.Call("POST", "/account/mfa/confirm", s,
             json{{"code", Code(rec->secret, kNow + 10 * kStep)}}.dump(), kJson);
  EXPECT_EQ(wrong.status, 422);
  const HttpResponse ok = h.Call("POST", "/account/mfa/confirm", s,
                                 json{{"code", Code(rec->secret, kNow)}}.dump(), kJson);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok)["recovery_codes"].size(), auth::kRecoveryCodeCount);
  EXPECT_EQ(LastReason(), "mfa enrolled (totp); 10 recovery codes");
  EXPECT_TRUE(Body(Login()).value("mfa_required", false));
  EXPECT_EQ(h.Call("POST", "/account/mfa/enroll", s).status, 409)
      << "a session alone cannot replace the second factor";
}

TEST_F(MfaApi, ScryptHashIsUpgradedToArgon2idOnTheNextLogin) {
  UserAccount u;
  u.user_id = "dr.old";
  u.role = policy::Role::kDoctor;
  u.password_hash = *auth::HashScryptPassword("an old pass phrase of mine", {10, 8, 1});
  ASSERT_TRUE(h.directory_.Create(u).ok());
  const auto login = [&] {
    return h.Call("POST", "/login", {},
                  json{{"user", "dr.old"}, {"password", "an old pass phrase of mine"}}.dump(),
                  kJson);
  };
  ASSERT_EQ(login().status, 200);
  EXPECT_EQ(LastReason(), "login; password hash upgraded");
  std::optional<UserAccount> after;
  ASSERT_TRUE(h.directory_.Find("dr.old", &after).ok());
  EXPECT_TRUE(after->password_hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"))
      << after->password_hash;
  ASSERT_EQ(login().status, 200);
  EXPECT_EQ(LastReason(), "login") << "upgraded once";
}

TEST_F(MfaApi, SessionEndsWhenIdleAndAtItsAbsoluteLimit) {
  const Credentials s = SessionOf(Login());
  const auth::SessionConfig c;
  EXPECT_EQ(h.Call("POST", "/account/mfa/enroll", s, "", "", kNow + c.idle_timeout).status, 401);
  const Credentials t = SessionOf(Login());
  TimeUs at = kNow;
  // Kept busy, it still ends at the absolute limit.
  while (at + c.idle_timeout / 2 < kNow + c.absolute_timeout) {
    at += c.idle_timeout / 2;
    ASSERT_NE(h.Call("GET", "/admin/users", t, "", "", at).status, 401) << (at - kNow) / kSeconds;
  }
  EXPECT_EQ(h.Call("GET", "/admin/users", t, "", "", kNow + c.absolute_timeout).status, 401);
}

TEST_F(MfaApi, DisablingAUserEndsTheirSessions) {
  const Credentials s = SessionOf(Login());
  const Credentials admin = h.Person("root", policy::Role::kAdmin);
  ASSERT_EQ(h.Call("DELETE", "/admin/users/nurse.ada", admin).status, 200);
  EXPECT_EQ(h.Call("POST", "/account/mfa/enroll", s).status, 401);
}

}  // namespace
}  // namespace vigil::cloud::api
