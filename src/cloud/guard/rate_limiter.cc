#include "cloud/guard/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace vigil::guard {

Result<RateVerdict> RateLimiter::Admit(std::string_view client_key, policy::RateClass cls,
                                       TimeUs now) {
  const BucketConfig& b = config_.classes[static_cast<size_t>(cls)];
  std::string key = "rate:";
  key += policy::RateClassName(cls);
  key += ":";
  key += client_key.substr(0, 256);
  RateVerdict v;
  Result<CounterState> r = store_.Update(key, [&](const std::optional<CounterState>& s) {
    double tokens = b.burst;
    if (s) {
      const double elapsed = static_cast<double>(std::max<TimeUs>(0, now - s->updated)) / 1e6;
      tokens = std::min(b.burst, s->value + elapsed * b.per_second);
    }
    // A bucket refilled over several calls sums fractions: allow for rounding, so that a
    // client retrying exactly at Retry-After is admitted.
    if (tokens >= 1 - 1e-9) {
      v.allowed = true;
      tokens = std::max(0.0, tokens - 1);
    } else {
      v.allowed = false;
      const double wait = b.per_second > 0 ? (1 - tokens) / b.per_second : 3600;
      v.retry_after_s = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
    }
    return CounterState{tokens, std::max(now, s ? s->updated : now)};
  });
  if (!r.ok()) return r.error();
  return v;
}

}  // namespace vigil::guard
