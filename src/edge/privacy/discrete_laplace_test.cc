#include "edge/privacy/discrete_laplace.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "connection/crypto/openssl_provider.h"

namespace vigil::privacy {
namespace {

// The moments of DLap(scale): P(z) = (1 - a) / (1 + a) a^|z|, a = exp(-1 / scale), summed
// until the tail is below double precision.
struct Moments {
  double var = 0, m4 = 0;
};
Moments Exact(double scale) {
  const double a = std::exp(-1.0 / scale);
  const double p0 = (1 - a) / (1 + a);
  Moments m;
  double p = p0;
  for (int64_t z = 1; p > 1e-300 && z < 100000000; ++z) {
    p *= a;
    const double zz = static_cast<double>(z) * static_cast<double>(z);
    m.var += 2 * p * zz;
    m.m4 += 2 * p * zz * zz;
  }
  return m;
}

std::vector<int64_t> Draw(uint64_t num, uint64_t den, size_t n, uint64_t seed) {
  SeededRandom rng(seed);
  std::vector<int64_t> out(n);
  for (int64_t& z : out) EXPECT_EQ(SampleDiscreteLaplace(rng, num, den, &z), Error::kOk);
  return out;
}

// The empirical variance must match 2a/(1-a)^2 for the stated scale. Tolerance: the
// sample variance of N draws has standard error sqrt((m4 - var^2) / N); 5 standard errors
// leave a correct sampler a failure chance below 1e-6 (whatever the seed), while a scale
// off by 2 % (variance off by 4 %) is outside it at N = 200000 for both scales.
TEST(DiscreteLaplace, LaplaceNoiseHasStatedScale) {
  constexpr size_t kN = 200000;
  struct Case {
    uint64_t num, den;
  };
  // 2.5 (a small scale where the lattice matters) and 17000 (the heart-rate sum at
  // epsilon 0.1: 850 units / 0.05).
  for (const Case c : {Case{5, 2}, Case{17000, 1}}) {
    const double scale = static_cast<double>(c.num) / static_cast<double>(c.den);
    const std::vector<int64_t> z = Draw(c.num, c.den, kN, 7);
    double sum = 0, sq = 0;
    for (int64_t v : z) {
      sum += static_cast<double>(v);
      sq += static_cast<double>(v) * static_cast<double>(v);
    }
    const double mean = sum / kN;
    const double var = sq / kN - mean * mean;
    const Moments m = Exact(scale);
    const double se = std::sqrt((m.m4 - m.var * m.var) / kN);
    EXPECT_NEAR(var, m.var, 5 * se) << "scale " << scale;
    EXPECT_GT(5 * se / m.var, 0.0);
    EXPECT_LT(5 * se / m.var, 0.04) << "the test could not see a 2 % scale error";
    // Centred: the mean's standard error is sqrt(var / N).
    EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(m.var / kN)) << "scale " << scale;
  }
}

// The whole distribution, not only its variance: a one-sample Kolmogorov-Smirnov distance
// against the exact CDF. 1.63 / sqrt(N) is the 1 % critical value for a continuous law; on
// a lattice the test is conservative (a correct sampler fails less often than 1 %).
TEST(DiscreteLaplace, DrawsFollowTheExactDistribution) {
  constexpr size_t kN = 100000;
  const double a = std::exp(-1.0 / 2.5);
  const std::vector<int64_t> z = Draw(5, 2, kN, 11);
  std::map<int64_t, size_t> counts;
  for (int64_t v : z) ++counts[v];
  // CDF(k) for k < 0: a^-k / (1 + a); for k >= 0: 1 - a^(k+1) / (1 + a).
  auto cdf = [&](int64_t k) {
    return k < 0 ? std::pow(a, static_cast<double>(-k)) / (1 + a)
                 : 1 - std::pow(a, static_cast<double>(k + 1)) / (1 + a);
  };
  double d = 0;
  size_t below = 0;
  for (int64_t k = -80; k <= 80; ++k) {
    below += counts.count(k) ? counts[k] : 0;
    d = std::max(d, std::fabs(static_cast<double>(below) / kN - cdf(k)));
  }
  EXPECT_LT(d, 1.63 / std::sqrt(static_cast<double>(kN)));
  EXPECT_EQ(below, kN);  // nothing beyond +-80 at scale 2.5 (probability ~1e-14)
}

TEST(DiscreteLaplace, BernoulliExpHasProbabilityExpMinusGamma) {
  constexpr int kN = 100000;
  SeededRandom rng(3);
  struct Case {
    uint64_t num, den;
  };
  for (const Case c : {Case{0, 1}, Case{1, 2}, Case{1, 1}, Case{5, 2}, Case{7, 3}}) {
    const double p = std::exp(-static_cast<double>(c.num) / static_cast<double>(c.den));
    int hits = 0;
    for (int i = 0; i < kN; ++i) {
      bool b = false;
      ASSERT_EQ(BernoulliExp(rng, c.num, c.den, &b), Error::kOk);
      hits += b;
    }
    // 5 standard errors of a binomial proportion (0 when p is 1: then exactly kN).
    EXPECT_NEAR(static_cast<double>(hits) / kN, p, 5 * std::sqrt(p * (1 - p) / kN) + 1e-12)
        << c.num << "/" << c.den;
  }
}

TEST(DiscreteLaplace, UniformBelowHasNoModuloBias) {
  constexpr int kN = 90000;
  SeededRandom rng(5);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < kN; ++i) {
    uint64_t u = 9;
    ASSERT_EQ(UniformBelow(rng, 3, &u), Error::kOk);
    ASSERT_LT(u, 3u);
    ++counts[u];
  }
  for (int c : counts) EXPECT_NEAR(c, kN / 3, 5 * std::sqrt(kN * (1.0 / 3) * (2.0 / 3)));
  uint64_t u = 0;
  EXPECT_EQ(UniformBelow(rng, 0, &u), Error::kInvalidArgument);
  EXPECT_EQ(UniformBelow(rng, 1, &u), Error::kOk);
  EXPECT_EQ(u, 0u);
}

// A source stuck on one value must fail, not spin: both loops of the sampler are capped.
class ConstantRandom final : public RandomSource {
 public:
  explicit ConstantRandom(uint8_t b) : b_(b) {}
  Error Fill(MutableByteSpan out) override {
    for (uint8_t& x : out) x = b_;
    return Error::kOk;
  }

 private:
  uint8_t b_;
};
class FailingRandom final : public RandomSource {
 public:
  Error Fill(MutableByteSpan) override { return Error::kCrypto; }
};

TEST(DiscreteLaplace, StuckOrFailingRandomSourceIsAnErrorNotAHang) {
  int64_t z = 0;
  ConstantRandom zeros(0x00), ones(0xff);
  EXPECT_EQ(SampleDiscreteLaplace(zeros, 17000, 1, &z), Error::kCrypto);
  EXPECT_EQ(SampleDiscreteLaplace(ones, 17000, 1, &z), Error::kCrypto);
  FailingRandom failing;
  EXPECT_EQ(SampleDiscreteLaplace(failing, 5, 2, &z), Error::kCrypto);
  SeededRandom rng(1);
  EXPECT_EQ(SampleDiscreteLaplace(rng, 0, 1, &z), Error::kInvalidArgument);
  EXPECT_EQ(SampleDiscreteLaplace(rng, 1, 0, &z), Error::kInvalidArgument);
}

}  // namespace
}  // namespace vigil::privacy
