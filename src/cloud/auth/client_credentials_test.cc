#include "cloud/auth/client_credentials.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cloud/auth/base64url.h"

namespace vigil::auth {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

std::string Basic(std::string_view id, std::string_view secret) {
  const std::string pair = std::string(id) + ":" + std::string(secret);
  // Standard base64 with padding, from the url-safe encoder.
  std::string b =
      Base64UrlEncode(ByteSpan(reinterpret_cast<const uint8_t*>(pair.data()), pair.size()));
  for (char& c : b) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b.size() % 4) b += '=';
  return "Basic " + b;
}

TEST(TokenRequest, BasicAndBodyAuthenticationAreParsed) {
  TokenRequestParse p = ParseTokenRequest(kForm, Basic("gw-01", "s3cret"),
                                          "grant_type=client_credentials&scope=ingest");
  ASSERT_TRUE(p.ok()) << p.description;
  EXPECT_EQ(p.request.client_id, "gw-01");
  EXPECT_EQ(p.request.client_secret, "s3cret");
  EXPECT_EQ(p.request.auth, ClientAuth::kBasic);
  EXPECT_EQ(p.request.scopes, std::vector<std::string>{"ingest"});
  p = ParseTokenRequest("Application/X-WWW-Form-Urlencoded; charset=UTF-8", "",
                        "grant_type=client_credentials&client_id=gw-01&client_secret=a%2Bb+c");
  ASSERT_TRUE(p.ok()) << p.description;
  EXPECT_EQ(p.request.client_secret, "a+b c");
  EXPECT_EQ(p.request.auth, ClientAuth::kBody);
  EXPECT_FALSE(p.request.scope_given);
}

TEST(TokenRequest, BasicCredentialsAreFormDecoded) {
  // RFC 6749 section 2.3.1: id and secret are form-urlencoded before base64.
  const TokenRequestParse p =
      ParseTokenRequest(kForm, Basic("gw%3A01", "p%40ss"), "grant_type=client_credentials");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.request.client_id, "gw:01");
  EXPECT_EQ(p.request.client_secret, "p@ss");
}

TEST(TokenRequest, EachFaultGetsTheRfcError) {
  struct Case {
    std::string_view content_type, auth, body;
    OAuthError want;
  };
  const std::string basic = Basic("gw-01", "x");
  const Case cases[] = {
      {"application/json", basic, "grant_type=client_credentials", OAuthError::kInvalidRequest},
      {kForm, basic, "scope=ingest", OAuthError::kInvalidRequest},
      {kForm, basic, "grant_type=password&username=a", OAuthError::kUnsupportedGrantType},
      {kForm, basic, "grant_type=client_credentials&grant_type=client_credentials",
       OAuthError::kInvalidRequest},
      {kForm, basic, "grant_type=client_credentials&client_secret=x",
       OAuthError::kInvalidRequest},  // two authentication methods
      {kForm, basic, "grant_type=client_credentials&client_id=gw-01", OAuthError::kInvalidRequest},
      {kForm, "", "grant_type=client_credentials", OAuthError::kInvalidClient},
      {kForm, "", "grant_type=client_credentials&client_id=gw-01", OAuthError::kInvalidClient},
      {kForm, "Bearer abc", "grant_type=client_credentials", OAuthError::kInvalidClient},
      {kForm, "Basic !!!!", "grant_type=client_credentials", OAuthError::kInvalidClient},
      {kForm, "Basic Z3ctMDE=", "grant_type=client_credentials", OAuthError::kInvalidClient},
      {kForm, basic, "grant_type=client_credentials&scope=", OAuthError::kInvalidScope},
      {kForm, basic, "grant_type=client_credentials&scope=a%20%20b", OAuthError::kInvalidScope},
      {kForm, basic, "grant_type=client_credentials&scope=a%22b", OAuthError::kInvalidScope},
      {kForm, basic, "grant_type=client_credentials&x=%zz", OAuthError::kInvalidRequest},
  };
  for (const Case& c : cases) {
    const TokenRequestParse p = ParseTokenRequest(c.content_type, c.auth, c.body);
    EXPECT_EQ(p.error, c.want) << c.body << " / " << c.auth;
    EXPECT_FALSE(p.description.empty());
  }
  const std::string big =
      "grant_type=client_credentials&pad=" + std::string(kMaxTokenRequestBytes, 'a');
  EXPECT_EQ(ParseTokenRequest(kForm, basic, big).error, OAuthError::kInvalidRequest);
}

class ClientCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(GenerateSigningKey("k1", &key_), vigil::Error::kOk);
    auto gen = GenerateClientSecret("gw-01", {"ingest", "metrics"});
    ASSERT_TRUE(gen.has_value());
    secret_ = gen->first;
    store_.Put(gen->second);
  }
  TokenResponse Ask(std::string_view auth, std::string_view body) {
    return HandleTokenRequest(ParseTokenRequest(kForm, auth, body), store_, issuer_, "jti-1", kNow);
  }
  JwtSigningKey key_;
  JwtConfig config_;
  JwtIssuer issuer_{config_, JwtSigningKey{}};
  InMemoryClientStore store_;
  std::string secret_;
};

TEST_F(ClientCredentialsTest, GoodClientGetsAVerifiableBearerToken) {
  issuer_ = JwtIssuer(config_, key_);
  const TokenResponse r =
      Ask(Basic("gw-01", secret_), "grant_type=client_credentials&scope=ingest");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_EQ(j["expires_in"], 300);
  EXPECT_EQ(j["scope"], "ingest");
  JwtVerifier v(config_);
  ASSERT_EQ(v.AddKey("k1", key_.public_pem), vigil::Error::kOk);
  const TokenCheck c = v.Verify(j["access_token"].get<std::string>(), kNow);
  ASSERT_TRUE(c.ok()) << TokenErrorName(c.error);
  EXPECT_EQ(c.claims.subject, "gw-01");
  EXPECT_EQ(c.claims.scope, "ingest");
  bool no_store = false;
  for (const auto& [k, val] : r.headers)
    no_store = no_store || (k == "Cache-Control" && val == "no-store");
  EXPECT_TRUE(no_store);
}

TEST_F(ClientCredentialsTest, NoScopeAsksForEveryScopeOfTheClient) {
  issuer_ = JwtIssuer(config_, key_);
  const TokenResponse r =
      Ask("", "grant_type=client_credentials&client_id=gw-01&client_secret=" + secret_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.scope, "ingest metrics");
}

TEST_F(ClientCredentialsTest, WrongSecretAndUnknownClientGetTheSameAnswer) {
  issuer_ = JwtIssuer(config_, key_);
  const TokenResponse wrong = Ask(Basic("gw-01", secret_ + "x"), "grant_type=client_credentials");
  const TokenResponse unknown = Ask(Basic("gw-99", secret_), "grant_type=client_credentials");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.body,
            R"({"error":"invalid_client","error_description":"client authentication failed"})");
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(unknown.headers, wrong.headers);
  bool www = false;
  for (const auto& [k, val] : wrong.headers) www = www || k == "WWW-Authenticate";
  EXPECT_TRUE(www);
}

TEST_F(ClientCredentialsTest, ScopeBeyondTheClientsIsInvalidScope) {
  issuer_ = JwtIssuer(config_, key_);
  const TokenResponse r =
      Ask(Basic("gw-01", secret_), "grant_type=client_credentials&scope=ingest%20admin");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "invalid_scope");
}

TEST_F(ClientCredentialsTest, DisabledClientIsRefused) {
  issuer_ = JwtIssuer(config_, key_);
  ClientRecord rec = *store_.Find("gw-01");
  rec.disabled = true;
  store_.Put(rec);
  EXPECT_EQ(Ask(Basic("gw-01", secret_), "grant_type=client_credentials").status, 401);
}

TEST_F(ClientCredentialsTest, SigningFailureIsOurFaultNotTheClients) {
  // issuer_ holds no key: libjwt cannot sign.
  const TokenResponse r = Ask(Basic("gw-01", secret_), "grant_type=client_credentials");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "temporarily_unavailable");
}

TEST_F(ClientCredentialsTest, SecretHashIsBoundToTheClientId) {
  const ClientRecord rec = *store_.Find("gw-01");
  ClientRecord moved = rec;
  moved.client_id = "gw-02";  // the row copied under another id
  store_.Put(moved);
  issuer_ = JwtIssuer(config_, key_);
  EXPECT_EQ(Ask(Basic("gw-02", secret_), "grant_type=client_credentials").status, 401);
}

}  // namespace
}  // namespace vigil::auth
