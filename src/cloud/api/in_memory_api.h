// Every store of the API in its single-process form (api_stores.h and the auth, guard and
// policy headers), wired into ApiDeps: what the API's tests and benchmark run over, beside
// a real database for the clinical tables. `vigil cloud serve` uses the database's stores
// instead (api_runtime.cc).
#pragma once

#include <memory>

#include "cloud/api/api_service.h"

namespace vigil::cloud::api {

// A rate limit no test or benchmark reaches: they measure the pipeline, not the limiter.
inline guard::RateLimitConfig UnlimitedRates() {
  guard::RateLimitConfig c;
  for (auto& b : c.classes) b = {1e9, 1e9};
  return c;
}

struct InMemoryApi {
  explicit InMemoryApi(guard::RateLimitConfig limits = {}, auth::JwtConfig jwt = {})
      : sessions(auth::SessionConfig{}, session_store),
        throttle(guard::ThrottleConfig{}, counters),
        limiter(limits, counters),
        detectors(guard::DetectorConfig{}),
        token_keys(std::move(jwt)) {}

  // The dependencies for ApiService. `audit_sink` null: the in-memory chain below.
  ApiDeps Deps(Database* db, const Keyring* keys, AlertSink* alerts,
               AuditSink* audit_sink = nullptr) {
    ApiDeps d;
    d.db = db;
    d.keys = keys;
    d.sessions = &sessions;
    d.session_store = &session_store;
    d.api_keys = &api_keys;
    d.clients = &clients;
    d.token_keys = &token_keys;
    d.throttle = &throttle;
    d.limiter = &limiter;
    d.detectors = &detectors;
    d.grants = &grants;
    d.directory = &directory;
    d.mfa = &mfa;
    d.notes = &notes;
    d.audit = audit_sink != nullptr ? audit_sink : &audit;
    d.alerts = alerts;
    return d;
  }

  auth::InMemorySessionStore session_store;
  auth::SessionManager sessions;
  auth::InMemoryApiKeyStore api_keys;
  auth::InMemoryClientStore clients;
  guard::InMemoryCounterStore counters;
  guard::LoginThrottle throttle;
  guard::RateLimiter limiter;
  guard::AccessDetectors detectors;
  policy::InMemoryBreakGlassStore grants;
  InMemoryDirectory directory;
  auth::InMemoryMfaStore mfa;
  InMemoryNotes notes;
  InMemoryAuditLog audit;
  InMemoryTokenKeys token_keys;
};

}  // namespace vigil::cloud::api
