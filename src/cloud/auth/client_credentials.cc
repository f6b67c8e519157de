#include "cloud/auth/client_credentials.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace vigil::auth {
namespace {

std::vector<std::pair<std::string, std::string>> JsonHeaders() {
  // Section 5.1: tokens and errors must not be cached.
  return {{"Content-Type", "application/json;charset=UTF-8"},
          {"Cache-Control", "no-store"},
          {"Pragma", "no-cache"}};
}

TokenResponse Error(OAuthError e, std::string_view description, std::string client_id) {
  TokenResponse r;
  r.status = OAuthErrorStatus(e);
  r.error = e;
  r.client_id = std::move(client_id);
  nlohmann::json j = {{"error", OAuthErrorCode(e)}};
  if (!description.empty()) j["error_description"] = description;
  r.body = j.dump();
  r.headers = JsonHeaders();
  if (e == OAuthError::kInvalidClient) {
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"vigil\", charset=\"UTF-8\"");
  }
  return r;
}

}  // namespace

Digest ClientSecretHash(std::string_view client_id, std::string_view secret) {
  return Sha256({"vigil-client-secret-v1", std::string_view("\0", 1), client_id,
                 std::string_view("\0", 1), secret});
}

std::optional<std::pair<std::string, ClientRecord>> GenerateClientSecret(
    std::string client_id, std::vector<std::string> scopes) {
  std::optional<std::string> secret = RandomToken(32);
  if (!secret) return std::nullopt;
  ClientRecord r;
  r.secret_hash = ClientSecretHash(client_id, *secret);
  r.client_id = std::move(client_id);
  r.scopes = std::move(scopes);
  return std::make_pair(std::move(*secret), std::move(r));
}

void InMemoryClientStore::Put(ClientRecord r) {
  std::lock_guard lock(mu_);
  std::string id = r.client_id;
  clients_[std::move(id)] = std::move(r);
}

std::optional<ClientRecord> InMemoryClientStore::Find(std::string_view client_id) const {
  std::lock_guard lock(mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return std::nullopt;
  return it->second;
}

TokenResponse HandleTokenRequest(const TokenRequestParse& parsed, const ClientStore& clients,
                                 const JwtIssuer& issuer, std::string_view jti, TimeUs now_unix) {
  if (!parsed.ok()) return Error(parsed.error, parsed.description, parsed.request.client_id);
  const TokenRequest& req = parsed.request;

  const std::optional<ClientRecord> client = clients.Find(req.client_id);
  // The same work for an unknown client: hash and compare against a digest no secret has.
  const Digest presented = ClientSecretHash(req.client_id, req.client_secret);
  static const Digest kNoSecret = Sha256({"vigil-no-client"});
  const Digest& stored = client ? client->secret_hash : kNoSecret;
  const bool secret_ok = ConstantTimeEqual(presented, stored);
  if (!client || !secret_ok || client->disabled) {
    return Error(OAuthError::kInvalidClient, "client authentication failed", req.client_id);
  }

  std::vector<std::string> granted;
  if (req.scope_given) {
    for (const std::string& s : req.scopes) {
      if (std::find(client->scopes.begin(), client->scopes.end(), s) == client->scopes.end()) {
        return Error(OAuthError::kInvalidScope, "requested scope exceeds the client's scopes",
                     req.client_id);
      }
    }
    granted = req.scopes;
  } else {
    granted = client->scopes;
  }
  if (granted.empty()) {
    return Error(OAuthError::kInvalidScope, "the client has no scope", req.client_id);
  }
  std::string scope;
  for (const std::string& s : granted) scope += (scope.empty() ? "" : " ") + s;

  std::string token;
  if (issuer.Issue(req.client_id, scope, jti, now_unix, &token) != vigil::Error::kOk) {
    TokenResponse r;
    r.status = 503;
    r.body = R"({"error":"temporarily_unavailable"})";
    r.headers = JsonHeaders();
    r.client_id = req.client_id;
    return r;
  }
  TokenResponse r;
  r.status = 200;
  r.client_id = req.client_id;
  r.scope = scope;
  r.headers = JsonHeaders();
  r.body = nlohmann::json{
      {"access_token", token},
      {"token_type", "Bearer"},
      {"expires_in", issuer.config().lifetime_s},
      {"scope",
       scope}}.dump();
  return r;
}

}  // namespace vigil::auth
