// Credentials: the OAuth2 token endpoint for machines and the password login for people
// (docs/api.md, "Authentication"; docs/access-control.md).
#include <algorithm>
#include <cctype>

#include "cloud/api/api_call.h"
#include "cloud/auth/form.h"
#include "cloud/auth/secrets.h"
#include "cloud/auth/token_request.h"

namespace vigil::cloud::api {
namespace {

using nlohmann::json;

// The account as typed, normalised: blanks around it cut, lower case (user ids are).
std::string NormaliseAccount(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s.substr(0, 128));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Writes the login's own audit record: the actor is the account when it exists, else
// "unknown account" (never the typed text: people type passwords into the user field).
bool AuditLogin(ApiService::Impl& api, Call& call, const std::string& actor, policy::Role role,
                audit::Outcome outcome, std::string_view reason) {
  policy::Subject who;
  who.id = actor;
  who.role = role;
  const policy::Subject* saved = call.subject;
  call.subject = &who;
  call.reason = std::string(reason);
  call.audited_by_handler = true;
  const bool ok = api.Audit(call, outcome);
  call.subject = saved;
  return ok;
}

}  // namespace

HttpResponse TokenEndpoint(ApiService::Impl& api, Call& call) {
  call.actor_kind = audit::ActorKind::kService;
  const auth::TokenRequestParse parsed = auth::ParseTokenRequest(
      call.http.Header("content-type"), call.http.Header("authorization"), call.http.body);
  const auth::JwtIssuer* issuer = api.deps.token_keys->issuer();
  if (issuer == nullptr) return ErrorResponse(503, "temporarily_unavailable", "no signing key");
  const std::optional<std::string> jti = auth::RandomToken(16);
  if (!jti) return ErrorResponse(503, "temporarily_unavailable");
  const auth::TokenResponse tr =
      auth::HandleTokenRequest(parsed, *api.deps.clients, *issuer, *jti, call.now);
  const std::string actor = tr.client_id.empty()
                                ? std::string("unknown client")
                                : audit::ClampText(tr.client_id, audit::kMaxIdBytes);
  if (!AuditLogin(
          api, call, actor, policy::Role::kService,
          tr.error == auth::OAuthError::kNone ? audit::Outcome::kSuccess : audit::Outcome::kDenied,
          tr.error == auth::OAuthError::kNone
              ? "token issued, scope " + tr.scope
              : "token refused: " + std::string(auth::OAuthErrorCode(tr.error))))
    return ErrorResponse(503, "unavailable");
  HttpResponse r;
  r.status = tr.status;
  r.content_type = "application/json";
  r.body = tr.body;
  for (const auto& h : tr.headers) {
    if (h.first == "Content-Type" || h.first == "content-type") {
      r.content_type = h.second;
    } else {
      r.headers.push_back(h);
    }
  }
  return r;
}

HttpResponse Login(ApiService::Impl& api, Call& call) {
  std::string user, password;
  const std::string_view ct = call.http.Header("content-type");
  if (ct.starts_with("application/x-www-form-urlencoded")) {
    const auto form = auth::ParseForm(call.http.body);
    if (!form) return ErrorResponse(400, "bad_request", "malformed form");
    for (const auto& [k, v] : *form) {
      if (k == "user") user = v;
      if (k == "password") password = v;
    }
  } else if (ct.starts_with("application/json")) {
    const json b = json::parse(call.http.body, nullptr, false);
    if (!b.is_object() || !b.contains("user") || !b["user"].is_string() ||
        !b.contains("password") || !b["password"].is_string())
      return ErrorResponse(400, "bad_request", "user and password: text");
    user = b["user"].get<std::string>();
    password = b["password"].get<std::string>();
  } else {
    return ErrorResponse(415, "unsupported_media_type", "send a form or application/json");
  }
  if (user.empty() || password.empty())
    return ErrorResponse(400, "bad_request", "user and password: required");
  if (password.size() > auth::kMaxPasswordBytes)
    return ErrorResponse(400, "bad_request", "password too long");

  const std::string account = NormaliseAccount(user);
  guard::LoginAttempt attempt;
  attempt.account = account;
  attempt.source = call.source;
  attempt.factor = guard::Factor::kPassword;
  const Result<guard::ThrottleVerdict> verdict = api.deps.throttle->Check(attempt, call.now);
  if (!verdict.ok()) return ErrorResponse(503, "unavailable");  // fail closed
  if (!verdict.value().allowed) {
    // The same answer for a known and an unknown account (login_throttle.h).
    HttpResponse r = ErrorResponse(429, "slow_down", "too many failed attempts; wait");
    r.headers.emplace_back("Retry-After",
                           std::to_string(verdict.value().RetryAfterSeconds(call.now)));
    if (!AuditLogin(api, call, "unknown account", policy::Role::kNurse, audit::Outcome::kDenied,
                    "login delayed by " + std::string(verdict.value().limited_by)))
      return ErrorResponse(503, "unavailable");
    return r;
  }

  std::optional<UserAccount> found;
  if (Status s = api.deps.directory->Find(account, &found); !s.ok())
    return StoreFailure(api, "directory", s);
  bool ok = false;
  if (found && !found->disabled && !found->password_hash.empty()) {
    ok = auth::VerifyPassword(password, found->password_hash) == auth::PasswordCheck::kMatch;
  } else {
    auth::VerifyAgainstDummy(password, api.config.password_params);  // the same time
  }
  const std::string label = found ? found->user_id : "unknown account";
  const policy::Role role = found ? found->role : policy::Role::kNurse;
  if (!ok) {
    ++api.stats.login_failures;
    const Result<guard::ThrottleVerdict> after =
        api.deps.throttle->RecordFailure(attempt, call.now);
    if (!AuditLogin(api, call, label, role, audit::Outcome::kDenied, "invalid credentials"))
      return ErrorResponse(503, "unavailable");
    if (after.ok())
      api.RaiseAlerts(
          api.deps.detectors->OnLoginFailure(label, call.http.remote, after.value(), call.now),
          &call);
    return ErrorResponse(401, "invalid_credentials");
  }
  api.deps.throttle->RecordSuccess(attempt, call.now);
  const std::optional<auth::NewSession> session =
      api.deps.sessions->Create(found->user_id, call.now);
  if (!session) return ErrorResponse(503, "unavailable");
  ++api.stats.logins;
  if (!AuditLogin(api, call, found->user_id, found->role, audit::Outcome::kSuccess, "login"))
    return ErrorResponse(503, "unavailable");
  HttpResponse r = JsonResponse(200, {{"user_id", found->user_id},
                                      {"role", policy::RoleName(found->role)},
                                      {"display_name", found->display_name},
                                      {"csrf_token", session->csrf_token}});
  r.headers.emplace_back("Set-Cookie", session->set_cookie);
  return r;
}

}  // namespace vigil::cloud::api
