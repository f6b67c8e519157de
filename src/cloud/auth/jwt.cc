#include "cloud/auth/jwt.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "cloud/auth/base64url.h"
#include "cloud/auth/secrets.h"

namespace vigil::auth {
namespace {

using Json = nlohmann::json;

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

std::string BioString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

bool IsP256PublicKey(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return false;
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_EC) return false;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &len) != 1) {
    return false;
  }
  return std::string_view(group, len) == "prime256v1" || std::string_view(group, len) == "P-256";
}

std::optional<Json> DecodeJsonPart(std::string_view part) {
  std::optional<std::vector<uint8_t>> bytes = Base64UrlDecode(part);
  if (!bytes) return std::nullopt;
  Json j = Json::parse(bytes->begin(), bytes->end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// The time rules, compared without overflow: an attacker picks these numbers.
TokenError CheckTimes(int64_t iat, int64_t nbf, int64_t exp, int64_t now, const JwtConfig& cfg) {
  const int64_t s = cfg.skew_s;
  if (exp <= now - s) return TokenError::kExpired;
  if (nbf > now + s) return TokenError::kNotYetValid;
  if (iat > now + s) return TokenError::kIssuedInFuture;
  if (exp < iat || iat < exp - cfg.max_lifetime_s) return TokenError::kLifetimeTooLong;
  return TokenError::kOk;
}

bool IsInt(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer();
}

}  // namespace

std::string_view TokenErrorName(TokenError e) {
  switch (e) {
    case TokenError::kOk:
      return "ok";
    case TokenError::kOversized:
      return "oversized";
    case TokenError::kMalformed:
      return "malformed";
    case TokenError::kWrongAlg:
      return "wrong_alg";
    case TokenError::kUnknownKey:
      return "unknown_key";
    case TokenError::kBadSignature:
      return "bad_signature";
    case TokenError::kWrongIssuer:
      return "wrong_issuer";
    case TokenError::kWrongAudience:
      return "wrong_audience";
    case TokenError::kExpired:
      return "expired";
    case TokenError::kNotYetValid:
      return "not_yet_valid";
    case TokenError::kIssuedInFuture:
      return "issued_in_future";
    case TokenError::kLifetimeTooLong:
      return "lifetime_too_long";
    case TokenError::kMissingClaim:
      return "missing_claim";
  }
  return "unknown";
}

vigil::Error GenerateSigningKey(std::string kid, JwtSigningKey* out) {
  if (kid.empty()) return vigil::Error::kInvalidArgument;
  PkeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) return vigil::Error::kCrypto;
  BioPtr priv(BIO_new(BIO_s_mem()), BIO_free), pub(BIO_new(BIO_s_mem()), BIO_free);
  if (!priv || !pub ||
      PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return vigil::Error::kCrypto;
  }
  out->kid = std::move(kid);
  out->private_pem = BioString(priv.get());
  out->public_pem = BioString(pub.get());
  return vigil::Error::kOk;
}

JwtIssuer::JwtIssuer(JwtConfig config, JwtSigningKey key)
    : config_(std::move(config)), key_(std::move(key)) {}

vigil::Error JwtIssuer::Issue(std::string_view subject, std::string_view scope,
                              std::string_view jti, TimeUs now_unix, std::string* token) const {
  if (subject.empty() || jti.empty()) return vigil::Error::kInvalidArgument;
  const long now = static_cast<long>(now_unix / kSeconds);
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return vigil::Error::kCrypto;
  JwtPtr j(raw);
  const std::string sub(subject), scp(scope), id(jti);
  bool ok = jwt_add_grant(j.get(), "iss", config_.issuer.c_str()) == 0 &&
            jwt_add_grant(j.get(), "aud", config_.audience.c_str()) == 0 &&
            jwt_add_grant(j.get(), "sub", sub.c_str()) == 0 &&
            jwt_add_grant(j.get(), "jti", id.c_str()) == 0 &&
            jwt_add_grant_int(j.get(), "iat", now) == 0 &&
            jwt_add_grant_int(j.get(), "nbf", now) == 0 &&
            jwt_add_grant_int(j.get(), "exp", now + static_cast<long>(config_.lifetime_s)) == 0 &&
            jwt_add_header(j.get(), "kid", key_.kid.c_str()) == 0;
  if (ok && !scp.empty()) ok = jwt_add_grant(j.get(), "scope", scp.c_str()) == 0;
  if (!ok) return vigil::Error::kCrypto;
  if (jwt_set_alg(j.get(), JWT_ALG_ES256,
                  reinterpret_cast<const unsigned char*>(key_.private_pem.data()),
                  static_cast<int>(key_.private_pem.size())) != 0) {
    return vigil::Error::kCrypto;
  }
  char* s = jwt_encode_str(j.get());
  if (s == nullptr) return vigil::Error::kCrypto;
  *token = s;
  std::free(s);
  return vigil::Error::kOk;
}

JwtVerifier::JwtVerifier(JwtConfig config) : config_(std::move(config)) {}

vigil::Error JwtVerifier::AddKey(std::string kid, std::string public_pem) {
  if (kid.empty() || !IsP256PublicKey(public_pem)) return vigil::Error::kInvalidArgument;
  keys_[std::move(kid)] = std::move(public_pem);
  std::lock_guard lock(cache_mu_);
  cache_.clear();
  cache_order_.clear();
  return vigil::Error::kOk;
}

