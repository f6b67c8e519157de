#include "cloud/api/api_service.h"

#include <array>
#include <charconv>

#include "cloud/api/api_call.h"
#include "cloud/store/clinical_views.h"
#include "common/hex.h"
#include "ids/alert.h"

namespace vigil::cloud::api {
namespace {

using policy::Route;
using policy::RouteError;
using policy::RouteMatch;
using policy::TargetFrom;

struct Dispatch {
  std::string_view method;
  std::string_view pattern;
  Handler handler;
  audit::Event event;
};

// Every route of policy/route_table.h and what answers it; the API test checks that the
// two tables name the same routes.
constexpr std::array<Dispatch, 41> kDispatch = {{
    {"GET", "/api/wards/{ward}/latest", WardLatest, audit::Event::kSearch},
    {"GET", "/api/wards/{ward}/alarms", WardAlarms, audit::Event::kSearch},
    {"GET", "/api/patients/{patient}/vitals", PatientVitals, audit::Event::kSearch},
    {"GET", "/api/patients/{patient}/alarms", PatientAlarms, audit::Event::kSearch},
    {"POST", "/api/alarms/{alarm}/ack", AcknowledgeAlarmRoute, audit::Event::kUpdate},
    {"GET", "/api/patients/{patient}", PatientRecordRoute, audit::Event::kRead},
    {"GET", "/api/patients/{patient}/notes", PatientNotes, audit::Event::kSearch},
    {"POST", "/api/patients/{patient}/notes", AddPatientNote, audit::Event::kCreate},
    {"POST", "/api/patients/{patient}/break-glass", OpenBreakGlassRoute, audit::Event::kBreakGlass},
    {"GET", "/fhir/Observation", FhirObservationSearch, audit::Event::kSearch},
    {"GET", "/fhir/Patient/{patient}", FhirPatientRead, audit::Event::kRead},
    {"GET", "/fhir/$export", FhirExport, audit::Event::kExport},
    {"GET", "/fhir/AuditEvent", FhirAuditEvents, audit::Event::kExport},
    {"GET", "/audit", AuditList, audit::Event::kSearch},
    {"GET", "/alerts", AlertList, audit::Event::kSearch},
    {"POST", "/alerts/{alert}/ack", AlertAck, audit::Event::kUpdate},
    {"GET", "/admin/users", AdminListUsers, audit::Event::kSearch},
    {"POST", "/admin/users", AdminCreateUser, audit::Event::kCreate},
    {"DELETE", "/admin/users/{user}", AdminDisableUser, audit::Event::kDelete},
    {"POST", "/admin/api-keys", AdminCreateApiKey, audit::Event::kCreate},
    {"DELETE", "/admin/api-keys/{key}", AdminRevokeApiKey, audit::Event::kDelete},
    {"POST", "/admin/signing-keys/rotate", AdminRotateSigningKey, audit::Event::kUpdate},
    {"GET", "/admin/devices", AdminListDevices, audit::Event::kSearch},
    {"POST", "/admin/devices", AdminAddDevice, audit::Event::kCreate},
    {"POST", "/admin/devices/{device}/revoke", AdminRevokeDevice, audit::Event::kUpdate},
    {"GET", "/admin/commands", AdminListCommands, audit::Event::kSearch},
    {"POST", "/admin/admissions", AdminAdmit, audit::Event::kCreate},
    {"POST", "/admin/admissions/{patient}/discharge", AdminDischarge, audit::Event::kUpdate},
    {"POST", "/admin/beds/{ward}/{bed}/device", AdminAssignBedDevice, audit::Event::kUpdate},
    {"PATCH", "/admin/users/{user}", AdminUpdateUser, audit::Event::kUpdate},
    {"POST", "/admin/care-teams", AdminSetCareTeams, audit::Event::kUpdate},
    {"POST", "/ingest/v1/messages", IngestMessages, audit::Event::kCreate},
    {"POST", "/oauth/token", TokenEndpoint, audit::Event::kLogin},
    {"POST", "/login", Login, audit::Event::kLogin},
    {"POST", "/login/mfa", LoginMfa, audit::Event::kLogin},
    {"POST", "/logout", Logout, audit::Event::kLogout},
    {"POST", "/account/mfa/enroll", AccountMfaEnroll, audit::Event::kUpdate},
    {"POST", "/account/mfa/confirm", AccountMfaConfirm, audit::Event::kUpdate},
    {"POST", "/account/password", AccountPassword, audit::Event::kUpdate},
    {"GET", "/api/wards/{ward}/stream", WardStream, audit::Event::kSearch},
    {"GET", "/account", AccountRoute, audit::Event::kRead},
}};

const Dispatch* DispatchOf(const Route& r) {
  for (const Dispatch& d : kDispatch)
    if (d.method == r.method && d.pattern == r.pattern) return &d;
  return nullptr;
}

std::string HostOf(std::string_view remote) {
  const ids::EveEndpoint ep = ids::EveEndpointFromHostPort(remote);
  return ep.ip.empty() ? std::string(remote) : ep.ip;
}

// What identified the caller, if anything.
struct Identity {
  std::optional<policy::Subject> subject;
  std::optional<auth::SessionRecord> session;
  audit::ActorKind kind = audit::ActorKind::kUser;
  bool presented = false;  // a credential was present
  std::string failure;     // why a presented credential was refused
  int failure_status = 401;
  std::optional<auth::TokenError> token_error;
};

std::vector<std::string> SplitScopes(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t j = s.find(' ', i);
    const std::string_view part = s.substr(i, j == std::string_view::npos ? s.size() - i : j - i);
    if (!part.empty()) out.emplace_back(part);
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

// A state-changing request is refused when a browser sent it from another origin: browsers
// send Origin (and Sec-Fetch-Site) on every such request, and a page elsewhere that made
// one is a cross-site request forgery, whatever token or form it carries (login CSRF
// included). A request without either (curl, a gateway) is not a browser's.
bool CrossOrigin(const HttpRequest& r, const ApiConfig& c) {
  if (r.method == "GET" || r.method == "HEAD") return false;
  if (r.Header("sec-fetch-site") == "cross-site") return true;
  const std::string_view origin = r.Header("origin");
  if (origin.empty()) return false;
  const std::string_view host = r.Header("host");
  if (!host.empty() && origin == "https://" + std::string(host)) return false;
  return origin != c.public_base;
}

}  // namespace

std::string Call::Query(std::string_view name) const {
  for (const auto& [k, v] : match.query)
    if (k == name) return v;
  return "";
}

bool Call::HasQuery(std::string_view name) const {
  for (const auto& [k, v] : match.query)
    if (k == name) return true;
  return false;
}

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  return HttpResponse::Json(
      status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view detail,
                           std::string_view rule) {
  nlohmann::json j = {{"error", code}};
  if (!detail.empty()) j["detail"] = detail;
  if (!rule.empty()) j["rule"] = rule;
  return JsonResponse(status, j);
}

bool ParseJsonBody(const Call& call, bool empty_is_object, nlohmann::json* out,
                   HttpResponse* error) {
  if (empty_is_object && call.http.body.empty()) {
    *out = nlohmann::json::object();
    return true;
  }
  if (!call.http.Header("content-type").starts_with("application/json")) {
    *error = ErrorResponse(415, "unsupported_media_type", "send application/json");
    return false;
  }
  *out = nlohmann::json::parse(call.http.body, nullptr, false);
  if (out->is_discarded() || !out->is_object()) {
    *error = ErrorResponse(400, "bad_request", "the body is not a JSON object");
    return false;
  }
  return true;
}

HttpResponse StoreFailure(ApiService::Impl& api, std::string_view what, const Status& s) {
  ++api.stats.store_failures;
  api.Log("error", what, s.ToString());
  return ErrorResponse(503, "unavailable", "the service cannot answer now; try again");
}

std::string RefOf(std::string_view id) {
  return ToHex(ByteSpan(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
}

std::optional<std::string> IdOfRef(std::string_view ref) {
  if (ref.empty() || ref.size() > 512) return std::nullopt;
  const std::optional<std::vector<uint8_t>> bytes = FromHex(ref);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

std::optional<int64_t> ParseRowId(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return std::nullopt;
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

void ApiService::Impl::Log(std::string_view level, std::string_view message,
                           std::string_view detail) const {
  if (deps.log) deps.log(level, message, detail);
}

bool ApiService::Impl::Audit(const Call& call, audit::Outcome outcome,
                             std::string_view extra_reason) {
  audit::AuditRecord r;
  r.time_ms = call.now_ms();
  r.event = call.event;
  r.actor_kind = call.actor_kind;
  r.actor_id = call.subject != nullptr ? audit::ClampText(call.subject->id, audit::kMaxIdBytes)
                                       : std::string("anonymous");
  if (r.actor_id.empty()) r.actor_id = "anonymous";
  r.role = call.subject != nullptr ? std::string(policy::RoleName(call.subject->role)) : "";
  std::string op = call.http.method + " " + call.http.path;
  if (!call.http.query.empty()) op += "?" + call.http.query;
  r.operation = audit::ClampText(op, audit::kMaxOperationBytes);
  r.outcome = outcome;
  r.patient_id = call.patient;
  r.source_address = audit::ClampText(call.source, audit::kMaxAddressBytes);
  r.client = audit::ClampText(call.http.Header("user-agent"), audit::kMaxClientBytes);
  if (call.decision.rule.empty()) {
    r.decision = audit::Decision::kNone;
  } else {
    r.decision = call.decision.allowed() ? audit::Decision::kAllow : audit::Decision::kDeny;
    r.rule = std::string(call.decision.rule);
  }
  r.emergency = !call.decision.break_glass_grant.empty() || call.event == audit::Event::kBreakGlass;
  std::string reason = call.reason;
  if (!extra_reason.empty()) reason += (reason.empty() ? "" : "; ") + std::string(extra_reason);
  if (!call.decision.break_glass_grant.empty())
    reason += (reason.empty() ? "" : "; ") + ("grant " + call.decision.break_glass_grant);
  if (call.event == audit::Event::kBreakGlass && reason.empty()) reason = "break-glass";
  r.reason = audit::ClampText(reason, audit::kMaxReasonBytes);
  const Status s = deps.audit->Append(r, nullptr);
  if (!s.ok()) {
    ++stats.audit_failures;
    Log("error", "audit append failed: the answer is withheld", s.ToString());
    return false;
  }
  return true;
}

void ApiService::Impl::RaiseAlerts(const std::vector<guard::ApiAlert>& alerts, const Call* call) {
  for (const guard::ApiAlert& a : alerts) {
    ++stats.alerts;
    const std::string eve = guard::FormatApiEve(a, config.listener);
    if (deps.alerts != nullptr) {
      if (Status s = deps.alerts->Raise(a.alert, eve); !s.ok())
        Log("error", "alert not stored", s.ToString());
    }
    Log("warning", "security alert", eve);
    // A security event is audited too: the chain is the one record of what happened.
    audit::AuditRecord r;
    r.time_ms = a.alert.time / 1000;
    r.event = audit::Event::kSecurityAlert;
    r.actor_kind = call != nullptr ? call->actor_kind : audit::ActorKind::kUser;
    r.actor_id = call != nullptr && call->subject != nullptr
                     ? audit::ClampText(call->subject->id, audit::kMaxIdBytes)
                     : std::string("anonymous");
    if (r.actor_id.empty()) r.actor_id = "anonymous";
    r.outcome = audit::Outcome::kSuccess;
    r.source_address = audit::ClampText(HostOf(a.source), audit::kMaxAddressBytes);
    if (call != nullptr) r.patient_id = call->patient;
    r.reason = audit::ClampText(
        std::to_string(a.alert.signature_id) + " " + a.alert.signature + ": " + a.alert.detail,
        audit::kMaxReasonBytes);
    if (Status s = deps.audit->Append(r, nullptr); !s.ok()) {
      ++stats.audit_failures;
      Log("error", "audit append of an alert failed", s.ToString());
    }
  }
}

ApiService::ApiService(ApiConfig config, ApiDeps deps)
    : config_(std::move(config)),
      deps_(std::move(deps)),
      impl_(std::make_unique<Impl>(Impl{config_, deps_, stats_, nullptr})) {}

ApiService::~ApiService() = default;

HttpResponse ApiService::Handle(const HttpRequest& request, TimeUs now) {
  ++stats_.requests;
  Impl& api = *impl_;
  std::string target = request.path;
  if (!request.query.empty()) target += "?" + request.query;
  const RouteMatch m = policy::Match(request.method, target);
  switch (m.error) {
    case RouteError::kOk:
      break;
    case RouteError::kNotFound:
      ++stats_.unrouted;
      return ErrorResponse(404, "not_found");
    case RouteError::kMethodNotAllowed:
      ++stats_.unrouted;
      return ErrorResponse(405, "method_not_allowed");
    case RouteError::kMalformed:
      ++stats_.unrouted;
      return ErrorResponse(400, "bad_request", "malformed query string");
    case RouteError::kOversized:
      ++stats_.unrouted;
      return ErrorResponse(414, "uri_too_long");
  }
  const Route& route = *m.route;
  const Dispatch* dispatch = DispatchOf(route);
  if (dispatch == nullptr) return ErrorResponse(404, "not_found");

  Call call(request, m);
  call.now = now;
  call.source = HostOf(request.remote);
  call.event = dispatch->event;

  if (CrossOrigin(request, config_)) {
    ++stats_.bad_credentials;
    call.decision = policy::Decision{};
    call.decision.rule = "cross-origin-refused";
    call.reason = "Origin " + audit::ClampText(request.Header("origin"), 200);
    if (!api.Audit(call, audit::Outcome::kDenied)) return ErrorResponse(503, "unavailable");
    return ErrorResponse(403, "csrf", "cross-origin request refused", call.decision.rule);
  }

  // 2. Identify.
  Identity id;
  const std::string_view authz = request.Header("authorization");
  const std::string_view api_key_header = request.Header("x-api-key");
  const bool public_endpoint = route.resource == policy::Resource::kAuthEndpoint;
  if (!public_endpoint && authz.starts_with("Bearer ")) {
    id.presented = true;
    const auth::JwtVerifier* verifier = deps_.token_keys->verifier();
    if (verifier == nullptr) {
      id.failure = "token: no verifier";
    } else {
      const auth::TokenCheck tc = verifier->Verify(authz.substr(7), now);
      if (tc.ok()) {
        policy::Subject s;
        s.id = tc.claims.subject;
        s.role = policy::Role::kService;
        s.scopes = SplitScopes(tc.claims.scope);
        id.subject = std::move(s);
        id.kind = audit::ActorKind::kService;
      } else {
        id.failure = "token: " + std::string(auth::TokenErrorName(tc.error));
        id.token_error = tc.error;
      }
    }
  } else if (!public_endpoint && (authz.starts_with("ApiKey ") || !api_key_header.empty())) {
    id.presented = true;
    const std::string_view key = authz.starts_with("ApiKey ") ? authz.substr(7) : api_key_header;
    const auth::ApiKeyCheck kc = auth::VerifyApiKey(key, *deps_.api_keys, now);
    if (kc.ok()) {
      policy::Subject s;
      s.id = kc.record.owner;
      s.role = policy::Role::kService;
      s.scopes = kc.record.scopes;
      id.subject = std::move(s);
      id.kind = audit::ActorKind::kService;
    } else {
      id.failure = "api key: " + std::string(auth::ApiKeyErrorName(kc.error));
    }
  } else if (!public_endpoint && !authz.empty()) {
    id.presented = true;
    id.failure = "unsupported authorization scheme";
  } else if (!public_endpoint && !request.Header("cookie").empty()) {
    const auth::SessionCheck sc = deps_.sessions->Check(request.method, request.Header("cookie"),
                                                        request.Header("x-csrf-token"), now);
    if (sc.error != auth::SessionError::kNoCookie) {
      id.presented = true;
      if (sc.ok()) {
        std::optional<UserAccount> account;
        const Status s = deps_.directory->Find(sc.record.user_id, &account);
        if (!s.ok()) return StoreFailure(api, "directory", s);
        if (account && !account->disabled) {
          id.subject = SubjectOf(*account);
          id.session = sc.record;
          call.session_csrf = sc.record.csrf_token;
        } else {
          id.failure = "session: account disabled";
        }
      } else {
        id.failure = "session: " + std::string(auth::SessionErrorName(sc.error));
        if (sc.error == auth::SessionError::kCsrfMissing ||
            sc.error == auth::SessionError::kCsrfMismatch)
          id.failure_status = 403;
      }
    }
  }
  if (id.subject) call.subject = &*id.subject;
  if (id.session) call.session = &*id.session;
  call.actor_kind = id.kind;

  // 3. Limit, per client: the authenticated id, else the source address.
  const std::string client_key =
      id.subject ? (id.kind == audit::ActorKind::kService ? "svc:" : "user:") + id.subject->id
                 : "ip:" + call.source;
  const Result<guard::RateVerdict> rv = deps_.limiter->Admit(client_key, route.rate_class, now);
  if (!rv.ok()) {
    // The limit protects capacity; a counter store that fails admits (rate_limiter.h).
    api.Log("error", "rate limiter unavailable; request admitted", std::string(client_key));
  } else if (!rv.value().allowed) {
    ++stats_.rate_limited;
    if (auto alert =
            deps_.detectors->OnRateLimited(client_key, route.rate_class, request.remote, now))
      api.RaiseAlerts({*alert}, &call);
    HttpResponse r = ErrorResponse(429, "rate_limited", "too many requests");
    r.headers.emplace_back("Retry-After", std::to_string(rv.value().retry_after_s));
    return r;
  }

  // A credential that was presented and refused is a 401 (a forged or expired token, a
  // revoked key, a session past its time), or a 403 for a missing CSRF token. Audited as
  // a denied access by the authentication, not by a policy rule.
  if (id.presented && !id.subject) {
    ++stats_.bad_credentials;
    if (id.token_error) {
      if (auto alert = deps_.detectors->OnTokenRejected(*id.token_error, request.remote, now))
        api.RaiseAlerts({*alert}, &call);
    }
    call.decision = policy::Decision{};
    call.decision.rule = id.failure_status == 403 ? "csrf-token-required" : "unauthenticated";
    call.reason = id.failure;
    if (!api.Audit(call, audit::Outcome::kDenied)) return ErrorResponse(503, "unavailable");
    HttpResponse r = ErrorResponse(
        id.failure_status, id.failure_status == 403 ? "csrf" : "unauthenticated",
        id.failure_status == 403 ? "missing or wrong X-CSRF-Token" : "credential refused",
        call.decision.rule);
    if (id.failure_status == 401)
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigil\", error=\"invalid_token\"");
    return r;
  }

  // 4. Target, as the database knows it now.
  policy::AccessRequest req;
  req.resource = route.resource;
  req.action = route.action;
  std::optional<int64_t> patient_row;
  bool patient_named = false;
  switch (route.target) {
    case TargetFrom::kNone:
      break;
    case TargetFrom::kPathWard:
    case TargetFrom::kQueryWard:
      if (!m.target_id.empty()) {
        req.ward = m.target_id;
        call.ward = m.target_id;
      }
      break;
    case TargetFrom::kPathPatient:
    case TargetFrom::kQueryPatient:
      if (!m.target_id.empty()) {
        patient_named = true;
        patient_row = ParseRowId(m.target_id);
      }
      break;
    case TargetFrom::kAlarmPatient: {
      patient_named = true;
      std::optional<int64_t> p;
      if (const auto key = IdOfRef(m.target_id)) {
        if (Status s = AlarmPatient(*deps_.db, *key, &p); !s.ok())
          return StoreFailure(api, "alarm lookup", s);
      }
      patient_row = p;
      break;
    }
  }
  if (patient_named) {
    policy::PatientTarget t;
    t.id = patient_row ? std::to_string(*patient_row) : "unknown:" + m.target_id;
    if (patient_row) {
      std::optional<Admission> adm;
      if (Status s = CurrentAdmission(*deps_.db, *patient_row, &adm); !s.ok())
        return StoreFailure(api, "admission lookup", s);
      if (adm) t.ward = adm->ward;
      if (Status s = deps_.directory->CareTeamsOf(*patient_row, &t.care_teams); !s.ok())
        return StoreFailure(api, "care teams", s);
      call.patient = patient_row;
    }
    req.patient = std::move(t);
  }

  // 5. Decide.
  std::vector<policy::BreakGlassGrant> grants;
  if (call.subject != nullptr && policy::IsClinician(call.subject->role))
    grants = deps_.grants->ForSubject(call.subject->id, now - policy::kBreakGlassMaxDuration);
  call.decision = policy::Decide(call.subject, req, grants, now);

  guard::AccessEvent ev;
  ev.time = now;
  ev.subject_id = call.subject != nullptr ? std::string_view(call.subject->id) : "";
  ev.role = call.subject != nullptr ? call.subject->role : policy::Role::kNurse;
  ev.route = &route;
  const std::string patient_text = req.patient ? req.patient->id : "";
  ev.patient_id = patient_text;
  ev.decision = &call.decision;
  ev.source = request.remote;

  if (!call.decision.allowed()) {
    ++stats_.denied;
    const bool anonymous = call.subject == nullptr;
    if (call.decision.must_audit() && !api.Audit(call, audit::Outcome::kDenied))
      return ErrorResponse(503, "unavailable");
    if (!anonymous) api.RaiseAlerts(deps_.detectors->OnAccess(ev), &call);
    HttpResponse r = ErrorResponse(
        anonymous ? 401 : 403, anonymous ? "unauthenticated" : "forbidden", "", call.decision.rule);
    if (anonymous) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigil\"");
    return r;
  }
  ++stats_.allowed;

  // 6. Answer.
  // A read runs in one read transaction: every bed of a ward view comes from the same
  // snapshot, and SQLite takes its WAL read lock once instead of once per statement.
  const bool read_only = request.method == "GET" && !deps_.db->in_transaction();
  bool snapshot = false;
  if (read_only) {
    if (Status s = deps_.db->Begin(); !s.ok()) return StoreFailure(api, "begin", s);
    snapshot = true;
  }
  HttpResponse resp;
  try {
    resp = dispatch->handler(api, call);
  } catch (const std::exception& e) {
    api.Log("error", "handler failed", e.what());
    resp = ErrorResponse(500, "internal");
  }
  if (snapshot) {
    if (Status s = deps_.db->Commit(); !s.ok()) {
      deps_.db->Rollback();
      return StoreFailure(api, "end of read", s);
    }
  }

  // 7. Audit, before the answer leaves.
  if (call.decision.must_audit() && !call.audited_by_handler) {
    const audit::Outcome outcome = resp.status < 400    ? audit::Outcome::kSuccess
                                   : resp.status >= 500 ? audit::Outcome::kFailed
                                                        : audit::Outcome::kDenied;
    if (!api.Audit(call, outcome)) return ErrorResponse(503, "unavailable");
  }
  // 8. Detect (break-glass use, unusual hours, a service off its baseline).
  if (call.subject != nullptr) api.RaiseAlerts(deps_.detectors->OnAccess(ev), &call);
  return resp;
}

}  // namespace vigil::cloud::api
