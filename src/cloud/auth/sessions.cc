#include "cloud/auth/sessions.h"

#include "cloud/auth/base64url.h"

namespace vigil::auth {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsSessionId(std::string_view v) {
  if (v.size() != 43) return false;
  std::optional<std::vector<uint8_t>> raw = Base64UrlDecode(v);
  return raw && raw->size() == 32;
}

Digest HashId(std::string_view id) {
  return Sha256({"vigil-session-v1", std::string_view("\0", 1), id});
}

}  // namespace

std::string_view SessionErrorName(SessionError e) {
  switch (e) {
    case SessionError::kOk:
      return "ok";
    case SessionError::kNoCookie:
      return "no_cookie";
    case SessionError::kMalformed:
      return "malformed";
    case SessionError::kUnknown:
      return "unknown";
    case SessionError::kRevoked:
      return "revoked";
    case SessionError::kIdleExpired:
      return "idle_expired";
    case SessionError::kAbsoluteExpired:
      return "absolute_expired";
    case SessionError::kCsrfMissing:
      return "csrf_missing";
    case SessionError::kCsrfMismatch:
      return "csrf_mismatch";
  }
  return "unknown";
}

bool IsStateChanging(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

SessionError CookieValue(std::string_view header, std::string_view name, std::string* value) {
  int found = 0;
  size_t start = 0;
  while (start <= header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string_view::npos) end = header.size();
    const std::string_view pair = Trim(header.substr(start, end - start));
    start = end + 1;
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) != name) continue;
    ++found;
    std::string_view v = Trim(pair.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    *value = std::string(v);
  }
  if (found == 0) return SessionError::kNoCookie;
  if (found > 1) {
    value->clear();
    return SessionError::kMalformed;
  }
  return SessionError::kOk;
}

std::string SessionManager::SetCookie(std::string_view session_id, TimeUs max_age) {
  return std::string(kSessionCookie) + "=" + std::string(session_id) +
         "; Path=/; Max-Age=" + std::to_string(max_age / kSeconds) +
         "; Secure; HttpOnly; SameSite=Strict";
}

std::string SessionManager::ClearCookie() {
  return std::string(kSessionCookie) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict";
}

std::optional<NewSession> SessionManager::Create(std::string_view user_id, TimeUs now) {
  std::optional<std::string> id = RandomToken(32), csrf = RandomToken(32);
  if (!id || !csrf || user_id.empty()) return std::nullopt;
  SessionRecord r;
  r.id_hash = HashId(*id);
  r.user_id = std::string(user_id);
  r.csrf_token = *csrf;
  r.created = now;
  r.last_seen = now;
  if (store_.Put(r) != vigil::Error::kOk) return std::nullopt;
  NewSession s;
  s.session_id = std::move(*id);
  s.csrf_token = std::move(*csrf);
  s.set_cookie = SetCookie(s.session_id, config_.absolute_timeout);
  return s;
}

SessionCheck SessionManager::Check(std::string_view method, std::string_view cookie_header,
                                   std::string_view csrf_header, TimeUs now) {
  SessionCheck out;
  std::string id;
  out.error = CookieValue(cookie_header, kSessionCookie, &id);
  if (out.error != SessionError::kOk) return out;
  if (!IsSessionId(id)) {
    out.error = SessionError::kMalformed;
    return out;
  }
  const Digest h = HashId(id);
  std::optional<SessionRecord> r = store_.Find(h);
  if (!r) {
    out.error = SessionError::kUnknown;
    return out;
  }
  if (r->revoked) {
    out.error = SessionError::kRevoked;
    return out;
  }
  if (now - r->created >= config_.absolute_timeout) {
    out.error = SessionError::kAbsoluteExpired;
    return out;
  }
  if (now - r->last_seen >= config_.idle_timeout) {
    out.error = SessionError::kIdleExpired;
    return out;
  }
  if (IsStateChanging(method)) {
    const std::string_view token = Trim(csrf_header);
    if (token.empty()) {
      out.error = SessionError::kCsrfMissing;
      return out;
    }
    if (!ConstantTimeEqual(token, r->csrf_token)) {
      out.error = SessionError::kCsrfMismatch;
      return out;
    }
  }
  store_.Touch(h, now);
  r->last_seen = now;
  out.error = SessionError::kOk;
  out.record = std::move(*r);
  return out;
}

std::string SessionManager::Logout(std::string_view cookie_header) {
  std::string id;
  if (CookieValue(cookie_header, kSessionCookie, &id) == SessionError::kOk && IsSessionId(id)) {
    store_.Revoke(HashId(id));
  }
  return ClearCookie();
}

vigil::Error InMemorySessionStore::Put(const SessionRecord& r) {
  std::lock_guard lock(mu_);
  if (sessions_.count(r.id_hash)) return vigil::Error::kInvalidState;
  sessions_[r.id_hash] = r;
  return vigil::Error::kOk;
}

std::optional<SessionRecord> InMemorySessionStore::Find(const Digest& id_hash) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id_hash);
  if (it == sessions_.end()) return std::nullopt;
  return it->second;
}

void InMemorySessionStore::Touch(const Digest& id_hash, TimeUs now) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id_hash);
  if (it != sessions_.end() && now > it->second.last_seen) it->second.last_seen = now;
}

void InMemorySessionStore::Revoke(const Digest& id_hash) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(id_hash);
  if (it != sessions_.end()) it->second.revoked = true;
}

size_t InMemorySessionStore::RevokeUser(std::string_view user_id) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [h, r] : sessions_) {
    if (r.user_id == user_id && !r.revoked) {
      r.revoked = true;
      ++n;
    }
  }
  return n;
}

size_t InMemorySessionStore::RevokeOthers(std::string_view user_id, const Digest& keep) {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [h, r] : sessions_) {
    if (r.user_id == user_id && !r.revoked && h != keep) {
      r.revoked = true;
      ++n;
    }
  }
  return n;
}

}  // namespace vigil::auth
