// Credentials: the OAuth2 token endpoint for machines; for people the password login, its
// second step (TOTP or a recovery code), logout, TOTP enrolment and the password change
// (docs/api.md, "Authentication"; docs/access-control.md).
//
// The login in two steps:
//   POST /login {user, password}
//     password wrong, unknown account, disabled    401 invalid_credentials
//     right, no second factor                      200 session body + Set-Cookie
//     right, TOTP enrolled                         200 {mfa_required, mfa_ticket}, no cookie
//   POST /login/mfa {mfa_ticket, code}
//     ticket malformed, unknown, expired, spent    401 invalid_ticket (password step again)
//     code wrong, replayed or malformed            401 invalid_code (the ticket counts it)
//     code right                                   200 session body + Set-Cookie
// Both steps pass the login throttle first, each with its own factor (login_throttle.h),
// and both are audited whatever their outcome.
#include <algorithm>
#include <cctype>

#include "cloud/api/api_call.h"
#include "cloud/auth/form.h"
#include "cloud/auth/mfa.h"
#include "cloud/auth/qr_code.h"
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

// The session body of a completed login (docs/api.md) and its cookie; audited.
HttpResponse OpenSession(ApiService::Impl& api, Call& call, const UserAccount& who,
                         const std::string& reason) {
  const std::optional<auth::NewSession> session = api.deps.sessions->Create(who.user_id, call.now);
  if (!session) return ErrorResponse(503, "unavailable");
  ++api.stats.logins;
  if (!AuditLogin(api, call, who.user_id, who.role, audit::Outcome::kSuccess, reason))
    return ErrorResponse(503, "unavailable");
  HttpResponse r = JsonResponse(200, {{"user_id", who.user_id},
                                      {"role", policy::RoleName(who.role)},
                                      {"display_name", who.display_name},
                                      {"csrf_token", session->csrf_token}});
  r.headers.emplace_back("Set-Cookie", session->set_cookie);
  return r;
}

// The text fields `names` of a form or JSON object body into `out` (in order); false and
// *error set when the body is neither or a field is not text.
bool ReadFields(const Call& call, std::initializer_list<std::string_view> names,
                std::vector<std::string>* out, HttpResponse* error) {
  out->assign(names.size(), "");
  const std::string_view ct = call.http.Header("content-type");
  if (ct.starts_with("application/x-www-form-urlencoded")) {
    const auto form = auth::ParseForm(call.http.body);
    if (!form) {
      *error = ErrorResponse(400, "bad_request", "malformed form");
      return false;
    }
    for (const auto& [k, v] : *form) {
      size_t i = 0;
      for (std::string_view n : names) {
        if (k == n) (*out)[i] = v;
        ++i;
      }
    }
    return true;
  }
  json b;
  if (!ParseJsonBody(call, false, &b, error)) return false;
  size_t i = 0;
  for (std::string_view n : names) {
    const std::string key(n);
    if (b.contains(key)) {
      if (!b[key].is_string()) {
        *error = ErrorResponse(400, "bad_request", key + ": text");
        return false;
      }
      (*out)[i] = b[key].get<std::string>();
    }
    ++i;
  }
  return true;
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
  std::string note;
  // An older or weaker hash is replaced now, while the password is at hand.
  if (auth::NeedsRehash(found->password_hash, api.config.password_params)) {
    const std::optional<std::string> fresh =
        auth::HashPassword(password, api.config.password_params);
    if (fresh && api.deps.directory->SetPasswordHash(found->user_id, *fresh).ok()) {
      note = "; password hash upgraded";
    } else {
      api.Log("warning", "password re-hash failed; the old hash stays", found->user_id);
    }
  }
  std::optional<auth::TotpRecord> totp;
  if (api.deps.mfa != nullptr && api.deps.mfa->FindTotp(found->user_id, &totp) != Error::kOk)
    return ErrorResponse(503, "unavailable");
  if (totp && totp->confirmed) {
    std::string ticket;
    if (auth::IssueTicket(*api.deps.mfa, found->user_id, call.now, api.config.mfa, &ticket) !=
        Error::kOk)
      return ErrorResponse(503, "unavailable");
    if (!AuditLogin(api, call, found->user_id, found->role, audit::Outcome::kSuccess,
                    "password accepted; second factor required" + note))
      return ErrorResponse(503, "unavailable");
    return JsonResponse(200, {{"mfa_required", true}, {"mfa_ticket", ticket}});
  }
  return OpenSession(api, call, *found, "login" + note);
}

