// The OAuth 2.0 client credentials grant (RFC 6749 section 4.4) for machines: a parsed
// token request (token_request.h) in, the RFC's JSON answer out (section 5.1 success,
// section 5.2 error), with the access token from JwtIssuer.
//
// Client secrets are random 256-bit values Vigil generates (GenerateClientSecret), so
// they are stored as a domain-separated SHA-256 (see api_keys.h for why a fast hash is
// right for a random secret). An unknown client id costs the same hash and comparison as
// a known one and gets the same invalid_client answer.
//
// Clients live behind ClientStore, which the database backs so that every replica sees
// the same clients; InMemoryClientStore is for tests and a single process.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloud/auth/jwt.h"
#include "cloud/auth/secrets.h"
#include "cloud/auth/token_request.h"

namespace vigil::auth {

struct ClientRecord {
  std::string client_id;
  Digest secret_hash{};             // ClientSecretHash(client_id, secret)
  std::vector<std::string> scopes;  // what it may ask for; the default when it asks none
  bool disabled = false;
};

Digest ClientSecretHash(std::string_view client_id, std::string_view secret);

// A new secret (32 random bytes, base64url: shown once to the operator) and its record.
// nullopt when the RNG fails.
std::optional<std::pair<std::string, ClientRecord>> GenerateClientSecret(
    std::string client_id, std::vector<std::string> scopes);

class ClientStore {
 public:
  virtual ~ClientStore() = default;
  virtual std::optional<ClientRecord> Find(std::string_view client_id) const = 0;
};

class InMemoryClientStore final : public ClientStore {
 public:
  void Put(ClientRecord r);
  std::optional<ClientRecord> Find(std::string_view client_id) const override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ClientRecord, std::less<>> clients_;
};

struct TokenResponse {
  int status = 400;
  std::string body;                                          // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type, Cache-Control, ...
  OAuthError error = OAuthError::kNone;
  std::string client_id;  // authenticated client on success; the claimed id on failure
  std::string scope;      // granted, space-separated
};

// `jti` is a fresh random id for the token. When signing fails (our fault, not the
// client's) the answer is 503 {"error":"temporarily_unavailable"} (the code RFC 6749
// section 4.1.2.1 defines for an overloaded or failing server).
TokenResponse HandleTokenRequest(const TokenRequestParse& parsed, const ClientStore& clients,
                                 const JwtIssuer& issuer, std::string_view jti, TimeUs now_unix);

}  // namespace vigil::auth
