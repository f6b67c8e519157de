// The cloud's HTTPS API (docs/api.md): every route of policy/route_table.h, behind one
// pipeline that no route can skip:
//
//   1. route      the route table matches method and target (404, 405, 400, 414);
//   2. identify   a bearer JWT (OAuth2 client credentials), an API key, or a session
//                 cookie (with its CSRF token on a state-changing request); a credential
//                 that is present but wrong is a 401, never a fallback to another one;
//   3. limit      the rate limit of the route's class, per client (429 + Retry-After);
//   4. target     the patient or ward the route names, as the database knows it now (an
//                 unknown patient looks like one outside the caller's wards: 403 either
//                 way, so ids cannot be probed);
//   5. decide     policy::Decide: allow or deny, the rule, the obligations;
//   6. answer     the route's handler (only after an allow);
//   7. audit      one record per decision the policy obliges (who, what, which patient,
//                 from where, decision, rule, outcome), appended before the answer leaves;
//                 if the append fails the answer is replaced by a 503 (an access that
//                 cannot be audited does not happen);
//   8. detect     the access detectors see every decision; their alerts are stored
//                 beside the gateways' (AlertSink) and audited as security events.
//
// Errors carry a JSON body {"error": code, "rule": rule-or-absent, "detail": text} with
// nothing internal in it: a database or crypto failure is a 503 {"error":
// "unavailable"} (the log has the detail), never a message from inside.
//
// Threads: Handle runs on the HTTP server's I/O thread; the Database and the stores it
// was given are used from that thread only (Stats is read from any thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cloud/api/api_stores.h"
#include "cloud/auth/api_keys.h"
#include "cloud/auth/client_credentials.h"
#include "cloud/auth/jwt.h"
#include "cloud/auth/mfa.h"
#include "cloud/auth/password_hash.h"
#include "cloud/auth/password_policy.h"
#include "cloud/auth/sessions.h"
#include "cloud/crypto/keyring.h"
#include "cloud/guard/access_detectors.h"
#include "cloud/guard/login_throttle.h"
#include "cloud/guard/rate_limiter.h"
#include "cloud/ingest/ingester.h"
#include "cloud/policy/break_glass.h"
#include "cloud/store/database.h"
#include "daemon/http_server.h"
#include "edge/uplink/command.h"

namespace vigil::cloud::api {

struct ApiConfig {
  // How clients reach the API (FHIR Bundle links, AuditEvent source); no trailing '/'.
  std::string public_base = "https://127.0.0.1:8443";
  std::string listener = "127.0.0.1:8443";  // the API's own address, in EVE alerts
  std::string site;                         // the deployment, in AuditEvent and alerts
  std::string mrn_system = "urn:oid:2.16.840.1.113883.3.9999.1";  // the hospital's MRNs
  // New password hashes and the dummy verify; the policy of new passwords (user creation,
  // password change); TOTP and the login tickets.
  auth::Argon2Params password_params;
  auth::PasswordPolicy password_policy;
  auth::MfaConfig mfa;
  size_t max_ingest_lines = 2000;
  int64_t max_trend_ms = 48LL * 3600 * 1000;  // raw readings per request; longer: history
  size_t max_trend_rows = 20000;
};

// Everything the pipeline uses; all outlive the service.
struct ApiDeps {
  Database* db = nullptr;
  const Keyring* keys = nullptr;
  auth::SessionManager* sessions = nullptr;
  auth::SessionStore* session_store = nullptr;  // the one `sessions` uses
  auth::ApiKeyStore* api_keys = nullptr;
  const auth::ClientStore* clients = nullptr;
  TokenKeys* token_keys = nullptr;  // no key yet: the token endpoint answers 503
  guard::LoginThrottle* throttle = nullptr;
  guard::RateLimiter* limiter = nullptr;
  guard::AccessDetectors* detectors = nullptr;
  policy::BreakGlassStore* grants = nullptr;
  Directory* directory = nullptr;
  auth::MfaStore* mfa = nullptr;  // second factors and login tickets
  NotesStore* notes = nullptr;
  AuditSink* audit = nullptr;
  AlertSink* alerts = nullptr;
  // Receives what the HTTPS ingest commits (the ward streams); may be empty.
  CommitObserver commit_observer;
  // Signs the commands sent down to gateways (device revocation); null: the revoke route
  // answers 503.
  const uplink::CommandSigner* command_signer = nullptr;
  // Where one line of the service's JSON log goes (level, message, detail); may be empty.
  std::function<void(std::string_view, std::string_view, std::string_view)> log;
};

struct ApiStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> allowed{0};
  std::atomic<uint64_t> denied{0};           // by the policy (401 unauthenticated, 403)
  std::atomic<uint64_t> bad_credentials{0};  // a credential present and refused
  std::atomic<uint64_t> rate_limited{0};     // 429
  std::atomic<uint64_t> unrouted{0};         // 404, 405, 400, 414 before the pipeline
  std::atomic<uint64_t> audit_failures{0};   // answers replaced by 503
  std::atomic<uint64_t> store_failures{0};   // 503 from a handler
  std::atomic<uint64_t> alerts{0};           // API alerts raised
  std::atomic<uint64_t> logins{0};
  std::atomic<uint64_t> login_failures{0};
};

class ApiService {
 public:
  ApiService(ApiConfig config, ApiDeps deps);
  ~ApiService();
  ApiService(const ApiService&) = delete;
  ApiService& operator=(const ApiService&) = delete;

  // One request, at `now` (Unix time, microseconds).
  HttpResponse Handle(const HttpRequest& request, TimeUs now);

  const ApiStats& stats() const { return stats_; }
  const ApiConfig& config() const { return config_; }

  struct Impl;

 private:
  ApiConfig config_;
  ApiDeps deps_;
  ApiStats stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::cloud::api