HttpResponse LoginMfa(ApiService::Impl& api, Call& call) {
  std::vector<std::string> f;
  HttpResponse err;
  if (!ReadFields(call, {"mfa_ticket", "code"}, &f, &err)) return err;
  const std::string& ticket = f[0];
  const std::string& code = f[1];
  if (ticket.empty() || code.empty())
    return ErrorResponse(400, "bad_request", "mfa_ticket and code: required");
  if (api.deps.mfa == nullptr) return ErrorResponse(503, "unavailable");
  auth::MfaStore& store = *api.deps.mfa;

  const auto refuse_ticket = [&](std::string_view why) {
    if (!AuditLogin(api, call, "unknown account", policy::Role::kNurse, audit::Outcome::kDenied,
                    "second factor refused: " + std::string(why)))
      return ErrorResponse(503, "unavailable");
    return ErrorResponse(401, "invalid_ticket", "log in with the password again");
  };
  const std::optional<auth::Digest> hash = auth::TicketHash(ticket);
  if (!hash) return refuse_ticket("malformed ticket");
  std::optional<auth::MfaTicket> t;
  if (store.FindTicket(*hash, &t) != Error::kOk) return ErrorResponse(503, "unavailable");
  if (!t) return refuse_ticket("unknown or used ticket");
  if (call.now >= t->expires || t->failures >= api.config.mfa.ticket_max_failures) {
    bool taken = false;
    (void)store.TakeTicket(*hash, &taken);
    return refuse_ticket(call.now >= t->expires ? "ticket expired" : "ticket spent");
  }

  guard::LoginAttempt attempt;
  attempt.account = t->user_id;
  attempt.source = call.source;
  attempt.factor = guard::Factor::kSecondFactor;
  const Result<guard::ThrottleVerdict> verdict = api.deps.throttle->Check(attempt, call.now);
  if (!verdict.ok()) return ErrorResponse(503, "unavailable");
  std::optional<UserAccount> found;
  if (Status s = api.deps.directory->Find(t->user_id, &found); !s.ok())
    return StoreFailure(api, "directory", s);
  const std::string label = found ? found->user_id : "unknown account";
  const policy::Role role = found ? found->role : policy::Role::kNurse;
  if (!verdict.value().allowed) {
    HttpResponse r = ErrorResponse(429, "slow_down", "too many failed attempts; wait");
    r.headers.emplace_back("Retry-After",
                           std::to_string(verdict.value().RetryAfterSeconds(call.now)));
    if (!AuditLogin(api, call, label, role, audit::Outcome::kDenied,
                    "second factor delayed by " + std::string(verdict.value().limited_by)))
      return ErrorResponse(503, "unavailable");
    return r;
  }
  if (!found || found->disabled) {
    bool taken = false;
    (void)store.TakeTicket(*hash, &taken);
    return refuse_ticket("account disabled");
  }

  auth::SecondFactorCheck check;
  if (auth::CheckSecondFactor(store, found->user_id, code, call.now, api.config.mfa, &check) !=
      Error::kOk)
    return ErrorResponse(503, "unavailable");
  if (!check.ok()) {
    ++api.stats.login_failures;
    (void)store.CountTicketFailure(*hash);
    const Result<guard::ThrottleVerdict> after =
        api.deps.throttle->RecordFailure(attempt, call.now);
    if (!AuditLogin(api, call, label, role, audit::Outcome::kDenied,
                    "second factor refused: " + std::string(auth::SecondFactorName(check.result))))
      return ErrorResponse(503, "unavailable");
    if (after.ok())
      api.RaiseAlerts(
          api.deps.detectors->OnLoginFailure(label, call.http.remote, after.value(), call.now),
          &call);
    return ErrorResponse(401, "invalid_code");
  }
  // The ticket is spent by the one request that takes it: a second one racing with
  // another valid code (or a recovery code) finds it gone.
  bool taken = false;
  if (store.TakeTicket(*hash, &taken) != Error::kOk) return ErrorResponse(503, "unavailable");
  if (!taken) return refuse_ticket("ticket used concurrently");
  api.deps.throttle->RecordSuccess(attempt, call.now);
  return OpenSession(
      api, call, *found,
      check.result == auth::SecondFactor::kTotp
          ? std::string("login (password and totp)")
          : "login (password and recovery code; " + std::to_string(check.recovery_left) + " left)");
}

HttpResponse Logout(ApiService::Impl& api, Call& call) {
  HttpResponse r;
  r.status = 204;
  r.headers.emplace_back("Set-Cookie", api.deps.sessions->Logout(call.http.Header("cookie")));
  call.reason = "logout";
  return r;
}

