// "Did at least N events happen within a span T?" for one key, in O(1) per event and
// O(N) memory: only the last N timestamps are kept, which is all the question needs.
#pragma once

#include <cstdint>

#include "common/time.h"
#include "ids/time_ring.h"

namespace vigil::ids {

class BurstCounter {
 public:
  // REQUIRES: threshold >= 1, span >= 0 (values below are raised to those bounds).
  BurstCounter(uint32_t threshold, TimeUs span);

  // Records an event at t. Returns true when this event and the threshold-1 events before
  // it all lie within [t - span, t] (so threshold 3, span 60 s fires on events at 0, 30,
  // 60 s). REQUIRES: t not less than the previous call's t (the engine ensures it).
  bool Add(TimeUs t);

  // Number of remembered events within [now - span, now]; at most threshold.
  uint32_t CountWithin(TimeUs now) const { return ring_.CountWithin(now, span_); }

  // True when no remembered event lies within [now - span, now]: from `now` on the
  // counter behaves exactly like a fresh one, so its owner may drop it.
  bool Idle(TimeUs now) const { return ring_.empty() || now - ring_.newest() > span_; }

  void Clear() { ring_.Clear(); }

 private:
  TimeRing ring_;
  TimeUs span_;
};

}  // namespace vigil::ids
