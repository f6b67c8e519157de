// Fuzzes the session checks that read request headers (src/cloud/auth/sessions.h): the
// Cookie header parser and the CSRF comparison. Whatever the bytes, no request is
// accepted except with the real cookie, and no state-changing one without the real
// token. Input: byte 0 selects the method; the rest is split at the first newline into
// the Cookie header and the X-CSRF-Token header.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloud/auth/sessions.h"

namespace {

using namespace vigil;
using namespace vigil::auth;

void Require(bool ok) {
  if (!ok) std::abort();
}

constexpr TimeUs kNow = 1'750'000'000LL * 1'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static InMemorySessionStore* store = new InMemorySessionStore();
  static SessionManager* mgr = new SessionManager(SessionConfig{}, *store);
  static const NewSession* s = new NewSession(*mgr->Create("nurse-1", kNow));
  if (size < 1) return 0;
  static constexpr std::string_view kMethods[] = {"GET",  "POST", "DELETE",
                                                  "HEAD", "PUT",  "OPTIONS"};
  const std::string_view method = kMethods[data[0] % 6];
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t nl = in.find('\n');
  const std::string_view cookie = in.substr(0, nl);
  const std::string_view csrf = nl == std::string_view::npos ? "" : in.substr(nl + 1);

  std::string value;
  const SessionError ce = CookieValue(cookie, kSessionCookie, &value);
  Require(ce == SessionError::kOk || ce == SessionError::kNoCookie ||
          ce == SessionError::kMalformed);

  const SessionCheck c = mgr->Check(method, cookie, csrf, kNow);
  if (c.ok()) {
    Require(value == s->session_id && c.record.user_id == "nurse-1");
    if (IsStateChanging(method)) {
      std::string_view t = csrf;
      while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
      Require(t == s->csrf_token);
    }
  }
  return 0;
}
