#include "cloud/auth/token_request.h"

#include <algorithm>
#include <optional>

#include "cloud/auth/base64url.h"
#include "cloud/auth/form.h"

namespace vigil::auth {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 6749 appendix A.4: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
bool IsScopeToken(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
  });
}

// client_id and client_secret: VSCHAR (%x20-7E), appendix A.1/A.2; we also refuse the
// empty id and bound both.
bool IsVsChars(std::string_view s, size_t max) {
  if (s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u <= 0x7e;
  });
}

TokenRequestParse Fail(OAuthError e, std::string why) {
  TokenRequestParse p;
  p.error = e;
  p.description = std::move(why);
  return p;
}

}  // namespace

std::string_view OAuthErrorCode(OAuthError e) {
  switch (e) {
    case OAuthError::kNone:
      return "";
    case OAuthError::kInvalidRequest:
      return "invalid_request";
    case OAuthError::kInvalidClient:
      return "invalid_client";
    case OAuthError::kInvalidGrant:
      return "invalid_grant";
    case OAuthError::kUnauthorizedClient:
      return "unauthorized_client";
    case OAuthError::kUnsupportedGrantType:
      return "unsupported_grant_type";
    case OAuthError::kInvalidScope:
      return "invalid_scope";
  }
  return "invalid_request";
}

int OAuthErrorStatus(OAuthError e) {
  if (e == OAuthError::kNone) return 200;
  return e == OAuthError::kInvalidClient ? 401 : 400;
}

TokenRequestParse ParseTokenRequest(std::string_view content_type, std::string_view authorization,
                                    std::string_view body) {
  if (body.size() > kMaxTokenRequestBytes) {
    return Fail(OAuthError::kInvalidRequest, "request body too large");
  }
  const std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  if (!IEquals(media, "application/x-www-form-urlencoded")) {
    return Fail(OAuthError::kInvalidRequest,
                "content type must be application/x-www-form-urlencoded");
  }
  std::optional<FormFields> form = ParseForm(body);
  if (!form) return Fail(OAuthError::kInvalidRequest, "malformed form body");

  const std::string* grant_type = nullptr;
  const std::string* scope = nullptr;
  const std::string* body_id = nullptr;
  const std::string* body_secret = nullptr;
  for (const auto& [k, v] : *form) {
    const std::string** slot = k == "grant_type"      ? &grant_type
                               : k == "scope"         ? &scope
                               : k == "client_id"     ? &body_id
                               : k == "client_secret" ? &body_secret
                                                      : nullptr;
    if (slot == nullptr) continue;  // section 3.2: unknown parameters are ignored
    if (*slot != nullptr) {
      return Fail(OAuthError::kInvalidRequest, "parameter " + k + " repeated");
    }
    *slot = &v;
  }
  if (grant_type == nullptr) return Fail(OAuthError::kInvalidRequest, "grant_type missing");
  if (*grant_type != "client_credentials") {
    return Fail(OAuthError::kUnsupportedGrantType, "only client_credentials is supported");
  }

  TokenRequestParse out;
  TokenRequest& r = out.request;
  const std::string_view auth = Trim(authorization);
  if (!auth.empty()) {
    if (body_id != nullptr || body_secret != nullptr) {
      return Fail(OAuthError::kInvalidRequest, "more than one client authentication method");
    }
    const size_t sp = auth.find(' ');
    if (sp == std::string_view::npos || !IEquals(auth.substr(0, sp), "Basic")) {
      return Fail(OAuthError::kInvalidClient, "client authentication must be HTTP Basic");
    }
    std::optional<std::vector<uint8_t>> raw = Base64Decode(Trim(auth.substr(sp + 1)));
    if (!raw) return Fail(OAuthError::kInvalidClient, "malformed Basic credentials");
    const std::string pair(raw->begin(), raw->end());
    const size_t colon = pair.find(':');
    if (colon == std::string::npos) {
      return Fail(OAuthError::kInvalidClient, "malformed Basic credentials");
    }
    std::optional<std::string> id = FormUnescape(std::string_view(pair).substr(0, colon));
    std::optional<std::string> secret = FormUnescape(std::string_view(pair).substr(colon + 1));
    if (!id || !secret) return Fail(OAuthError::kInvalidClient, "malformed Basic credentials");
    r.client_id = std::move(*id);
    r.client_secret = std::move(*secret);
    r.auth = ClientAuth::kBasic;
  } else {
    if (body_id == nullptr || body_secret == nullptr) {
      return Fail(OAuthError::kInvalidClient, "client authentication missing");
    }
    r.client_id = *body_id;
    r.client_secret = *body_secret;
    r.auth = ClientAuth::kBody;
  }
  if (r.client_id.empty() || !IsVsChars(r.client_id, kMaxClientIdBytes) ||
      r.client_secret.empty() || !IsVsChars(r.client_secret, 256)) {
    return Fail(OAuthError::kInvalidClient, "malformed client credentials");
  }

  if (scope != nullptr) {
    r.scope_given = true;
    std::string_view s = *scope;
    size_t start = 0;
    while (start <= s.size()) {
      size_t end = s.find(' ', start);
      if (end == std::string_view::npos) end = s.size();
      const std::string_view tok = s.substr(start, end - start);
      start = end + 1;
      if (!IsScopeToken(tok)) return Fail(OAuthError::kInvalidScope, "malformed scope");
      if (std::find(r.scopes.begin(), r.scopes.end(), tok) == r.scopes.end()) {
        r.scopes.emplace_back(tok);
      }
      if (r.scopes.size() > kMaxScopes) return Fail(OAuthError::kInvalidScope, "too many scopes");
    }
  }
  return out;
}

}  // namespace vigil::auth
