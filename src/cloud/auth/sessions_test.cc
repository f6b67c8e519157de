#include "cloud/auth/sessions.h"

#include <gtest/gtest.h>

namespace vigil::auth {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
constexpr TimeUs kMinute = 60 * kSeconds;

class SessionsTest : public ::testing::Test {
 protected:
  std::string Cookie(const NewSession& s) {
    return "theme=dark; __Host-vigil_session=" + s.session_id;
  }
  InMemorySessionStore store_;
  SessionManager mgr_{SessionConfig{}, store_};
};

TEST_F(SessionsTest, SetCookieHasEveryAttribute) {
  auto s = mgr_.Create("nurse-1", kNow);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->set_cookie.starts_with("__Host-vigil_session=" + s->session_id + ";"));
  for (const char* attr : {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(s->set_cookie.find(attr), std::string::npos) << attr;
  }
  EXPECT_EQ(s->set_cookie.find("Domain"), std::string::npos) << "__Host- forbids Domain";
}

TEST_F(SessionsTest, StoreHoldsOnlyAHashOfTheSessionId) {
  auto s = mgr_.Create("nurse-1", kNow);
  const SessionCheck c = mgr_.Check("GET", Cookie(*s), "", kNow);
  ASSERT_TRUE(c.ok());
  const std::string stored(c.record.id_hash.begin(), c.record.id_hash.end());
  EXPECT_EQ(stored.find(s->session_id), std::string::npos);
  EXPECT_NE(c.record.id_hash, Sha256({s->session_id}));
}

TEST_F(SessionsTest, StateChangingRequestNeedsTheSessionsCsrfToken) {
  auto s = mgr_.Create("nurse-1", kNow);
  auto other = mgr_.Create("nurse-2", kNow);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*s), "", kNow).error, SessionError::kOk);
  EXPECT_EQ(mgr_.Check("HEAD", Cookie(*s), "", kNow).error, SessionError::kOk);
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE"}) {
    EXPECT_EQ(mgr_.Check(method, Cookie(*s), "", kNow).error, SessionError::kCsrfMissing);
    EXPECT_EQ(mgr_.Check(method, Cookie(*s), other->csrf_token, kNow).error,
              SessionError::kCsrfMismatch);
    EXPECT_EQ(mgr_.Check(method, Cookie(*s), s->csrf_token, kNow).error, SessionError::kOk);
  }
}

TEST_F(SessionsTest, IdleAndAbsoluteTimeoutsEndTheSession) {
  auto s = mgr_.Create("nurse-1", kNow);
  TimeUs t = kNow;
  // Active every 10 minutes: idle never expires, the absolute limit does.
  while (t + 10 * kMinute < kNow + 12 * 60 * kMinute) {
    t += 10 * kMinute;
    ASSERT_EQ(mgr_.Check("GET", Cookie(*s), "", t).error, SessionError::kOk)
        << (t - kNow) / kMinute;
  }
  EXPECT_EQ(mgr_.Check("GET", Cookie(*s), "", kNow + 12 * 60 * kMinute).error,
            SessionError::kAbsoluteExpired);
  auto idle = mgr_.Create("nurse-2", kNow);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*idle), "", kNow + 15 * kMinute - 1).error, SessionError::kOk);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*idle), "", kNow + 29 * kMinute).error, SessionError::kOk);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*idle), "", kNow + 45 * kMinute).error,
            SessionError::kIdleExpired);
}

TEST_F(SessionsTest, LogoutAndPasswordChangeRevoke) {
  auto a = mgr_.Create("nurse-1", kNow);
  auto b = mgr_.Create("nurse-1", kNow);
  const std::string cleared = mgr_.Logout(Cookie(*a));
  EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*a), "", kNow).error, SessionError::kRevoked);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*b), "", kNow).error, SessionError::kOk);
  EXPECT_EQ(store_.RevokeUser("nurse-1"), 1u);
  EXPECT_EQ(mgr_.Check("GET", Cookie(*b), "", kNow).error, SessionError::kRevoked);
}

TEST_F(SessionsTest, MissingForgedAndDoubledCookiesAreRefused) {
  auto s = mgr_.Create("nurse-1", kNow);
  EXPECT_EQ(mgr_.Check("GET", "", "", kNow).error, SessionError::kNoCookie);
  EXPECT_EQ(mgr_.Check("GET", "vigil_session=" + s->session_id, "", kNow).error,
            SessionError::kNoCookie);
  EXPECT_EQ(mgr_.Check("GET", "__Host-vigil_session=abc", "", kNow).error,
            SessionError::kMalformed);
  EXPECT_EQ(mgr_.Check("GET", "__Host-vigil_session=' OR 1=1 --", "", kNow).error,
            SessionError::kMalformed);
  std::string forged = s->session_id;
  forged[0] = forged[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(mgr_.Check("GET", "__Host-vigil_session=" + forged, "", kNow).error,
            SessionError::kUnknown);
  EXPECT_EQ(
      mgr_.Check("GET", Cookie(*s) + "; __Host-vigil_session=" + s->session_id, "", kNow).error,
      SessionError::kMalformed);
}

TEST(CookieValue, ParsesTheRfc6265Syntax) {
  std::string v;
  EXPECT_EQ(CookieValue("a=1;b=2; c = 3 ", "c", &v), SessionError::kOk);
  EXPECT_EQ(v, "3");
  EXPECT_EQ(CookieValue("a=1; b=\"quoted\"", "b", &v), SessionError::kOk);
  EXPECT_EQ(v, "quoted");
  EXPECT_EQ(CookieValue("ab=1", "a", &v), SessionError::kNoCookie);
  EXPECT_EQ(CookieValue(";;;", "a", &v), SessionError::kNoCookie);
}

}  // namespace
}  // namespace vigil::auth
