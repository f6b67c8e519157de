// The discrete Laplace distribution (the two-sided geometric mechanism), sampled exactly
// with integer arithmetic from uniform random bytes.
//
//   P(Z = z) = (1 - a) / (1 + a) * a^|z|,   a = exp(-1 / scale),   z in Z
//
// Why discrete: textbook Laplace noise drawn with floating-point logarithms leaks the
// input through the pattern of doubles it can produce (Mironov, "On significance of the
// least significant bits for differential privacy", CCS 2012). Here the statistic is an
// integer (values quantised to a declared resolution), the noise is an integer, and the
// sampler (Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential Privacy",
// NeurIPS 2020, Algorithms 1 and 2) uses only integer comparisons of uniform draws, so
// the released value's distribution is exactly the stated one. Adding Z with scale
// sensitivity / epsilon to an integer query of that L1 sensitivity is epsilon-DP.
//
// Randomness is injected (OsRandom in production, SeededRandom in tests). The loops end
// with probability 1 in a few steps; a source that keeps producing the same bytes would
// make them spin, so each is capped, and hitting a cap returns kCrypto.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "connection/crypto/provider.h"

namespace vigil::privacy {

// Uniform integer in [0, n), n >= 1, by rejection (no modulo bias).
Error UniformBelow(RandomSource& rng, uint64_t n, uint64_t* out);
// Bernoulli(num / den), 0 <= num <= den, den >= 1.
Error Bernoulli(RandomSource& rng, uint64_t num, uint64_t den, bool* out);
// Bernoulli(exp(-num / den)), den >= 1 (CKS Algorithm 1, any num >= 0).
Error BernoulliExp(RandomSource& rng, uint64_t num, uint64_t den, bool* out);
// One draw with scale = scale_num / scale_den (both >= 1, scale_num <= 2^40 so that the
// intermediate products fit 64 bits). kInvalidArgument outside that range.
Error SampleDiscreteLaplace(RandomSource& rng, uint64_t scale_num, uint64_t scale_den,
                            int64_t* out);

}  // namespace vigil::privacy
