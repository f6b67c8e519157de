#include "cloud/api/api_runtime.h"

#include <chrono>

#include "cloud/api/database_alert_sink.h"
#include "cloud/api/database_stores.h"
#include "cloud/store/audit_head_key.h"
#include "cloud/store/gateway_commands.h"
#include "cloud/store/sql_api_key_store.h"
#include "cloud/store/sql_break_glass_store.h"
#include "cloud/store/sql_client_store.h"
#include "cloud/store/sql_counter_store.h"
#include "cloud/store/sql_session_store.h"
#include "cloud/tls/local_ca.h"
#include "daemon/metrics_text.h"

namespace vigil::cloud::api {
namespace {

TimeUs WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// Every store is the database's, on the API thread's connection: a replica keeps no
// state of its own but the access detectors' windows (docs/cloud.md, "Shared state").
struct ApiRuntime::State {
  std::unique_ptr<Database> db;
  Keyring keys;
  LocalCa ca;
  audit::HeadSigner head_signer;
  uplink::CommandSigner command_signer;
  std::unique_ptr<SqlSessionStore> session_store;
  std::unique_ptr<auth::SessionManager> sessions;
  std::unique_ptr<SqlApiKeyStore> api_keys;
  std::unique_ptr<SqlClientStore> clients;
  std::unique_ptr<SqlCounterStore> counters;
  std::unique_ptr<guard::LoginThrottle> throttle;
  std::unique_ptr<guard::RateLimiter> limiter;
  std::unique_ptr<guard::AccessDetectors> detectors;
  std::unique_ptr<SqlBreakGlassStore> grants;
  std::unique_ptr<DatabaseDirectory> directory;
  std::unique_ptr<DatabaseNotes> notes;
  std::unique_ptr<DatabaseAuditSink> audit;
  std::unique_ptr<DatabaseTokenKeys> token_keys;
  std::unique_ptr<DatabaseAlertSink> alerts;
  std::unique_ptr<ApiService> service;
  HttpServer http;
  Logger* log = nullptr;
};

ApiRuntime::ApiRuntime() = default;
ApiRuntime::~ApiRuntime() { Stop(); }

Error ApiRuntime::Start(const ApiRuntimeOptions& o, const std::string& db_url,
                        std::vector<MasterKey> masters, Logger* log, std::string* why) {
  auto s = std::make_unique<State>();
  s->log = log;
  if (Status st = OpenDatabase(db_url, {}, &s->db); !st.ok()) {
    *why = "api database: " + st.ToString();
    return Error::kIo;
  }
  if (Status st = s->keys.Open(*s->db, std::move(masters), WallUs() / 1000); !st.ok()) {
    *why = "api keyring: " + st.ToString();
    return Error::kCrypto;
  }
  LocalCaConfig cc;
  cc.dir = o.ca_dir;
  cc.site = o.site;
  cc.names = o.names;
  if (LocalCaError e = EnsureLocalCa(cc, WallUs() / kSeconds, &s->ca, why);
      e != LocalCaError::kOk) {
    *why = "local CA: " + *why;
    return Error::kCrypto;
  }
  Database& db = *s->db;
  if (Status st = LoadOrCreateHeadSigner(db, s->keys, WallUs(), &s->head_signer); !st.ok()) {
    *why = "audit head key: " + st.ToString();
    return Error::kCrypto;
  }
  if (Status st = LoadOrCreateCommandSigner(db, s->keys, WallUs(), &s->command_signer); !st.ok()) {
    *why = "command key: " + st.ToString();
    return Error::kCrypto;
  }
  s->token_keys = std::make_unique<DatabaseTokenKeys>(db, s->keys, auth::JwtConfig{});
  if (Status st = s->token_keys->Load(WallUs()); !st.ok()) {
    *why = "signing keys: " + st.ToString();
    return Error::kCrypto;
  }
  s->session_store = std::make_unique<SqlSessionStore>(db);
  s->sessions = std::make_unique<auth::SessionManager>(auth::SessionConfig{}, *s->session_store);
  s->api_keys = std::make_unique<SqlApiKeyStore>(db);
  s->clients = std::make_unique<SqlClientStore>(db);
  s->counters = std::make_unique<SqlCounterStore>(db);
  s->throttle = std::make_unique<guard::LoginThrottle>(guard::ThrottleConfig{}, *s->counters);
  s->limiter = std::make_unique<guard::RateLimiter>(guard::RateLimitConfig{}, *s->counters);
  s->detectors = std::make_unique<guard::AccessDetectors>(guard::DetectorConfig{});
  s->grants = std::make_unique<SqlBreakGlassStore>(db);
  s->directory = std::make_unique<DatabaseDirectory>(db);
  s->notes = std::make_unique<DatabaseNotes>(db, s->keys);
  s->audit = std::make_unique<DatabaseAuditSink>(db, &s->head_signer);
  s->alerts = std::make_unique<DatabaseAlertSink>(db, o.site);

  ApiDeps d;
  d.db = &db;
  d.keys = &s->keys;
  d.sessions = s->sessions.get();
  d.session_store = s->session_store.get();
  d.api_keys = s->api_keys.get();
  d.clients = s->clients.get();
  d.token_keys = s->token_keys.get();
  d.throttle = s->throttle.get();
  d.limiter = s->limiter.get();
  d.detectors = s->detectors.get();
  d.grants = s->grants.get();
  d.directory = s->directory.get();
  d.notes = s->notes.get();
  d.audit = s->audit.get();
  d.alerts = s->alerts.get();
  d.command_signer = &s->command_signer;
  if (log != nullptr) {
    d.log = [log](std::string_view level, std::string_view msg, std::string_view detail) {
      Log(*log, level, msg).With("detail", detail);
    };
  }
  ApiConfig c;
  c.site = o.site;
  c.listener = o.listen;
  c.public_base = o.public_base.empty() ? "https://" + o.listen : o.public_base;
  s->service = std::make_unique<ApiService>(c, d);

  HttpServer::Options ho;
  ho.listen = o.listen;
  ho.max_body_bytes = o.max_body_bytes;
  ho.max_connections = o.max_connections;
  ho.request_timeout_ms = o.request_timeout_ms;
  HttpServer::TlsOptions tls;
  tls.cert_chain = s->ca.server_cert_path;
  tls.key = s->ca.server_key_path;
  ho.tls = tls;
  ApiService* service = s->service.get();
  if (Error e = s->http.Start(
          ho, [service](const HttpRequest& r) { return service->Handle(r, WallUs()); }, why);
      e != Error::kOk)
    return e;
  s_ = std::move(s);
  return Error::kOk;
}

void ApiRuntime::Stop() {
  if (s_) s_->http.Stop();
}

uint16_t ApiRuntime::port() const { return s_ ? s_->http.port() : 0; }
const ApiStats* ApiRuntime::stats() const { return s_ ? &s_->service->stats() : nullptr; }
std::string ApiRuntime::ca_cert_path() const { return s_ ? s_->ca.ca_cert_path : ""; }

std::string ApiRuntime::Metrics() const {
  if (!s_) return "";
  MetricsText m;
  const ApiStats& a = s_->service->stats();
  auto c = [&](std::string_view name, std::string_view help, uint64_t v) {
    m.Counter(name, help, static_cast<double>(v));
  };
  c("vigil_cloud_api_requests_total", "API requests received.", a.requests.load());
  c("vigil_cloud_api_allowed_total", "Requests the policy allowed.", a.allowed.load());
  c("vigil_cloud_api_denied_total", "Requests the policy denied.", a.denied.load());
  c("vigil_cloud_api_bad_credentials_total", "Credentials presented and refused.",
    a.bad_credentials.load());
  c("vigil_cloud_api_rate_limited_total", "Requests refused by a rate limit.",
    a.rate_limited.load());
  c("vigil_cloud_api_unrouted_total", "Requests that matched no route.", a.unrouted.load());
  c("vigil_cloud_api_audit_failures_total", "Answers withheld: the audit record failed.",
    a.audit_failures.load());
  c("vigil_cloud_api_store_failures_total", "Answers 503: the store failed.",
    a.store_failures.load());
  c("vigil_cloud_api_alerts_total", "Security alerts raised by the API.", a.alerts.load());
  c("vigil_cloud_api_logins_total", "Successful logins.", a.logins.load());
  c("vigil_cloud_api_login_failures_total", "Failed logins.", a.login_failures.load());
  const HttpServer::Stats h = s_->http.stats();
  c("vigil_cloud_api_tls_handshakes_total", "TLS handshakes finished.", h.tls_handshakes);
  c("vigil_cloud_api_tls_handshake_failures_total", "TLS handshakes failed.",
    h.tls_handshake_failures);
  c("vigil_cloud_api_plain_http_refused_total", "Plain HTTP sent to the TLS port.",
    h.plain_http_refused);
  c("vigil_cloud_api_timeouts_total", "Requests not received in time (slow clients).", h.timeouts);
  c("vigil_cloud_api_bad_requests_total", "Malformed, oversized requests.", h.bad_requests);
  return m.Render();
}

}  // namespace vigil::cloud::api
