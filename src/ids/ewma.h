// Exponentially weighted mean and variance of one quantity (e.g. a device's interval
// between data frames).
//
// The first samples are averaged with weight 1/n until 1/n falls below alpha, so the
// estimate starts unbiased instead of being dragged towards an arbitrary initial value;
// from then on each sample weighs alpha. Variance uses West's incremental update.
#pragma once

#include <cstdint>

namespace vigil::ids {

class Ewma {
 public:
  Ewma() : Ewma(0.05) {}
  // REQUIRES: 0 < alpha <= 1 (out-of-range values are clamped).
  explicit Ewma(double alpha);

  void Add(double x);
  uint64_t count() const { return count_; }
  double mean() const { return mean_; }
  double variance() const { return variance_; }
  double stddev() const;
  void Reset();

 private:
  double alpha_;
  uint64_t count_ = 0;
  double mean_ = 0;
  double variance_ = 0;
};

}  // namespace vigil::ids
