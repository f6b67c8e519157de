// Per-client rate limits on every route: a token bucket per (client key, route class),
// each class configured on its own (policy/route_table.h gives every route its class). A
// refused request gets the time until the bucket holds a token again, for Retry-After
// (RFC 9110 section 10.2.3) with status 429.
//
// The client key is what authenticated the request (API key id, token subject, session
// user) or, before authentication, the source address; the caller chooses. Buckets live
// in a CounterStore shared by the replicas, so N replicas do not give a client N times
// its rate.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "cloud/guard/counter_store.h"
#include "cloud/policy/route_table.h"

namespace vigil::guard {

struct BucketConfig {
  double burst = 60;       // bucket size: requests allowed at once
  double per_second = 10;  // refill rate
};

struct RateLimitConfig {
  // Indexed by policy::RateClass: auth, read, write, export, ingest, admin.
  std::array<BucketConfig, policy::kRateClassCount> classes = {{
      {10, 10.0 / 60},  // auth: token requests and logins, 10 per minute
      {120, 20},        // read: dashboard polling of a ward
      {30, 2},          // write: acknowledgements, notes
      {2, 1.0 / 60},    // export: bulk exports, one per minute
      {2000, 500},      // ingest: a gateway's batches
      {30, 1},          // admin
  }};
};

struct RateVerdict {
  bool allowed = true;
  int64_t retry_after_s = 0;  // when refused: seconds, rounded up, at least 1
};

class RateLimiter {
 public:
  RateLimiter(RateLimitConfig config, CounterStore& store) : config_(config), store_(store) {}
  // Takes one token. kIo when the store fails; the caller then admits the request and
  // logs the fault: the limit protects capacity, and refusing every request while the
  // counter table is down would turn a storage fault into an outage (authentication and
  // the policy are still enforced).
  Result<RateVerdict> Admit(std::string_view client_key, policy::RateClass cls, TimeUs now);

 private:
  RateLimitConfig config_;
  CounterStore& store_;
};

}  // namespace vigil::guard