void JwtVerifier::RemoveKey(std::string_view kid) {
  auto it = keys_.find(kid);
  if (it != keys_.end()) keys_.erase(it);
  std::lock_guard lock(cache_mu_);
  cache_.clear();
  cache_order_.clear();
}

TokenCheck JwtVerifier::Verify(std::string_view token, TimeUs now_unix) const {
  if (config_.verified_cache_entries == 0 || token.size() > config_.max_token_bytes) {
    return VerifyUncached(token, now_unix);
  }
  const Digest d = Sha256({token});
  std::string key(d.begin(), d.end());
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      TokenCheck out;
      const AccessClaims& c = it->second;
      out.error = CheckTimes(c.iat, c.nbf, c.exp, now_unix / kSeconds, config_);
      if (out.ok()) out.claims = c;
      return out;
    }
  }
  TokenCheck out = VerifyUncached(token, now_unix);
  if (!out.ok()) return out;  // refusals are not remembered: a forged token costs a full check
  std::lock_guard lock(cache_mu_);
  if (cache_.emplace(key, out.claims).second) cache_order_.push_back(std::move(key));
  while (cache_order_.size() > config_.verified_cache_entries) {
    cache_.erase(cache_order_.front());
    cache_order_.pop_front();
  }
  return out;
}

TokenCheck JwtVerifier::VerifyUncached(std::string_view token, TimeUs now_unix) const {
  TokenCheck out;
  auto fail = [&](TokenError e) {
    out.error = e;
    out.claims = {};
    return out;
  };
  if (token.size() > config_.max_token_bytes) return fail(TokenError::kOversized);
  const size_t d1 = token.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos ||
      d1 == 0 || d2 == d1 + 1) {
    return fail(TokenError::kMalformed);
  }
  const std::string_view header_part = token.substr(0, d1);
  const std::string_view payload_part = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view sig_part = token.substr(d2 + 1);

  std::optional<Json> header = DecodeJsonPart(header_part);
  if (!header) return fail(TokenError::kMalformed);
  auto alg = header->find("alg");
  if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "ES256") {
    return fail(TokenError::kWrongAlg);
  }
  for (const auto& [k, v] : header->items()) {
    if (k != "alg" && k != "typ" && k != "kid") return fail(TokenError::kMalformed);
  }
  auto typ = header->find("typ");
  if (typ != header->end() && (!typ->is_string() || (*typ != "JWT" && *typ != "at+jwt"))) {
    return fail(TokenError::kMalformed);
  }
  auto kid = header->find("kid");
  if (kid == header->end() || !kid->is_string()) return fail(TokenError::kUnknownKey);
  auto key = keys_.find(kid->get<std::string>());
  if (key == keys_.end()) return fail(TokenError::kUnknownKey);

  std::optional<std::vector<uint8_t>> sig = Base64UrlDecode(sig_part);
  if (!sig) return fail(TokenError::kMalformed);
  if (sig->size() != 64) return fail(TokenError::kBadSignature);  // ES256 is R || S
  std::optional<Json> payload = DecodeJsonPart(payload_part);
  if (!payload) return fail(TokenError::kMalformed);

  // Only now, with the algorithm and the key type fixed, does libjwt see the token.
  const std::string text(token);
  jwt_t* raw = nullptr;
  const int rc =
      jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(key->second.data()),
                 static_cast<int>(key->second.size()));
  JwtPtr j(raw);
  if (rc != 0 || !j) return fail(TokenError::kBadSignature);
  if (jwt_get_alg(j.get()) != JWT_ALG_ES256) return fail(TokenError::kWrongAlg);

  const Json& c = *payload;
  for (const char* name : {"iss", "aud", "sub", "jti", "iat", "nbf", "exp"}) {
    if (!c.contains(name)) return fail(TokenError::kMissingClaim);
  }
  if (!c["iss"].is_string() || !c["sub"].is_string() || !c["jti"].is_string() || !IsInt(c, "iat") ||
      !IsInt(c, "nbf") || !IsInt(c, "exp") || (c.contains("scope") && !c["scope"].is_string())) {
    return fail(TokenError::kMalformed);
  }
  if (c["iss"] != config_.issuer) return fail(TokenError::kWrongIssuer);
  const Json& aud = c["aud"];
  bool aud_ok = aud.is_string() && aud == config_.audience;
  if (aud.is_array()) {
    for (const Json& a : aud) aud_ok = aud_ok || (a.is_string() && a == config_.audience);
  }
  if (!aud_ok) return fail(TokenError::kWrongAudience);
  if (c["sub"].get<std::string>().empty()) return fail(TokenError::kMissingClaim);

  const int64_t now = now_unix / kSeconds;
  const int64_t iat = c["iat"].get<int64_t>(), nbf = c["nbf"].get<int64_t>(),
                exp = c["exp"].get<int64_t>();
  const TokenError te = CheckTimes(iat, nbf, exp, now, config_);
  if (te != TokenError::kOk) return fail(te);

  out.error = TokenError::kOk;
  out.claims.kid = kid->get<std::string>();
  out.claims.subject = c["sub"].get<std::string>();
  out.claims.scope = c.contains("scope") ? c["scope"].get<std::string>() : "";
  out.claims.jti = c["jti"].get<std::string>();
  out.claims.iat = iat;
  out.claims.nbf = nbf;
  out.claims.exp = exp;
  return out;
}

}  // namespace vigil::auth
