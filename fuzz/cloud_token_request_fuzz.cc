// Fuzzes the OAuth 2.0 token request parser (src/cloud/auth/token_request.h) and the
// grant behind it: whatever the bytes, the answer is one of the RFC 6749 outcomes with its
// status, a JSON body, and never a token for a client that did not prove its secret.
// Input: byte 0 splits the rest into the Authorization header and the body; the content
// type alternates between the right one and a wrong one on bit 0 of byte 1.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cloud/auth/client_credentials.h"
#include "cloud/auth/token_request.h"

namespace {

using namespace vigil;
using namespace vigil::auth;

void Require(bool ok) {
  if (!ok) std::abort();
}

struct Fixture {
  Fixture() {
    Require(GenerateSigningKey("k1", &key) == vigil::Error::kOk);
    ClientRecord r;
    r.client_id = "gw-01";
    r.secret_hash = ClientSecretHash("gw-01", "secret-of-gw-01");
    r.scopes = {"ingest"};
    clients.Put(r);
  }
  JwtSigningKey key;
  InMemoryClientStore clients;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();
  static const JwtIssuer issuer(JwtConfig{}, f->key);
  if (size < 2) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  const size_t split = data[0] < in.size() ? data[0] : in.size();
  const std::string_view auth = in.substr(0, split), body = in.substr(split);
  const std::string_view type = (data[1] & 1) ? "application/x-www-form-urlencoded" : "text/plain";

  const TokenRequestParse p = ParseTokenRequest(type, auth, body);
  if (p.ok()) {
    Require(!p.request.client_id.empty() && !p.request.client_secret.empty());
    Require(p.request.scopes.size() <= kMaxScopes);
  } else {
    Require(!p.description.empty());
  }
  const TokenResponse r =
      HandleTokenRequest(p, f->clients, issuer, "jti", 1'750'000'000LL * 1'000'000);
  const nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  Require(!j.is_discarded() && j.is_object());
  if (r.status == 200) {
    // Only the one client with its real secret can get here.
    Require(p.ok() && p.request.client_id == "gw-01" &&
            p.request.client_secret == "secret-of-gw-01");
    Require(j["token_type"] == "Bearer" && j["scope"] == "ingest");
  } else {
    Require(r.status == 400 || r.status == 401 || r.status == 503);
    Require(j.contains("error"));
  }
  return 0;
}
