// The per-request cost of the cloud's access checks, each beside the bare OpenSSL or
// standard-library operation it is built on.
//
//  BM_Cloud_JwtVerify          auth::JwtVerifier::Verify of a 5-minute ES256 token seen for
//                              the first time (cache off): header and claim checks, libjwt's
//                              verification (which parses the PEM key on every call).
//  BM_Cloud_JwtVerifyCached    the same token presented again (the verified-token cache).
//  BM_Ref_Es256Verify          the reference: OpenSSL's ECDSA P-256 verification of the same
//                              signing input and signature, the key parsed once.
//  BM_Cloud_ApiKeyVerify       auth::VerifyApiKey against an in-memory store.
//  BM_Ref_Sha256ApiKey         the reference: one SHA-256 over the same bytes.
//  BM_Cloud_RouteAndDecide     policy::Match + policy::Decide for a nurse reading a
//                              patient's vitals (the policy step of every request).
//  BM_Ref_RouteHashLookup      the reference: an unordered_map lookup of the literal path,
//                              the cheapest possible router (no parameters, no policy).
//  BM_Cloud_RateLimitAdmit     guard::RateLimiter::Admit on the in-memory counter store.
//  BM_Cloud_ScryptDefault      auth::HashScryptPassword with the legacy defaults (a cost
//                              setting: it should take about 0.1 s, not be fast).
#include <benchmark/benchmark.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cloud/auth/api_keys.h"
#include "cloud/auth/base64url.h"
#include "cloud/auth/jwt.h"
#include "cloud/auth/password_hash.h"
#include "cloud/guard/rate_limiter.h"
#include "cloud/policy/policy.h"
#include "cloud/policy/route_table.h"

namespace vigil {
namespace {

constexpr TimeUs kNow = 1'750'000'000LL * kSeconds;

auth::JwtConfig Uncached() {
  auth::JwtConfig c;
  c.verified_cache_entries = 0;
  return c;
}

struct Tokens {
  Tokens() : verifier(Uncached()), cached(auth::JwtConfig{}) {
    if (auth::GenerateSigningKey("k1", &key) != vigil::Error::kOk) std::abort();
    if (verifier.AddKey("k1", key.public_pem) != vigil::Error::kOk) std::abort();
    if (cached.AddKey("k1", key.public_pem) != vigil::Error::kOk) std::abort();
    if (auth::JwtIssuer(auth::JwtConfig{}, key).Issue("gw-01", "ingest", "jti-1", kNow, &token) !=
        vigil::Error::kOk) {
      std::abort();
    }
  }
  auth::JwtSigningKey key;
  auth::JwtVerifier verifier;
  auth::JwtVerifier cached;
  std::string token;
};

const Tokens& TheTokens() {
  static const Tokens* t = new Tokens();
  return *t;
}

void BM_Cloud_JwtVerify(benchmark::State& state) {
  const Tokens& t = TheTokens();
  for (auto _ : state) {
    auth::TokenCheck c = t.verifier.Verify(t.token, kNow);
    if (!c.ok()) state.SkipWithError("token refused");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cloud_JwtVerify);

void BM_Cloud_JwtVerifyCached(benchmark::State& state) {
  const Tokens& t = TheTokens();
  for (auto _ : state) {
    auth::TokenCheck c = t.cached.Verify(t.token, kNow);
    if (!c.ok()) state.SkipWithError("token refused");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cloud_JwtVerifyCached);

void BM_Ref_Es256Verify(benchmark::State& state) {
  const Tokens& t = TheTokens();
  const size_t dot = t.token.rfind('.');
  const std::string input = t.token.substr(0, dot);
  const std::vector<uint8_t> raw = *auth::Base64UrlDecode(t.token.substr(dot + 1));
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 32, nullptr), BN_bin2bn(raw.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(t.key.public_pem.data(), static_cast<int>(t.key.public_pem.size())),
      BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  for (auto _ : state) {
    EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get());
    const int ok =
        EVP_DigestVerify(ctx.get(), der, static_cast<size_t>(der_len),
                         reinterpret_cast<const unsigned char*>(input.data()), input.size());
    if (ok != 1) state.SkipWithError("signature refused");
    benchmark::DoNotOptimize(ok);
  }
  OPENSSL_free(der);
}
BENCHMARK(BM_Ref_Es256Verify);

void BM_Cloud_ApiKeyVerify(benchmark::State& state) {
  auth::InMemoryApiKeyStore store;
  const auto k = auth::GenerateApiKey("gw-01", {"ingest"}, kNow);
  store.Put(k->record);
  for (auto _ : state) {
    auth::ApiKeyCheck c = auth::VerifyApiKey(k->key, store, kNow);
    if (!c.ok()) state.SkipWithError("key refused");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cloud_ApiKeyVerify);

void BM_Ref_Sha256ApiKey(benchmark::State& state) {
  const auto k = auth::GenerateApiKey("gw-01", {"ingest"}, kNow);
  for (auto _ : state) {
    auth::Digest d = auth::Sha256({"vigil-api-key-v1", k->record.key_id, k->key});
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Ref_Sha256ApiKey);

void BM_Cloud_RouteAndDecide(benchmark::State& state) {
  policy::Subject nurse;
  nurse.id = "n-1";
  nurse.role = policy::Role::kNurse;
  nurse.wards = {{"icu", kNow - 3600 * kSeconds, kNow + 3600 * kSeconds}};
  const policy::PatientTarget p{"p1", "icu", {"team-a"}};
  for (auto _ : state) {
    const policy::RouteMatch m = policy::Match("GET", "/api/patients/p1/vitals?from=1&to=2");
    const policy::AccessRequest q{m.route->resource, m.route->action, p, std::nullopt};
    const policy::Decision d = policy::Decide(&nurse, q, {}, kNow);
    if (!d.allowed()) state.SkipWithError("refused");
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Cloud_RouteAndDecide);

void BM_Ref_RouteHashLookup(benchmark::State& state) {
  std::unordered_map<std::string, int> routes;
  int i = 0;
  for (const policy::Route& r : policy::AllRoutes()) {
    routes[std::string(r.method) + " " + std::string(r.pattern)] = i++;
  }
  routes["GET /api/patients/p1/vitals"] = i;
  const std::string path = "GET /api/patients/p1/vitals";
  for (auto _ : state) {
    auto it = routes.find(path);
    benchmark::DoNotOptimize(it);
  }
}
BENCHMARK(BM_Ref_RouteHashLookup);

void BM_Cloud_RateLimitAdmit(benchmark::State& state) {
  guard::InMemoryCounterStore store;
  guard::RateLimitConfig cfg;
  cfg.classes[static_cast<size_t>(policy::RateClass::kRead)] = {1e12, 1e12};
  guard::RateLimiter rl(cfg, store);
  TimeUs t = kNow;
  for (auto _ : state) {
    auto v = rl.Admit("user-17", policy::RateClass::kRead, t++);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_Cloud_RateLimitAdmit);

void BM_Cloud_ScryptDefault(benchmark::State& state) {
  for (auto _ : state) {
    auto h = auth::HashScryptPassword("correct horse battery staple", auth::ScryptParams{});
    if (!h) state.SkipWithError("scrypt failed");
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(BM_Cloud_ScryptDefault)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace vigil
