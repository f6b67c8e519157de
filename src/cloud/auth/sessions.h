// Sessions for people (the login that creates them is the application layer's): a random
// 256-bit session id in a cookie, stored only as its SHA-256, with idle and absolute
// timeouts, and a CSRF token bound to the session that every state-changing request must
// echo (synchronizer token pattern).
//
// The cookie: `__Host-vigil_session=<id>; Path=/; Secure; HttpOnly; SameSite=Strict`.
// __Host- makes the browser refuse the cookie unless it is Secure, has Path=/ and no
// Domain, so a sibling subdomain cannot plant or shadow it; HttpOnly keeps it from
// scripts; SameSite=Strict keeps it off cross-site requests. A Cookie header carrying the
// name twice is refused (someone planted a second one).
//
// Why the id is stored hashed: whoever reads the sessions table (a backup, an SQL
// injection elsewhere) gets no cookie they can present. The CSRF token is stored as is:
// it is worthless without the cookie, and the dashboard must be able to fetch it again.
//
// State-changing means a method other than GET, HEAD and OPTIONS; the token comes in the
// X-CSRF-Token header and is compared in constant time.
//
// Sessions live behind SessionStore (the database: every replica sees a logout at once);
// InMemorySessionStore is for tests and a single process.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cloud/auth/secrets.h"
#include "common/error.h"
#include "common/time.h"

namespace vigil::auth {

inline constexpr std::string_view kSessionCookie = "__Host-vigil_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct SessionConfig {
  TimeUs idle_timeout = 15 * 60 * kSeconds;
  TimeUs absolute_timeout = 12 * 3600 * kSeconds;  // one shift
};

struct SessionRecord {
  Digest id_hash{};
  std::string user_id;
  std::string csrf_token;
  TimeUs created = 0;
  TimeUs last_seen = 0;
  bool revoked = false;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  virtual vigil::Error Put(const SessionRecord& r) = 0;
  virtual std::optional<SessionRecord> Find(const Digest& id_hash) const = 0;
  virtual void Touch(const Digest& id_hash, TimeUs now) = 0;
  virtual void Revoke(const Digest& id_hash) = 0;
  // Logout everywhere, password change: every session of the user. Returns how many.
  virtual size_t RevokeUser(std::string_view user_id) = 0;
  // Password change: every session of the user but `keep` (the one that changed it).
  virtual size_t RevokeOthers(std::string_view user_id, const Digest& keep) = 0;
};

class InMemorySessionStore final : public SessionStore {
 public:
  vigil::Error Put(const SessionRecord& r) override;
  std::optional<SessionRecord> Find(const Digest& id_hash) const override;
  void Touch(const Digest& id_hash, TimeUs now) override;
  void Revoke(const Digest& id_hash) override;
  size_t RevokeUser(std::string_view user_id) override;
  size_t RevokeOthers(std::string_view user_id, const Digest& keep) override;

 private:
  mutable std::mutex mu_;
  std::map<Digest, SessionRecord> sessions_;
};

enum class SessionError : uint8_t {
  kOk,
  kNoCookie,
  kMalformed,  // cookie value not a session id, or the cookie given twice
  kUnknown,
  kRevoked,
  kIdleExpired,
  kAbsoluteExpired,
  kCsrfMissing,
  kCsrfMismatch,
};
std::string_view SessionErrorName(SessionError e);

bool IsStateChanging(std::string_view method);

// The value of cookie `name` in a Cookie request header (RFC 6265 section 5.4 syntax).
// Returns kOk and the value, kNoCookie, or kMalformed when the name appears twice.
SessionError CookieValue(std::string_view cookie_header, std::string_view name, std::string* value);

struct NewSession {
  std::string session_id;  // the cookie value: shown to the browser only
  std::string csrf_token;
  std::string set_cookie;  // the Set-Cookie header value
};

struct SessionCheck {
  SessionError error = SessionError::kNoCookie;
  SessionRecord record;  // when kOk
  bool ok() const { return error == SessionError::kOk; }
};

class SessionManager {
 public:
  SessionManager(SessionConfig config, SessionStore& store) : config_(config), store_(store) {}

  // After a successful login. nullopt when the RNG or the store fails.
  std::optional<NewSession> Create(std::string_view user_id, TimeUs now);
  // Every request that carries a session. Refreshes the idle timer on success.
  SessionCheck Check(std::string_view method, std::string_view cookie_header,
                     std::string_view csrf_header, TimeUs now);
  // Revokes the session named by the cookie (if any) and returns the Set-Cookie value that
  // clears it in the browser.
  std::string Logout(std::string_view cookie_header);

  static std::string SetCookie(std::string_view session_id, TimeUs max_age);
  static std::string ClearCookie();

 private:
  SessionConfig config_;
  SessionStore& store_;
};

}  // namespace vigil::auth
