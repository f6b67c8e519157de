// The utility cost of differential privacy in the research export: the error of a ward's
// mean heart rate (30 patients, one value each, clamped to [30, 200] /min) released at
// epsilon 0.1, 1 and 10, over many releases. The counters are the figures of
// docs/privacy.md: median and 90th-percentile absolute error in beats/min, and the
// noise scales the mechanism derived. Noise comes from a seeded source so that the run
// is reproducible; its distribution is the production one (only the bytes differ).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "connection/crypto/openssl_provider.h"
#include "edge/privacy/ward_aggregate.h"

namespace vigil {
namespace {

using privacy::PatientValue;

void BM_DpWardMeanHeartRateError(benchmark::State& state) {
  const double epsilon = static_cast<double>(state.range(0)) / 10.0;
  // A 30-patient ward: per-patient mean heart rates around 82 /min, sd 14.
  std::mt19937_64 gen(30);
  std::normal_distribution<double> hr(82, 14);
  std::vector<PatientValue> ward;
  double truth = 0;
  for (int i = 0; i < 30; ++i) {
    const double v = std::clamp(hr(gen), 30.0, 200.0);
    ward.push_back({"patient-" + std::to_string(i), v});
    truth += v;
  }
  truth /= 30;
  privacy::WardMeanQuery q;
  q.ward = "icu";
  q.vital = Vital::kHeartRate;
  q.bounds = privacy::DefaultResearchBounds(Vital::kHeartRate);
  privacy::EpsilonFromDouble(epsilon, &q.epsilon);
  SeededRandom rng(2025);
  std::vector<double> errors;
  errors.reserve(static_cast<size_t>(state.max_iterations));
  privacy::WardMeanRelease r;
  for (auto _ : state) {
    // A fresh budget per release: each run is one independent release of the figure.
    privacy::PrivacyBudget budget(q.epsilon);
    q.period = "run";
    if (privacy::ReleaseWardMean(q, ward, budget, rng, &r, nullptr) != Error::kOk) {
      state.SkipWithError("release failed");
      return;
    }
    errors.push_back(std::fabs(r.mean - truth));
  }
  std::sort(errors.begin(), errors.end());
  state.counters["epsilon"] = epsilon;
  state.counters["median_abs_err_bpm"] = errors[errors.size() / 2];
  state.counters["p90_abs_err_bpm"] = errors[errors.size() * 9 / 10];
  state.counters["sum_noise_scale_bpm"] = r.sum_noise_scale;
  state.counters["count_noise_scale"] = r.count_noise_scale;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DpWardMeanHeartRateError)->Arg(1)->Arg(10)->Arg(100)->Iterations(20000);

}  // namespace
}  // namespace vigil
