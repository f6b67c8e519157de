#include "ids/burst_counter.h"

#include <algorithm>

namespace vigil::ids {

BurstCounter::BurstCounter(uint32_t threshold, TimeUs span)
    : ring_(std::max<uint32_t>(threshold, 1)), span_(std::max<TimeUs>(span, 0)) {}

bool BurstCounter::Add(TimeUs t) {
  ring_.Push(t);
  return ring_.full() && t - ring_.oldest() <= span_;
}

}  // namespace vigil::ids
