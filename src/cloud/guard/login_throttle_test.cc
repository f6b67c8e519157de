#include "cloud/guard/login_throttle.h"

#include <gtest/gtest.h>

#include <vector>

namespace vigil::guard {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

// An attacker who always tries again as soon as the throttle allows. Returns the time of
// the last attempt.
TimeUs Hammer(LoginThrottle& t, const LoginAttempt& a, int attempts, TimeUs start,
              std::vector<TimeUs>* delays = nullptr) {
  TimeUs now = start;
  for (int i = 0; i < attempts; ++i) {
    Result<ThrottleVerdict> v = t.Check(a, now);
    EXPECT_TRUE(v.ok());
    if (!v->allowed) {
      if (delays) delays->push_back(v->retry_at - now);
      now = v->retry_at;
      EXPECT_TRUE(t.Check(a, now)->allowed);
    }
    EXPECT_TRUE(t.RecordFailure(a, now).ok());
  }
  return now;
}

TEST(LoginThrottle, DelaysGrowAndAreCapped) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  const LoginAttempt a{"dr.grey", "203.0.113.9", Factor::kPassword, false};
  std::vector<TimeUs> delays;
  Hammer(t, a, 40, kNow, &delays);
  ASSERT_GE(delays.size(), 5u);
  EXPECT_EQ(delays[0], 1 * kSeconds);
  EXPECT_EQ(delays[1], 2 * kSeconds);
  EXPECT_EQ(delays[2], 4 * kSeconds);
  for (TimeUs d : delays) EXPECT_LE(d, 15 * 60 * kSeconds);
  EXPECT_EQ(delays.back(), 15 * 60 * kSeconds);
}

TEST(LoginThrottle, StrangerHammeringAnAccountDoesNotLockTheClinicianOut) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  const LoginAttempt attacker{"dr.grey", "203.0.113.9", Factor::kPassword, false};
  const TimeUs now = Hammer(t, attacker, 300, kNow);
  // Her usual workstation (trusted device cookie): no delay at all.
  const LoginAttempt own{"dr.grey", "10.1.2.3", Factor::kPassword, true};
  const Result<ThrottleVerdict> v = t.Check(own, now);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->allowed);
  // A workstation she never used: the account-wide delay, at most 30 s.
  const LoginAttempt fresh{"dr.grey", "10.1.2.4", Factor::kPassword, false};
  const Result<ThrottleVerdict> w = t.Check(fresh, now);
  ASSERT_TRUE(w.ok());
  EXPECT_LE(w->retry_at - now, 30 * kSeconds);
  // Meanwhile the attacker waits 15 minutes per guess.
  EXPECT_EQ(t.Check(attacker, now)->retry_at - now, 15 * 60 * kSeconds);
}

TEST(LoginThrottle, SuccessResetsOnlyThatSourcesCounter) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  const LoginAttempt typo{"nurse.joy", "10.1.2.3", Factor::kPassword, true};
  const TimeUs now = Hammer(t, typo, 7, kNow);
  EXPECT_FALSE(t.Check(typo, now)->allowed);
  t.RecordSuccess(typo, now);
  EXPECT_TRUE(t.Check(typo, now)->allowed);
}

TEST(LoginThrottle, UnknownAndKnownAccountsGetTheSameVerdicts) {
  InMemoryCounterStore s1, s2;
  LoginThrottle known(ThrottleConfig{}, s1), unknown(ThrottleConfig{}, s2);
  const LoginAttempt a{"nurse.joy", "198.51.100.7", Factor::kPassword, false};
  const LoginAttempt b{"no.such.user", "198.51.100.7", Factor::kPassword, false};
  std::vector<TimeUs> da, db;
  Hammer(known, a, 20, kNow, &da);
  Hammer(unknown, b, 20, kNow, &db);
  EXPECT_EQ(da, db);
}

TEST(LoginThrottle, PasswordAndSecondFactorAreCountedApart) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  const LoginAttempt pw{"dr.grey", "203.0.113.9", Factor::kPassword, false};
  const LoginAttempt otp{"dr.grey", "203.0.113.9", Factor::kSecondFactor, false};
  const TimeUs now = Hammer(t, pw, 12, kNow);
  EXPECT_FALSE(t.Check(pw, now)->allowed);
  EXPECT_TRUE(t.Check(otp, now)->allowed);
  const TimeUs later = Hammer(t, otp, 6, now);
  EXPECT_FALSE(t.Check(otp, later)->allowed);
}

TEST(LoginThrottle, CredentialStuffingFromOneSourceIsSlowedAcrossAccounts) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  TimeUs now = kNow;
  for (int i = 0; i < 25; ++i) {
    const std::string account = "user" + std::to_string(i);
    const LoginAttempt a{account, "203.0.113.50", Factor::kPassword, false};
    Result<ThrottleVerdict> v = t.Check(a, now);
    if (!v->allowed) now = v->retry_at;
    ASSERT_TRUE(t.RecordFailure(a, now).ok());
  }
  const LoginAttempt next{"user99", "203.0.113.50", Factor::kPassword, false};
  const Result<ThrottleVerdict> v = t.Check(next, now);
  EXPECT_FALSE(v->allowed);
  EXPECT_EQ(v->limited_by, "source");
  EXPECT_LE(v->retry_at - now, 60 * kSeconds);
  EXPECT_GE(t.RecordFailure(next, now)->source_failures, 26u);
}

TEST(LoginThrottle, FailuresAreForgottenAfterAnHour) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  const LoginAttempt a{"dr.grey", "203.0.113.9", Factor::kPassword, false};
  const TimeUs now = Hammer(t, a, 10, kNow);
  EXPECT_FALSE(t.Check(a, now)->allowed);
  EXPECT_TRUE(t.Check(a, now + 3600 * kSeconds)->allowed);
  EXPECT_EQ(t.RecordFailure(a, now + 3600 * kSeconds)->account_at_source_failures, 1u);
}

TEST(LoginThrottle, CountersHoldNoTypedText) {
  InMemoryCounterStore store;
  LoginThrottle t(ThrottleConfig{}, store);
  const LoginAttempt a{"MyPassw0rd!", "203.0.113.9", Factor::kPassword, false};
  ASSERT_TRUE(t.RecordFailure(a, kNow).ok());
  EXPECT_FALSE(store.Get("login:pw:acct:MyPassw0rd!").has_value());
  EXPECT_EQ(store.size(), 3u);
}

TEST(LoginThrottle, RetryAfterRoundsUp) {
  ThrottleVerdict v;
  v.allowed = false;
  v.retry_at = kNow + 1500 * kMillis;
  EXPECT_EQ(v.RetryAfterSeconds(kNow), 2);
  v.retry_at = kNow + 1;
  EXPECT_EQ(v.RetryAfterSeconds(kNow), 1);
}

}  // namespace
}  // namespace vigil::guard
