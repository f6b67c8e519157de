// Parsing of an OAuth 2.0 access token request for the client credentials grant (RFC 6749
// section 4.4.2): an application/x-www-form-urlencoded POST body with
// grant_type=client_credentials and an optional scope, the client authenticated either by
// HTTP Basic (section 2.3.1: client id and secret each form-urlencoded, then base64) or by
// client_id and client_secret in the body, never both (section 2.3: "MUST NOT use more
// than one authentication method in each request").
//
// Pure: bytes in, a request or the RFC's error out (section 5.2). Verifying the secret and
// minting the token is client_credentials.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::auth {

// RFC 6749 section 5.2 error codes.
enum class OAuthError : uint8_t {
  kNone,
  kInvalidRequest,
  kInvalidClient,
  kInvalidGrant,
  kUnauthorizedClient,
  kUnsupportedGrantType,
  kInvalidScope,
};
std::string_view OAuthErrorCode(OAuthError e);  // "invalid_request", ...
// 401 for invalid_client (section 5.2: with WWW-Authenticate when the client tried
// Basic; we always offer Basic), 400 for the others, 200 for kNone.
int OAuthErrorStatus(OAuthError e);

enum class ClientAuth : uint8_t { kBasic, kBody };

inline constexpr size_t kMaxTokenRequestBytes = 4096;
inline constexpr size_t kMaxClientIdBytes = 128;
inline constexpr size_t kMaxScopes = 16;

struct TokenRequest {
  std::string client_id;
  std::string client_secret;
  ClientAuth auth = ClientAuth::kBasic;
  bool scope_given = false;
  std::vector<std::string> scopes;  // distinct, in request order
};

struct TokenRequestParse {
  OAuthError error = OAuthError::kNone;
  std::string description;  // for error_description: ASCII, names the field, never a secret
  TokenRequest request;
  bool ok() const { return error == OAuthError::kNone; }
};

// `content_type` and `authorization` are the header values ("" when absent).
TokenRequestParse ParseTokenRequest(std::string_view content_type, std::string_view authorization,
                                    std::string_view body);

}  // namespace vigil::auth
