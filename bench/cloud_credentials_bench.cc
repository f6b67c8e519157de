// People's credentials (docs/access-control.md, "Password storage", "Second factor"): a
// login's password verify at the configured Argon2id parameters beside libargon2's own raw
// call with the same ones (what the PHC parsing and the comparison add), the older scrypt
// hash, and a TOTP check.
//
//  BM_Cloud_Argon2idVerify     auth::VerifyPassword of an Argon2id PHC string made with
//                              auth::Argon2Params{} (19 MiB, t = 2, p = 1).
//  BM_Ref_Argon2idRaw          the reference: argon2id_hash_raw with the same parameters,
//                              salt and length.
//  BM_Cloud_ScryptVerify       auth::VerifyPassword of a legacy scrypt hash (N = 2^15,
//                              r = 8, p = 1), what a login cost before.
//  BM_Cloud_TotpVerify         auth::MatchTotp of the current code: three HMAC-SHA-1 codes
//                              of the window through liboath, compared in constant time.
//  BM_Cloud_SecondFactorCheck  auth::CheckSecondFactor over the in-memory store (find the
//                              secret, match, accept the step), plus making the code.
#include <argon2.h>
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "cloud/auth/mfa.h"
#include "cloud/auth/password_hash.h"
#include "cloud/auth/totp.h"

namespace vigil {
namespace {

constexpr TimeUs kNow = 1'750'000'020LL * kSeconds;
const std::string kPassword = "correct horse battery staple";

void BM_Cloud_Argon2idVerify(benchmark::State& state) {
  const std::optional<std::string> h = auth::HashPassword(kPassword, auth::Argon2Params{});
  if (!h) state.SkipWithError("hash failed");
  for (auto _ : state) {
    const auth::PasswordCheck c = auth::VerifyPassword(kPassword, *h);
    if (c != auth::PasswordCheck::kMatch) state.SkipWithError("no match");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cloud_Argon2idVerify)->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_Ref_Argon2idRaw(benchmark::State& state) {
  const auth::Argon2Params p;
  const std::vector<uint8_t> salt(16, 0x5a);
  uint8_t out[32];
  for (auto _ : state) {
    const int rc = argon2id_hash_raw(p.iterations, p.memory_kib, p.lanes, kPassword.data(),
                                     kPassword.size(), salt.data(), salt.size(), out, sizeof out);
    if (rc != ARGON2_OK) state.SkipWithError("argon2 failed");
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Ref_Argon2idRaw)->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_Cloud_ScryptVerify(benchmark::State& state) {
  const std::optional<std::string> h = auth::HashScryptPassword(kPassword, auth::ScryptParams{});
  if (!h) state.SkipWithError("hash failed");
  for (auto _ : state) {
    const auth::PasswordCheck c = auth::VerifyPassword(kPassword, *h);
    if (c != auth::PasswordCheck::kMatch) state.SkipWithError("no match");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cloud_ScryptVerify)->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_Cloud_TotpVerify(benchmark::State& state) {
  const std::vector<uint8_t> secret(auth::kTotpSecretBytes, 0x42);
  const auth::TotpParams p;
  const std::string code = *auth::TotpCodeAt(secret, auth::TotpStep(kNow, p), p);
  for (auto _ : state) {
    auto m = auth::MatchTotp(secret, code, kNow, -1, p);
    if (!m) state.SkipWithError("no match");
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_Cloud_TotpVerify)->Unit(benchmark::kMicrosecond);

void BM_Cloud_SecondFactorCheck(benchmark::State& state) {
  auth::InMemoryMfaStore store;
  const auth::MfaConfig cfg;
  auth::TotpEnrolment en;
  if (auth::EnrolTotp(store, "ada", kNow, cfg, &en) != Error::kOk) state.SkipWithError("enrol");
  std::optional<auth::TotpRecord> r;
  (void)store.FindTotp("ada", &r);
  TimeUs t = kNow;
  for (auto _ : state) {
    // A fresh step each time, as logins are: a step is accepted once.
    t += 30 * kSeconds;
    const std::string code = *auth::TotpCodeAt(r->secret, auth::TotpStep(t, cfg.totp), cfg.totp);
    auth::SecondFactorCheck c;
    (void)auth::CheckSecondFactor(store, "ada", code, t, cfg, &c);
    if (!c.ok()) state.SkipWithError("refused");
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_Cloud_SecondFactorCheck)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vigil
