#include "cloud/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloud/auth/base64url.h"

namespace vigil::auth {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

std::string B64(std::string_view s) {
  return Base64UrlEncode(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

std::string Part(const std::string& token, int i) {
  size_t start = 0;
  for (int k = 0; k < i; ++k) start = token.find('.', start) + 1;
  const size_t end = token.find('.', start);
  return token.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string DecodePart(const std::string& token, int i) {
  auto raw = Base64UrlDecode(Part(token, i));
  return raw ? std::string(raw->begin(), raw->end()) : "";
}

// Signs header.payload with ES256 straight through OpenSSL (raw R || S), so tests can
// mint tokens with any claims, independently of libjwt.
std::string SignEs256(const std::string& private_pem, const std::string& header,
                      const std::string& payload) {
  const std::string input = B64(header) + "." + B64(payload);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const uint8_t*>(input.data()),
                           input.size()),
            1);
  std::vector<uint8_t> der(len);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), der.data(), &len,
                           reinterpret_cast<const uint8_t*>(input.data()), input.size()),
            1);
  const uint8_t* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len));
  uint8_t raw[64] = {};
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + Base64UrlEncode(ByteSpan(raw, 64));
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(GenerateSigningKey("k1", &key_), vigil::Error::kOk);
    ASSERT_EQ(verifier_.AddKey("k1", key_.public_pem), vigil::Error::kOk);
  }
  nlohmann::json Claims(int64_t iat) const {
    return {{"iss", config_.issuer},
            {"aud", config_.audience},
            {"sub", "gw-01"},
            {"jti", "j1"},
            {"iat", iat},
            {"nbf", iat},
            {"exp", iat + 300},
            {"scope", "ingest"}};
  }
  std::string Mint(const nlohmann::json& claims,
                   const std::string& header = R"({"alg":"ES256","typ":"JWT","kid":"k1"})") {
    return SignEs256(key_.private_pem, header, claims.dump());
  }
  JwtConfig config_;
  JwtSigningKey key_;
  JwtVerifier verifier_{config_};
};

TEST_F(JwtTest, IssuedTokenVerifiesWithItsClaims) {
  JwtIssuer issuer(config_, key_);
  std::string token;
  ASSERT_EQ(issuer.Issue("gw-01", "ingest", "jti-1", kNow, &token), vigil::Error::kOk);
  const TokenCheck c = verifier_.Verify(token, kNow + 10 * kSeconds);
  ASSERT_EQ(c.error, TokenError::kOk) << TokenErrorName(c.error);
  EXPECT_EQ(c.claims.subject, "gw-01");
  EXPECT_EQ(c.claims.scope, "ingest");
  EXPECT_EQ(c.claims.kid, "k1");
  EXPECT_EQ(c.claims.exp - c.claims.iat, 300);
  const auto header = nlohmann::json::parse(DecodePart(token, 0));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], "k1");
  EXPECT_EQ(Base64UrlDecode(Part(token, 2))->size(), 64u) << "ES256 signatures are R || S";
}

TEST_F(JwtTest, TokenSignedOutsideLibjwtVerifies) {
  // Interoperability: a standard ES256 token (OpenSSL, raw R || S) is accepted.
  EXPECT_EQ(verifier_.Verify(Mint(Claims(kNow / kSeconds)), kNow).error, TokenError::kOk);
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  const std::string token = B64(R"({"alg":"none","typ":"JWT","kid":"k1"})") + "." +
                            B64(Claims(kNow / kSeconds).dump()) + ".";
  EXPECT_EQ(verifier_.Verify(token, kNow).error, TokenError::kWrongAlg);
  const std::string with_sig = token + "AAAA";
  EXPECT_EQ(verifier_.Verify(with_sig, kNow).error, TokenError::kWrongAlg);
}

TEST_F(JwtTest, Hs256KeyedWithThePublicKeyIsRefused) {
  // The algorithm-confusion attack: HMAC-SHA256 keyed with the verifier's public key PEM,
  // which is public. libjwt 1.10 alone would accept this token.
  const std::string input =
      B64(R"({"alg":"HS256","typ":"JWT","kid":"k1"})") + "." + B64(Claims(kNow / kSeconds).dump());
  uint8_t mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.public_pem.data(), static_cast<int>(key_.public_pem.size()),
       reinterpret_cast<const uint8_t*>(input.data()), input.size(), mac, &len);
  const std::string forged = input + "." + Base64UrlEncode(ByteSpan(mac, len));
  EXPECT_EQ(verifier_.Verify(forged, kNow).error, TokenError::kWrongAlg);
}

