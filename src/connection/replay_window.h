// Sliding anti-replay window over 32-bit frame counters (RFC 6479 style, 64 frames).
//
// Counters inside the window may arrive out of order; a counter already marked, or older
// than the window, is a replay. Check() does not change state: the caller marks a counter
// only after its tag verified, so a forged frame cannot advance the window.
#pragma once

#include <cstdint>

#include "common/error.h"

namespace vigil {

class ReplayWindow {
 public:
  static constexpr uint32_t kSize = 64;

  // kOk if `counter` has not been accepted and is inside or above the window;
  // kReplay otherwise. Counter 0 is never valid for data (it keys the ASSOC_RESP).
  Error Check(uint32_t counter) const;
  void Mark(uint32_t counter);
  // After a restart: everything at or below `floor` is rejected.
  void SetFloor(uint32_t floor);
  uint32_t highest() const { return highest_; }

 private:
  uint32_t highest_ = 0;
  uint64_t bitmap_ = 0;  // bit i set: counter (highest_ - i) accepted
};

}  // namespace vigil
