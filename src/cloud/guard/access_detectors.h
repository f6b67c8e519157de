// Detectors of unusual access to the API. They take what the API already knows after each
// request (who, which route, which patient, the policy's decision, from where, when) and
// return alerts in the gateway IDS's form (ids::Alert, written as EVE JSON by
// FormatApiEve), so that both join one alert stream (docs/ids.md).
//
// Signatures (guard/api_signatures.h), by detector:
//   9100200 outside_access: a person touched >= N distinct patients outside their
//           assignment (denied as not assigned or off duty, or under break-glass) within a
//           sliding window; once per holdoff per person.
//   9100201 service_baseline: a service account called a route it was refused, or one it
//           never called during its learning period; once per holdoff per route.
//   9100202 unusual_hour: a person with an established pattern (>= min events over >= min
//           span) acts in an hour of the day that holds < share of their events.
//   9100203 break_glass: every access under a break-glass grant (no holdoff).
//   9100204 break_glass: a break-glass grant was opened (with its reason).
//   9100205 brute_force: failures on one account (all sources) reached the threshold.
//   9100206 brute_force: failures from one source (all accounts) reached the threshold.
//   9100207 rate_limit: a client was refused by its rate limit; once per holdoff.
//   9100208 token: a bearer token with a forbidden alg or a bad signature.
//
// Time is the request's Unix time (microseconds); events must come in non-decreasing time
// per subject (the audit chain's order). State is in memory and bounded (max_subjects;
// the oldest subject is forgotten first). It is per process on purpose: run the detectors
// where all requests meet, on the consumer of the audit chain (one chain for all
// replicas), not in each replica, or each would see only its share and thresholds would
// be diluted. Not thread-safe: one consumer feeds it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cloud/auth/jwt.h"
#include "cloud/guard/login_throttle.h"
#include "cloud/policy/break_glass.h"
#include "cloud/policy/decision.h"
#include "cloud/policy/route_table.h"
#include "cloud/policy/subject.h"
#include "ids/alert.h"
#include "ids/signatures.h"

namespace vigil::guard {

struct DetectorConfig {
  // The cloud node's id in alerts ("observer"); not 0, which stands for "no device".
  uint64_t observer = 0xc10d000000000001;
  TimeUs outside_window = 3600 * kSeconds;
  uint32_t outside_patients = 5;
  TimeUs outside_holdoff = 3600 * kSeconds;
  TimeUs service_learn_for = 7 * 24 * 3600 * kSeconds;
  TimeUs service_holdoff = 3600 * kSeconds;
  uint32_t hours_min_events = 200;
  TimeUs hours_min_span = 7 * 24 * 3600 * kSeconds;
  double hours_rare_share = 0.01;
  TimeUs hours_holdoff = 8 * 3600 * kSeconds;
  int utc_offset_minutes = 0;  // the site's local time, for "hour of the day"
  uint32_t brute_account_threshold = 10;
  uint32_t brute_source_threshold = 20;
  TimeUs brute_holdoff = 15 * 60 * kSeconds;
  TimeUs rate_holdoff = 5 * 60 * kSeconds;
  TimeUs token_holdoff = 5 * 60 * kSeconds;
  size_t max_subjects = 100000;
};

struct AccessEvent {
  TimeUs time = 0;
  std::string_view subject_id;
  policy::Role role = policy::Role::kNurse;
  const policy::Route* route = nullptr;
  std::string_view patient_id;  // "" when the request named none
  const policy::Decision* decision = nullptr;
  std::string_view source;  // "ip:port" of the client
};

struct ApiAlert {
  ids::Alert alert;
  std::string source;  // "ip:port" of the client the evidence came from
};

class AccessDetectors {
 public:
  explicit AccessDetectors(DetectorConfig config) : config_(config) {}

  std::vector<ApiAlert> OnAccess(const AccessEvent& e);
  ApiAlert OnBreakGlassOpened(const policy::BreakGlassGrant& g, std::string_view source);
  // `account_label`: the user id when the account exists, else "unknown account" (never the
  // typed text: people type passwords into the user field). `v` from RecordFailure.
  std::vector<ApiAlert> OnLoginFailure(std::string_view account_label, std::string_view source,
                                       const ThrottleVerdict& v, TimeUs now);
  std::optional<ApiAlert> OnRateLimited(std::string_view client, policy::RateClass cls,
                                        std::string_view source, TimeUs now);
  // Only kWrongAlg and kBadSignature alert (an expired token is a clock or a slow client).
  std::optional<ApiAlert> OnTokenRejected(auth::TokenError e, std::string_view source, TimeUs now);

 private:
  struct Person {
    TimeUs last_seen = 0;
    std::deque<std::pair<TimeUs, std::string>> outside;  // (time, patient), bounded
    std::array<uint32_t, 24> hours{};
    uint32_t total = 0;
    TimeUs first_seen = 0;
  };
  struct Service {
    TimeUs last_seen = 0;
    TimeUs first_seen = 0;
    std::set<std::string, std::less<>> routes;
  };

  ApiAlert Make(const ids::Signature& s, std::string_view detector, TimeUs t, std::string detail,
                std::string_view source) const;
  // True (and the holdoff restarts) when `key` has not fired within `holdoff` of `now`.
  bool Fire(const std::string& key, TimeUs holdoff, TimeUs now);
  Person& PersonOf(std::string_view id, TimeUs now);
  Service& ServiceOf(std::string_view id, TimeUs now);
  int HourOfDay(TimeUs t) const;

  DetectorConfig config_;
  std::unordered_map<std::string, Person> people_;
  std::unordered_map<std::string, Service> services_;
  std::unordered_map<std::string, TimeUs> fired_;
};

// One EVE JSON line for an API alert: src = the client, dest = `listener` (the API's
// "ip:port"), proto TCP.
std::string FormatApiEve(const ApiAlert& a, std::string_view listener);

}  // namespace vigil::guard