HttpResponse AccountMfaEnroll(ApiService::Impl& api, Call& call) {
  if (api.deps.mfa == nullptr) return ErrorResponse(503, "unavailable");
  const std::string& user = call.subject->id;
  auth::TotpOffer offer;
  const Error e = auth::BeginTotpEnrolment(*api.deps.mfa, user, call.now, api.config.mfa, &offer);
  if (e == Error::kInvalidState) {
    call.reason = "mfa enrolment refused: already enrolled";
    return ErrorResponse(409, "already_enrolled", "a second factor is already active");
  }
  if (e != Error::kOk) return ErrorResponse(503, "unavailable");
  const std::optional<auth::QrMatrix> qr = auth::EncodeQr(offer.otpauth_uri);
  if (!qr) return ErrorResponse(503, "unavailable");
  call.reason = "mfa enrolment started (totp)";
  return JsonResponse(200, {{"secret", offer.secret_base32},
                            {"otpauth_uri", offer.otpauth_uri},
                            {"qr_svg", auth::QrSvg(*qr)}});
}

HttpResponse AccountMfaConfirm(ApiService::Impl& api, Call& call) {
  if (api.deps.mfa == nullptr) return ErrorResponse(503, "unavailable");
  std::vector<std::string> f;
  HttpResponse err;
  if (!ReadFields(call, {"code"}, &f, &err)) return err;
  if (f[0].empty()) return ErrorResponse(400, "bad_request", "code: required");
  std::vector<std::string> codes;
  const Error e = auth::ConfirmTotpEnrolment(*api.deps.mfa, call.subject->id, f[0], call.now,
                                             api.config.mfa, &codes);
  if (e == Error::kInvalidArgument) {
    call.reason = "mfa enrolment: wrong code";
    return ErrorResponse(422, "invalid_code", "not the code of the secret being enrolled");
  }
  if (e == Error::kInvalidState) {
    call.reason = "mfa enrolment: nothing pending";
    return ErrorResponse(409, "not_pending", "start with POST /account/mfa/enroll");
  }
  if (e != Error::kOk) return ErrorResponse(503, "unavailable");
  call.reason = "mfa enrolled (totp); " + std::to_string(codes.size()) + " recovery codes";
  return JsonResponse(200, {{"recovery_codes", codes}});
}

HttpResponse AccountPassword(ApiService::Impl& api, Call& call) {
  std::vector<std::string> f;
  HttpResponse err;
  if (!ReadFields(call, {"current_password", "new_password"}, &f, &err)) return err;
  const std::string& current = f[0];
  const std::string& fresh = f[1];
  if (current.empty() || fresh.empty())
    return ErrorResponse(400, "bad_request", "current_password and new_password: required");
  if (current.size() > auth::kMaxPasswordBytes)
    return ErrorResponse(400, "bad_request", "password too long");
  const std::string& user = call.subject->id;
  std::optional<UserAccount> found;
  if (Status s = api.deps.directory->Find(user, &found); !s.ok())
    return StoreFailure(api, "directory", s);
  if (!found || call.session == nullptr) return ErrorResponse(403, "forbidden");

  // The current password is guessed no faster here than at the login: a stolen session
  // must not become an oracle for it.
  guard::LoginAttempt attempt;
  attempt.account = user;
  attempt.source = call.source;
  attempt.factor = guard::Factor::kPassword;
  const Result<guard::ThrottleVerdict> verdict = api.deps.throttle->Check(attempt, call.now);
  if (!verdict.ok()) return ErrorResponse(503, "unavailable");
  if (!verdict.value().allowed) {
    call.reason = "password change delayed by " + std::string(verdict.value().limited_by);
    HttpResponse r = ErrorResponse(429, "slow_down", "too many failed attempts; wait");
    r.headers.emplace_back("Retry-After",
                           std::to_string(verdict.value().RetryAfterSeconds(call.now)));
    return r;
  }
  if (found->password_hash.empty() ||
      auth::VerifyPassword(current, found->password_hash) != auth::PasswordCheck::kMatch) {
    (void)api.deps.throttle->RecordFailure(attempt, call.now);
    call.reason = "password change refused: wrong current password";
    return ErrorResponse(403, "invalid_credentials", "the current password is wrong");
  }
  api.deps.throttle->RecordSuccess(attempt, call.now);
  std::optional<std::string> weak =
      auth::CheckPasswordPolicy(fresh, user, api.config.password_policy);
  if (!weak && fresh == current) weak = "the same as the current password";
  if (weak) {
    call.reason = "password change refused: " + *weak;
    return ErrorResponse(422, "weak_password", *weak);
  }
  const std::optional<std::string> hash = auth::HashPassword(fresh, api.config.password_params);
  if (!hash) return ErrorResponse(503, "unavailable");
  if (Status s = api.deps.directory->SetPasswordHash(user, *hash); !s.ok())
    return StoreFailure(api, "password change", s);
  // Whoever else holds a session of this account (a stolen cookie, another workstation)
  // is out; the person who changed it stays in.
  const size_t revoked = api.deps.session_store->RevokeOthers(user, call.session->id_hash);
  call.reason = "password changed; " + std::to_string(revoked) + " other sessions revoked";
  HttpResponse r;
  r.status = 204;
  return r;
}

}  // namespace vigil::cloud::api
