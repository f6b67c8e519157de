// Summary statistics for the reports: mean and nearest-rank percentiles.
#pragma once

#include <cstddef>
#include <vector>

namespace vigil::sim {

struct Summary {
  size_t n = 0;
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, min = 0, max = 0;
};

// Nearest-rank percentiles (the smallest sample with at least p% of samples at or below
// it), so that every reported value is one that was observed. Empty input: all zeros.
Summary Summarize(std::vector<double> samples);

}  // namespace vigil::sim
