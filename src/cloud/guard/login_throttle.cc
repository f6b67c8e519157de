#include "cloud/guard/login_throttle.h"

#include <algorithm>

#include "cloud/auth/secrets.h"
#include "common/hex.h"

namespace vigil::guard {
namespace {

std::string HashHex(std::string_view s) {
  const auth::Digest d = auth::Sha256({"vigil-throttle-v1", std::string_view("\0", 1), s});
  return ToHex(ByteSpan(d.data(), 16));  // 128 bits: no collisions that matter, short keys
}

uint32_t Failures(const std::optional<CounterState>& s, TimeUs now, TimeUs forget_after) {
  if (!s || now - s->updated >= forget_after) return 0;
  return static_cast<uint32_t>(s->value);
}

}  // namespace

TimeUs DelayAfter(const DelayRule& rule, uint32_t failures) {
  if (failures < rule.free_attempts) return 0;
  const uint32_t doublings = failures - rule.free_attempts;
  if (doublings >= 40) return rule.cap;
  return std::min(rule.cap, rule.base << doublings);
}

int64_t ThrottleVerdict::RetryAfterSeconds(TimeUs now) const {
  if (allowed) return 0;
  const TimeUs wait = retry_at - now;
  return std::max<int64_t>(1, (wait + kSeconds - 1) / kSeconds);
}

std::string LoginThrottle::Key(std::string_view kind, const LoginAttempt& a) const {
  std::string k = "login:";
  k += a.factor == Factor::kPassword ? "pw:" : "mfa:";
  k += kind;
  if (kind != "src") k += ":" + HashHex(a.account);
  if (kind != "acct") k += ":" + HashHex(a.source);
  return k;
}

Result<ThrottleVerdict> LoginThrottle::Check(const LoginAttempt& a, TimeUs now) const {
  ThrottleVerdict v;
  struct Rule {
    std::string_view name;
    std::string key;
    const DelayRule* rule;
    uint32_t* count;
    bool applies;
  };
  Rule rules[] = {
      {"account_at_source", Key("pair", a), &config_.account_at_source,
       &v.account_at_source_failures, true},
      {"source", Key("src", a), &config_.source, &v.source_failures, true},
      {"account", Key("acct", a), &config_.account, &v.account_failures, !a.trusted_device},
  };
  for (Rule& r : rules) {
    const std::optional<CounterState> s = store_.Get(r.key);
    *r.count = Failures(s, now, config_.forget_after);
    if (!r.applies || *r.count == 0) continue;
    const TimeUs next = s->updated + DelayAfter(*r.rule, *r.count);
    if (next > now && (v.allowed || next > v.retry_at)) {
      v.allowed = false;
      v.retry_at = next;
      v.limited_by = r.name;
    }
  }
  return v;
}

Result<ThrottleVerdict> LoginThrottle::RecordFailure(const LoginAttempt& a, TimeUs now) {
  ThrottleVerdict v;
  const TimeUs forget = config_.forget_after;
  auto bump = [&](const std::string& key, uint32_t* count) -> vigil::Error {
    Result<CounterState> r = store_.Update(key, [&](const std::optional<CounterState>& s) {
      return CounterState{static_cast<double>(Failures(s, now, forget) + 1), now};
    });
    if (!r.ok()) return r.error();
    *count = static_cast<uint32_t>(r->value);
    return vigil::Error::kOk;
  };
  for (vigil::Error e :
       {bump(Key("pair", a), &v.account_at_source_failures),
        bump(Key("src", a), &v.source_failures), bump(Key("acct", a), &v.account_failures)}) {
    if (e != vigil::Error::kOk) return e;
  }
  Result<ThrottleVerdict> next = Check(a, now);
  if (!next.ok()) return next;
  next->account_failures = v.account_failures;
  next->source_failures = v.source_failures;
  next->account_at_source_failures = v.account_at_source_failures;
  return next;
}

void LoginThrottle::RecordSuccess(const LoginAttempt& a, TimeUs now) {
  (void)now;
  store_.Erase(Key("pair", a));
  store_.Erase(Key("acct", a));
}

}  // namespace vigil::guard
