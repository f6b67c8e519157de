// Alert rate limiting: at most one alert per key per period, the period counted from the
// last alert that was let through (a sustained attack is re-reported once per period,
// which tells the operator it is still going on).
#pragma once

#include "common/time.h"

namespace vigil::ids {

class Holdoff {
 public:
  // True when an alert at t may be raised. REQUIRES: period >= 0.
  bool Ready(TimeUs t, TimeUs period) const { return !armed_ || t - last_ >= period; }
  void Mark(TimeUs t) {
    armed_ = true;
    last_ = t;
  }
  // Once Ready(now), it stays ready for every later time: state may then be dropped.
  bool Expired(TimeUs now, TimeUs period) const { return Ready(now, period); }

 private:
  bool armed_ = false;
  TimeUs last_ = 0;
};

}  // namespace vigil::ids
