// Short-lived access tokens: JWTs (RFC 7519) signed with ES256 (ECDSA P-256, SHA-256,
// RFC 7518 section 3.4) through libjwt 1.10, the Debian library. libjwt 1.10 has no EdDSA.
//
// The algorithm is pinned. libjwt 1.10's jwt_decode verifies with whatever `alg` the
// header names, using the key it is given as that algorithm's key: given our public key
// and a header saying HS256, it would check an HMAC keyed with the public key's PEM text,
// which anyone can compute (algorithm confusion). So the verifier reads the header itself
// first and refuses every `alg` but "ES256" (including "none"), every header parameter but
// alg/typ/kid (no jku/jwk/x5u key injection, no crit), a signature that is not 64 bytes,
// and only then lets libjwt check the signature with the P-256 public key named by `kid`;
// afterwards it checks that libjwt did verify ES256. Keys enter the verifier only after
// OpenSSL has parsed them as EC P-256 public keys.
//
// Claims, all required: iss (equal to the configured issuer), aud (the configured
// audience, as a string or an array containing it), sub, jti, iat, nbf, exp (integers,
// Unix seconds). With skew s: exp + s > now, nbf - s <= now, iat - s <= now, and
// exp - iat <= max_lifetime (a token minted for a day is refused even if signed).
//
// Rotation: the issuer signs with one key, named by `kid`; verifiers hold every key whose
// tokens may still be live (the new and the previous one, for lifetime + skew after a
// rotation). Keys are plain values the caller loads from the shared database.
//
// Cost: libjwt 1.10 parses the PEM key on every jwt_decode, which makes a verification
// several times dearer than the bare ECDSA check (bench/cloud_access_bench.cc). A machine
// presents the same token for its whole lifetime, so the verifier remembers tokens it has
// verified, by SHA-256 of the whole token (any changed byte misses), up to
// `verified_cache_entries`; a hit still runs the time checks (exp, nbf, iat) against
// `now`. Adding or removing a key empties the cache.
//
// Not thread-safe for writes: AddKey/RemoveKey must not run during Verify (the API swaps
// a whole verifier). Verify (the cache has its own mutex) and Issue may run concurrently.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/error.h"
#include "common/time.h"

namespace vigil::auth {

enum class TokenError : uint8_t {
  kOk,
  kOversized,     // longer than JwtConfig::max_token_bytes
  kMalformed,     // not three base64url parts, header or payload not a JSON object,
                  // unknown header parameter, claim of the wrong type
  kWrongAlg,      // alg missing or not ES256 ("none", "HS256", "RS256", ...)
  kUnknownKey,    // kid missing or not held
  kBadSignature,  // the ES256 signature does not verify
  kWrongIssuer,
  kWrongAudience,
  kExpired,
  kNotYetValid,     // nbf in the future
  kIssuedInFuture,  // iat in the future
  kLifetimeTooLong,
  kMissingClaim,
};
std::string_view TokenErrorName(TokenError e);

struct JwtConfig {
  std::string issuer = "https://vigil.invalid";
  std::string audience = "vigil-api";
  int64_t lifetime_s = 300;      // what Issue gives
  int64_t max_lifetime_s = 900;  // what Verify accepts
  int64_t skew_s = 30;
  size_t max_token_bytes = 4096;
  size_t verified_cache_entries = 4096;  // 0: verify every time
};

// An ES256 key pair in PEM (PKCS#8 private, SubjectPublicKeyInfo public).
struct JwtSigningKey {
  std::string kid;
  std::string private_pem;
  std::string public_pem;
};

// A fresh P-256 key from OpenSSL. kCrypto on failure; kInvalidArgument for an empty kid.
vigil::Error GenerateSigningKey(std::string kid, JwtSigningKey* out);

struct AccessClaims {
  std::string kid;
  std::string subject;  // the client id (client credentials) or service account
  std::string scope;    // space-separated (RFC 6749 section 3.3)
  std::string jti;
  int64_t iat = 0, nbf = 0, exp = 0;
};

struct TokenCheck {
  TokenError error = TokenError::kMalformed;
  AccessClaims claims;  // valid when error == kOk
  bool ok() const { return error == TokenError::kOk; }
};

class JwtIssuer {
 public:
  JwtIssuer(JwtConfig config, JwtSigningKey key);
  // A signed token for `subject` with `scope`, iat = nbf = now, exp = now + lifetime.
  // `jti` must be unique (random); kCrypto when libjwt or OpenSSL fail.
  vigil::Error Issue(std::string_view subject, std::string_view scope, std::string_view jti,
                     TimeUs now_unix, std::string* token) const;
  const JwtConfig& config() const { return config_; }

 private:
  JwtConfig config_;
  JwtSigningKey key_;
};

class JwtVerifier {
 public:
  explicit JwtVerifier(JwtConfig config);
  // kInvalidArgument unless `public_pem` parses as an EC P-256 public key.
  vigil::Error AddKey(std::string kid, std::string public_pem);
  void RemoveKey(std::string_view kid);
  TokenCheck Verify(std::string_view token, TimeUs now_unix) const;

 private:
  TokenCheck VerifyUncached(std::string_view token, TimeUs now_unix) const;

  JwtConfig config_;
  std::map<std::string, std::string, std::less<>> keys_;  // kid -> public PEM
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<std::string, AccessClaims> cache_;  // SHA-256 of token -> claims
  mutable std::deque<std::string> cache_order_;                  // insertion order, for eviction
};

}  // namespace vigil::auth