TEST_F(JwtTest, OtherAlgorithmsAreRefused) {
  for (const char* alg : {"RS256", "ES384", "HS512", "EdDSA", "es256", ""}) {
    const std::string header = std::string(R"({"alg":")") + alg + R"(","kid":"k1"})";
    EXPECT_EQ(verifier_.Verify(Mint(Claims(kNow / kSeconds), header), kNow).error,
              TokenError::kWrongAlg)
        << alg;
  }
  EXPECT_EQ(verifier_.Verify(Mint(Claims(kNow / kSeconds), R"({"kid":"k1"})"), kNow).error,
            TokenError::kWrongAlg);
}

TEST_F(JwtTest, KeyInjectionHeadersAreRefused) {
  for (const char* extra : {R"("jwk":{})", R"("jku":"https://evil.example/k")",
                            R"("x5u":"https://evil.example/c")", R"("crit":["exp"])"}) {
    const std::string header = std::string(R"({"alg":"ES256","kid":"k1",)") + extra + "}";
    EXPECT_EQ(verifier_.Verify(Mint(Claims(kNow / kSeconds), header), kNow).error,
              TokenError::kMalformed)
        << extra;
  }
}

TEST_F(JwtTest, SignatureByAnotherKeyIsRefused) {
  JwtSigningKey other;
  ASSERT_EQ(GenerateSigningKey("k1", &other), vigil::Error::kOk);
  const std::string token =
      SignEs256(other.private_pem, R"({"alg":"ES256","kid":"k1"})", Claims(kNow / kSeconds).dump());
  EXPECT_EQ(verifier_.Verify(token, kNow).error, TokenError::kBadSignature);
}

TEST_F(JwtTest, ChangedPayloadIsRefused) {
  const std::string token = Mint(Claims(kNow / kSeconds));
  nlohmann::json c = Claims(kNow / kSeconds);
  c["scope"] = "ingest admin";
  const std::string tampered = Part(token, 0) + "." + B64(c.dump()) + "." + Part(token, 2);
  EXPECT_EQ(verifier_.Verify(tampered, kNow).error, TokenError::kBadSignature);
}

TEST_F(JwtTest, FlippingAnyByteIsRefused) {
  const std::string token = Mint(Claims(kNow / kSeconds));
  for (size_t i = 0; i < token.size(); ++i) {
    std::string t = token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    if (t[i] == token[i]) continue;
    EXPECT_NE(verifier_.Verify(t, kNow).error, TokenError::kOk) << "byte " << i;
  }
}

TEST_F(JwtTest, UnknownKidIsRefusedAndRotationKeepsThePreviousKey) {
  EXPECT_EQ(
      verifier_.Verify(Mint(Claims(kNow / kSeconds), R"({"alg":"ES256","kid":"k9"})"), kNow).error,
      TokenError::kUnknownKey);
  EXPECT_EQ(verifier_.Verify(Mint(Claims(kNow / kSeconds), R"({"alg":"ES256"})"), kNow).error,
            TokenError::kUnknownKey);
  JwtSigningKey k2;
  ASSERT_EQ(GenerateSigningKey("k2", &k2), vigil::Error::kOk);
  ASSERT_EQ(verifier_.AddKey("k2", k2.public_pem), vigil::Error::kOk);
  const std::string old_token = Mint(Claims(kNow / kSeconds));
  std::string new_token;
  ASSERT_EQ(JwtIssuer(config_, k2).Issue("gw-01", "ingest", "j2", kNow, &new_token),
            vigil::Error::kOk);
  EXPECT_EQ(verifier_.Verify(old_token, kNow).error, TokenError::kOk);
  EXPECT_EQ(verifier_.Verify(new_token, kNow).error, TokenError::kOk);
  verifier_.RemoveKey("k1");
  EXPECT_EQ(verifier_.Verify(old_token, kNow).error, TokenError::kUnknownKey);
  EXPECT_EQ(verifier_.Verify(new_token, kNow).error, TokenError::kOk);
}

TEST_F(JwtTest, RememberedTokenStillExpires) {
  const std::string token = Mint(Claims(kNow / kSeconds));
  ASSERT_EQ(verifier_.Verify(token, kNow).error, TokenError::kOk);
  ASSERT_EQ(verifier_.Verify(token, kNow + kSeconds).error, TokenError::kOk);  // from the cache
  EXPECT_EQ(verifier_.Verify(token, kNow + 331 * kSeconds).error, TokenError::kExpired);
  EXPECT_EQ(verifier_.Verify(token, kNow - 60 * kSeconds).error, TokenError::kNotYetValid);
}

TEST_F(JwtTest, CacheOnAndOffGiveTheSameVerdicts) {
  JwtConfig off = config_;
  off.verified_cache_entries = 0;
  JwtConfig tiny = config_;
  tiny.verified_cache_entries = 2;
  JwtVerifier a(off), b(tiny);
  ASSERT_EQ(a.AddKey("k1", key_.public_pem), vigil::Error::kOk);
  ASSERT_EQ(b.AddKey("k1", key_.public_pem), vigil::Error::kOk);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) {
    nlohmann::json c = Claims(kNow / kSeconds - i * 100);
    c["jti"] = "j" + std::to_string(i);
    tokens.push_back(Mint(c));
  }
  tokens.push_back(tokens[0].substr(0, tokens[0].size() - 2) + "AA");
  for (int round = 0; round < 3; ++round) {
    for (const std::string& t : tokens) {
      for (TimeUs dt : {TimeUs{0}, 100 * kSeconds, 250 * kSeconds}) {
        EXPECT_EQ(a.Verify(t, kNow + dt).error, b.Verify(t, kNow + dt).error);
      }
    }
  }
}

TEST_F(JwtTest, OnlyP256PublicKeysAreAccepted) {
  EXPECT_EQ(verifier_.AddKey("bad", "not a key"), vigil::Error::kInvalidArgument);
  EXPECT_EQ(verifier_.AddKey("priv", key_.private_pem), vigil::Error::kInvalidArgument);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> p384(EVP_EC_gen("P-384"), EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), p384.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  EXPECT_EQ(verifier_.AddKey("p384", std::string(data, static_cast<size_t>(n))),
            vigil::Error::kInvalidArgument);
}

TEST_F(JwtTest, ExpiryAndNotBeforeHonourTheSkewOnly) {
  const int64_t now = kNow / kSeconds;
  nlohmann::json c = Claims(now - 300 - 29);  // expired 29 s ago: within the 30 s skew
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kOk);
  c = Claims(now - 300 - 30);
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kExpired);
  c = Claims(now);
  c["nbf"] = now + 31;
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kNotYetValid);
  c = Claims(now + 31);
  c["nbf"] = now;
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kIssuedInFuture);
}

