// Brute-force protection for logins: growing delays, never a lockout a stranger can cause.
//
// Three failure counters per factor (the password and the second factor are counted
// apart: passing the password does not reset the TOTP counter, and TOTP failures do not
// slow the password step of another person), each with its own free attempts, doubling
// delay and cap:
//
// | counter            | key                       | free | delay after that   | cap    |
// |--------------------|---------------------------|------|--------------------|--------|
// | account at source  | factor, account, source   | 5    | 1 s, 2 s, 4 s, ... | 15 min |
// | source             | factor, source            | 20   | 1 s, 2 s, 4 s, ... | 60 s   |
// | account            | factor, account           | 10   | 1 s, 2 s, 4 s, ... | 30 s   |
//
// An attempt is admitted when every counter that applies allows it: the next attempt on
// a counter is allowed at (last failure + delay). The account counter (all sources
// together) does not apply to a trusted device (one that already logged in as this
// account: the caller verifies its signed device cookie, OWASP's "device cookies"), and
// is capped at 30 s for everyone else. So while an attacker elsewhere hammers a
// clinician's account, the attacker's own source pays up to 15 min per guess, the
// clinician at her usual workstation is not delayed at all (the account-at-source
// counter there is hers alone), and on a new workstation she waits at most 30 s.
// Nothing ever locks: every delay is capped and every counter is forgotten after an hour
// without failures (the account and source counters) or reset by a success from that
// source (the account-at-source counter, and the account counter).
//
// A refused attempt (too early) is not checked and not counted: the password is never
// tried, so guessing during a delay is impossible, and hammering does not lengthen the
// delay of the next legitimate attempt.
//
// Unknown users: the caller passes the account name as typed (normalised), whether or not
// it exists, so the counters and the verdicts are the same for an unknown user as for a
// known one; the answer must also be the same ("invalid credentials", or 429 with the
// same Retry-After), and for the same time the caller verifies against a dummy hash
// (auth/password_hash.h VerifyAgainstDummy). Keys hold SHA-256 of the account and source,
// never the typed text (people type passwords into the user field).
//
// Counters live in a CounterStore shared by the replicas. Pure otherwise: `now` is Unix
// time in microseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cloud/guard/counter_store.h"

namespace vigil::guard {

enum class Factor : uint8_t { kPassword, kSecondFactor };

struct DelayRule {
  uint32_t free_attempts = 5;
  TimeUs base = kSeconds;
  TimeUs cap = 15 * 60 * kSeconds;
};

struct ThrottleConfig {
  DelayRule account_at_source{5, kSeconds, 15 * 60 * kSeconds};
  DelayRule source{20, kSeconds, 60 * kSeconds};
  DelayRule account{10, kSeconds, 30 * kSeconds};
  TimeUs forget_after = 3600 * kSeconds;
};

struct LoginAttempt {
  std::string_view account;  // as typed, normalised by the caller (case, blanks)
  std::string_view source;   // client IP address (not the port)
  Factor factor = Factor::kPassword;
  bool trusted_device = false;
};

struct ThrottleVerdict {
  bool allowed = true;
  TimeUs retry_at = 0;          // when !allowed: the earliest time to try again
  std::string_view limited_by;  // "account_at_source", "source" or "account"; "" if allowed
  // Failure counts after this call (for the brute-force alerts).
  uint32_t account_failures = 0;
  uint32_t source_failures = 0;
  uint32_t account_at_source_failures = 0;

  // Seconds for Retry-After (rounded up, at least 1).
  int64_t RetryAfterSeconds(TimeUs now) const;
};

// The delay after `failures` failures under `rule` (0 while within the free attempts).
TimeUs DelayAfter(const DelayRule& rule, uint32_t failures);

class LoginThrottle {
 public:
  LoginThrottle(ThrottleConfig config, CounterStore& store) : config_(config), store_(store) {}

  // Before checking credentials. A failing store fails closed (kIo: refuse the attempt).
  Result<ThrottleVerdict> Check(const LoginAttempt& a, TimeUs now) const;
  // After credentials failed; returns the counts after the failure.
  Result<ThrottleVerdict> RecordFailure(const LoginAttempt& a, TimeUs now);
  // After credentials passed for this factor.
  void RecordSuccess(const LoginAttempt& a, TimeUs now);

 private:
  std::string Key(std::string_view kind, const LoginAttempt& a) const;
  ThrottleConfig config_;
  CounterStore& store_;
};

}  // namespace vigil::guard
