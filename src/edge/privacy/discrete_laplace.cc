#include "edge/privacy/discrete_laplace.h"

#include <array>
#include <cstring>

namespace vigil::privacy {

namespace {

// Far beyond any run a working source produces: each loop below continues with
// probability at most 1 - 1/e per step (the outer one at most 1 - (1 - 1/e) / 2).
constexpr int kMaxSteps = 4096;

}  // namespace

Error UniformBelow(RandomSource& rng, uint64_t n, uint64_t* out) {
  if (n == 0) return Error::kInvalidArgument;
  if (n == 1) {
    *out = 0;
    return Error::kOk;
  }
  // Accept r below the largest multiple of n that 64 bits hold (2^64 - rem), so that
  // r % n is uniform.
  const uint64_t rem = (UINT64_MAX % n + 1) % n;  // 2^64 mod n
  for (int i = 0; i < kMaxSteps; ++i) {
    std::array<uint8_t, 8> b{};
    if (Error e = rng.Fill(b); e != Error::kOk) return e;
    uint64_t r = 0;
    std::memcpy(&r, b.data(), sizeof(r));
    if (r <= UINT64_MAX - rem) {
      *out = r % n;
      return Error::kOk;
    }
  }
  return Error::kCrypto;
}

Error Bernoulli(RandomSource& rng, uint64_t num, uint64_t den, bool* out) {
  if (den == 0 || num > den) return Error::kInvalidArgument;
  uint64_t u = 0;
  if (Error e = UniformBelow(rng, den, &u); e != Error::kOk) return e;
  *out = u < num;
  return Error::kOk;
}

Error BernoulliExp(RandomSource& rng, uint64_t num, uint64_t den, bool* out) {
  if (den == 0) return Error::kInvalidArgument;
  // exp(-g) = exp(-1)^floor(g) * exp(-(g - floor g)): one trial per whole unit.
  while (num > den) {
    bool b = false;
    if (Error e = BernoulliExp(rng, 1, 1, &b); e != Error::kOk) return e;
    if (!b) {
      *out = false;
      return Error::kOk;
    }
    num -= den;
  }
  // CKS Algorithm 1 for g = num/den in [0, 1]: the first K with A_K = 0, where
  // A_k ~ Bernoulli(g / k); exp(-g) = P(K odd).
  for (uint64_t k = 1; k <= static_cast<uint64_t>(kMaxSteps); ++k) {
    bool a = false;
    if (Error e = Bernoulli(rng, num, den * k, &a); e != Error::kOk) return e;
    if (!a) {
      *out = (k % 2) == 1;
      return Error::kOk;
    }
  }
  return Error::kCrypto;
}

Error SampleDiscreteLaplace(RandomSource& rng, uint64_t scale_num, uint64_t scale_den,
                            int64_t* out) {
  if (scale_num == 0 || scale_den == 0 || scale_num > (uint64_t{1} << 40))
    return Error::kInvalidArgument;
  // CKS Algorithm 2 with t = scale_num, s = scale_den (scale t/s).
  const uint64_t t = scale_num;
  const uint64_t s = scale_den;
  for (int i = 0; i < kMaxSteps; ++i) {
    uint64_t u = 0;
    if (Error e = UniformBelow(rng, t, &u); e != Error::kOk) return e;
    bool d = false;
    if (Error e = BernoulliExp(rng, u, t, &d); e != Error::kOk) return e;
    if (!d) continue;
    // V ~ Geometric(1 - exp(-1)): count the successes before the first failure.
    uint64_t v = 0;
    for (;;) {
      bool a = false;
      if (Error e = BernoulliExp(rng, 1, 1, &a); e != Error::kOk) return e;
      if (!a) break;
      if (++v > static_cast<uint64_t>(kMaxSteps)) return Error::kCrypto;
    }
    const uint64_t x = u + t * v;  // ~ Geometric(1 - exp(-1/t)) on {0, 1, ...}
    const uint64_t y = x / s;      // ~ Geometric(1 - exp(-s/t))
    bool negative = false;
    if (Error e = Bernoulli(rng, 1, 2, &negative); e != Error::kOk) return e;
    if (negative && y == 0) continue;  // +0 and -0 would count zero twice
    *out = negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
    return Error::kOk;
  }
  return Error::kCrypto;
}

}  // namespace vigil::privacy