TEST_F(JwtTest, LongLivedTokenIsRefusedEvenWhenSigned) {
  nlohmann::json c = Claims(kNow / kSeconds);
  c["exp"] = kNow / kSeconds + 86400;
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kLifetimeTooLong);
  c["exp"] = std::numeric_limits<int64_t>::max();
  c["iat"] = std::numeric_limits<int64_t>::min();
  c["nbf"] = 0;
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kLifetimeTooLong);
}

TEST_F(JwtTest, WrongIssuerOrAudienceIsRefused) {
  nlohmann::json c = Claims(kNow / kSeconds);
  c["iss"] = "https://other.example";
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kWrongIssuer);
  c = Claims(kNow / kSeconds);
  c["aud"] = "fhir-elsewhere";
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kWrongAudience);
  c["aud"] = {"fhir-elsewhere", config_.audience};
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kOk);
  c["aud"] = 7;
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kWrongAudience);
}

TEST_F(JwtTest, MissingOrMistypedClaimsAreRefused) {
  for (const char* name : {"iss", "aud", "sub", "jti", "iat", "nbf", "exp"}) {
    nlohmann::json c = Claims(kNow / kSeconds);
    c.erase(name);
    EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kMissingClaim) << name;
  }
  nlohmann::json c = Claims(kNow / kSeconds);
  c["exp"] = "tomorrow";
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kMalformed);
  c = Claims(kNow / kSeconds);
  c["exp"] = 1.75e9;
  EXPECT_EQ(verifier_.Verify(Mint(c), kNow).error, TokenError::kMalformed);
}

TEST_F(JwtTest, OversizedAndMalformedTokensAreRefused) {
  EXPECT_EQ(verifier_.Verify(std::string(5000, 'a'), kNow).error, TokenError::kOversized);
  for (const char* t :
       {"", ".", "..", "a.b", "a.b.c.d", "!!!.e30.AAAA", "e30.e30.AAAA", "W10.e30.AAAA"}) {
    EXPECT_NE(verifier_.Verify(t, kNow).error, TokenError::kOk) << t;
  }
  EXPECT_EQ(verifier_.Verify("e30.e30.AAAA", kNow).error, TokenError::kWrongAlg);
  EXPECT_EQ(verifier_.Verify("W10.e30.AAAA", kNow).error, TokenError::kMalformed);  // "[]"
}

}  // namespace
}  // namespace vigil::auth
