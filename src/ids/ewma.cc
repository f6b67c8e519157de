#include "ids/ewma.h"

#include <algorithm>
#include <cmath>

namespace vigil::ids {

Ewma::Ewma(double alpha) : alpha_(std::clamp(alpha, 1e-6, 1.0)) {}

void Ewma::Add(double x) {
  ++count_;
  const double a = std::max(alpha_, 1.0 / static_cast<double>(count_));
  const double diff = x - mean_;
  const double incr = a * diff;
  mean_ += incr;
  variance_ = (1 - a) * (variance_ + diff * incr);
}

double Ewma::stddev() const { return std::sqrt(std::max(variance_, 0.0)); }

void Ewma::Reset() {
  count_ = 0;
  mean_ = 0;
  variance_ = 0;
}

}  // namespace vigil::ids
