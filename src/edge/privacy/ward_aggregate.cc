#include "edge/privacy/ward_aggregate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "edge/privacy/discrete_laplace.h"

namespace vigil::privacy {

ClampBounds DefaultResearchBounds(Vital v) {
  switch (v) {
    case Vital::kHeartRate:
    case Vital::kPulseRate:
      return {30, 200, 0.1};
    case Vital::kSpO2:
      return {70, 100, 0.1};
    case Vital::kRespRate:
      return {4, 60, 0.1};
    case Vital::kTemperature:
      return {33, 42, 0.1};
    case Vital::kSystolic:
      return {60, 240, 0.1};
    case Vital::kDiastolic:
      return {30, 140, 0.1};
    case Vital::kGlucose:
      return {2, 30, 0.1};
    case Vital::kInfusionRate:
      return {0, 500, 0.1};
    case Vital::kInfusionVolume:
      return {0, 1000, 0.1};
  }
  return {0, 1, 0.1};
}

namespace {

// Noise of scale `units` / eps: DLap(units * 10^6 / micro), the fraction reduced.
Error Noise(RandomSource& rng, uint64_t units, Epsilon eps, int64_t* out) {
  uint64_t num = units * kMicroPerEpsilon;
  uint64_t den = eps.micro;
  const uint64_t g = std::gcd(num, den);
  return SampleDiscreteLaplace(rng, num / g, den / g, out);
}

}  // namespace

Error ReleaseWardMean(const WardMeanQuery& q, std::span<const PatientValue> values,
                      PrivacyBudget& budget, RandomSource& rng, WardMeanRelease* out,
                      std::string* why) {
  const ClampBounds& b = q.bounds;
  if (!std::isfinite(b.lower) || !std::isfinite(b.upper) || !std::isfinite(b.resolution) ||
      b.resolution <= 0 || b.lower >= b.upper || (b.upper - b.lower) / b.resolution > 1e6) {
    if (why) *why = "ward mean: bounds must have lower < upper, resolution > 0, <= 10^6 steps";
    return Error::kInvalidArgument;
  }
  if (q.epsilon.micro < 2) {
    if (why) *why = "ward mean: epsilon must be at least 0.000002";
    return Error::kInvalidArgument;
  }
  const int64_t lo = std::llround(b.lower / b.resolution);
  const int64_t hi = std::llround(b.upper / b.resolution);
  if (lo >= hi) {
    if (why) *why = "ward mean: the bounds are less than one resolution step apart";
    return Error::kInvalidArgument;
  }
  const int64_t centre = lo + (hi - lo) / 2;
  const int64_t sensitivity = std::max(hi - centre, centre - lo);

  // One value per patient: the mean of that patient's readings.
  std::map<std::string_view, std::pair<double, uint64_t>> per_patient;
  for (const PatientValue& v : values) {
    if (!std::isfinite(v.value)) continue;
    auto& [sum, n] = per_patient[v.pseudonym];
    sum += v.value;
    ++n;
  }
  int64_t sum = 0;
  for (const auto& [pseudonym, acc] : per_patient) {
    const double x = std::clamp(acc.first / static_cast<double>(acc.second), b.lower, b.upper);
    const int64_t u = std::clamp<int64_t>(std::llround(x / b.resolution), lo, hi);
    sum += u - centre;
  }
  const auto n = static_cast<int64_t>(per_patient.size());

  WardMeanRelease r;
  r.epsilon_count = Epsilon{q.epsilon.micro / 2};
  r.epsilon_sum = Epsilon{q.epsilon.micro - r.epsilon_count.micro};
  r.centre = static_cast<double>(centre) * b.resolution;
  r.sensitivity_units = sensitivity;
  r.sum_noise_scale = static_cast<double>(sensitivity) * b.resolution / r.epsilon_sum.value();
  r.count_noise_scale = 1.0 / r.epsilon_count.value();

  if (Error e = budget.Charge(q.ward, q.period, q.epsilon, why); e != Error::kOk) return e;
  int64_t z_sum = 0, z_count = 0;
  if (Noise(rng, static_cast<uint64_t>(sensitivity), r.epsilon_sum, &z_sum) != Error::kOk ||
      Noise(rng, 1, r.epsilon_count, &z_count) != Error::kOk) {
    if (why) *why = "ward mean: the random source failed (the budget stays charged)";
    return Error::kCrypto;
  }
  const int64_t noisy_sum = sum + z_sum;
  const int64_t noisy_n = n + z_count;
  r.count = static_cast<double>(std::max<int64_t>(noisy_n, 0));
  r.noisy_sum = static_cast<double>(noisy_sum) * b.resolution;
  const double mean_units =
      static_cast<double>(centre) +
      static_cast<double>(noisy_sum) / static_cast<double>(std::max<int64_t>(noisy_n, 1));
  r.mean = std::clamp(mean_units * b.resolution, b.lower, b.upper);
  *out = r;
  return Error::kOk;
}

Error ReleaseWardCount(const WardCountQuery& q, std::span<const std::string> pseudonyms,
                       PrivacyBudget& budget, RandomSource& rng, double* out, std::string* why) {
  if (q.epsilon.micro == 0) {
    if (why) *why = "ward count: epsilon must be > 0";
    return Error::kInvalidArgument;
  }
  const std::set<std::string_view> distinct(pseudonyms.begin(), pseudonyms.end());
  if (Error e = budget.Charge(q.ward, q.period, q.epsilon, why); e != Error::kOk) return e;
  int64_t z = 0;
  if (Noise(rng, 1, q.epsilon, &z) != Error::kOk) {
    if (why) *why = "ward count: the random source failed (the budget stays charged)";
    return Error::kCrypto;
  }
  *out = static_cast<double>(std::max<int64_t>(static_cast<int64_t>(distinct.size()) + z, 0));
  return Error::kOk;
}

}  // namespace vigil::privacy
