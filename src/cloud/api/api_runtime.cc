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
#include "cloud/store/sql_mfa_store.h"
#include "cloud/store/sql_session_store.h"
#include "cloud/tls/local_ca.h"
#include "cloud/web/security_headers.h"
#include "cloud/web/static_site.h"
#include "cloud/web/ward_events.h"
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
  std::unique_ptr<SqlMfaStore> mfa;
  std::unique_ptr<DatabaseNotes> notes;
  std::unique_ptr<DatabaseAuditSink> audit;
  std::unique_ptr<DatabaseTokenKeys> token_keys;
  std::unique_ptr<DatabaseAlertSink> alerts;
  std::unique_ptr<ApiService> service;
  web::StaticSite site;
  std::unique_ptr<web::WardEvents> events;
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
  s->sessions = std::make_unique<auth::SessionManager>(o.sessions, *s->session_store);
  s->api_keys = std::make_unique<SqlApiKeyStore>(db);
  s->clients = std::make_unique<SqlClientStore>(db);
  s->counters = std::make_unique<SqlCounterStore>(db);
  s->throttle = std::make_unique<guard::LoginThrottle>(guard::ThrottleConfig{}, *s->counters);
  s->limiter = std::make_unique<guard::RateLimiter>(guard::RateLimitConfig{}, *s->counters);
  s->detectors = std::make_unique<guard::AccessDetectors>(guard::DetectorConfig{});
  s->grants = std::make_unique<SqlBreakGlassStore>(db);
  s->directory = std::make_unique<DatabaseDirectory>(db);
  s->mfa = std::make_unique<SqlMfaStore>(db, s->keys);
  s->notes = std::make_unique<DatabaseNotes>(db, s->keys);
  s->audit = std::make_unique<DatabaseAuditSink>(db, &s->head_signer);
  s->alerts = std::make_unique<DatabaseAlertSink>(db, o.site);

  // The bus publishes into the listener's streams; the listener starts below, and
  // Publish before Start is dropped (HttpServer::Publish), so nothing races.
  HttpServer* http = &s->http;
  s->events = std::make_unique<web::WardEvents>(
      [http](std::string_view stream, std::string_view event, std::string_view data) {
        http->Publish(stream, event, data);
      });
  web::WardEvents* events = s->events.get();

  ApiDeps d;
  d.commit_observer = [events](const CommittedBatch& b) { events->OnCommitted(b); };
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
  d.mfa = s->mfa.get();
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
  c.password_params = o.password_params;
  c.mfa.issuer = o.mfa_issuer.empty() ? "Vigil " + o.site : o.mfa_issuer;
  c.listener = o.listen;
  c.public_base = o.public_base.empty() ? "https://" + o.listen : o.public_base;
  s->service = std::make_unique<ApiService>(c, d);

  HttpServer::Options ho;
  ho.listen = o.listen;
  ho.max_body_bytes = o.max_body_bytes;
  ho.max_connections = o.max_connections;
  ho.request_timeout_ms = o.request_timeout_ms;
  ho.stream_max_lifetime_ms = o.stream_lifetime_ms;
  // Above any id an earlier process gave: a browser reconnecting after a restart with
  // its old Last-Event-ID gets every new event.
  ho.stream_first_id = static_cast<uint64_t>(WallUs());
  HttpServer::TlsOptions tls;
  tls.cert_chain = s->ca.server_cert_path;
  tls.key = s->ca.server_key_path;
  ho.tls = tls;
  const std::string web_dir = o.web_dir.empty() ? web::DefaultWebDir() : o.web_dir;
  std::string web_why;
  if (web_dir.empty() || s->site.Load(web_dir, &web_why) != Error::kOk) {
    if (log != nullptr)
      Log(*log, "warning", "dashboard not served: build it with scripts/web.sh")
          .With("detail", web_dir.empty() ? std::string("no web directory found") : web_why);
  }
  ApiService* service = s->service.get();
  const web::StaticSite* site = &s->site;
  if (Error e = s->http.Start(
          ho,
          [service, site](const HttpRequest& r) {
            HttpResponse resp;
            if (web::StaticSite::IsSitePath(r.path) && site->loaded()) {
              resp = site->Serve(r);
            } else if (r.path == "/" && !site->loaded()) {
              resp = HttpResponse::Json(
                  404, "{\"error\":\"not_found\",\"detail\":\"the dashboard is not installed\"}\n");
            } else {
              resp = service->Handle(r, WallUs());
            }
            web::ApplySecurityHeaders(&resp);
            return resp;
          },
          why);
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
std::string ApiRuntime::web_dir() const { return s_ && s_->site.loaded() ? s_->site.dir() : ""; }

CommitObserver ApiRuntime::commit_observer() {
  if (!s_) return {};
  web::WardEvents* events = s_->events.get();
  return [events](const CommittedBatch& b) { events->OnCommitted(b); };
}

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
  m.Gauge("vigil_cloud_stream_clients", "Browsers following a ward stream now.",
          static_cast<double>(h.stream_clients));
  c("vigil_cloud_stream_dropped_total", "Stream followers dropped for falling behind.",
    h.stream_dropped_clients);
  c("vigil_cloud_stream_events_total", "Events published to the ward streams.", h.stream_events);
  return m.Render();
}

}  // namespace vigil::cloud::api
