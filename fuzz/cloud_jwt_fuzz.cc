// Fuzzes the access-token verifier (src/cloud/auth/jwt.h): any byte string is refused with
// a typed error, except a token the verifier's own key signed. The fuzzer cannot forge an
// ES256 signature, so an accepted token must be one of the seeds the issuer produced; the
// check is that nothing else (alg confusion, "none", stray headers, huge numbers) passes.
// Input: the token text. (The claim checks behind the signature are covered by the unit
// tests, which sign arbitrary claims; an attacker without the key cannot reach them.)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloud/auth/jwt.h"

namespace {

using namespace vigil;
using namespace vigil::auth;

void Require(bool ok) {
  if (!ok) std::abort();
}

constexpr TimeUs kNow = 1'750'000'000LL * 1'000'000;

struct Fixture {
  Fixture() : verifier(JwtConfig{}) {
    Require(GenerateSigningKey("k1", &key) == vigil::Error::kOk);
    Require(verifier.AddKey("k1", key.public_pem) == vigil::Error::kOk);
  }
  JwtSigningKey key;
  JwtVerifier verifier;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture();
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  const TokenCheck c = f->verifier.Verify(token, kNow);
  if (c.ok()) {
    // A random input cannot carry a valid signature by our key; an accepted token must
    // satisfy every claim rule.
    Require(!c.claims.subject.empty() && c.claims.kid == "k1");
    Require(c.claims.exp - c.claims.iat <= JwtConfig{}.max_lifetime_s);
    Require(c.claims.exp > kNow / 1'000'000 - JwtConfig{}.skew_s);
  } else {
    Require(TokenErrorName(c.error) != "unknown");
    Require(c.claims.subject.empty());
  }
  return 0;
}
