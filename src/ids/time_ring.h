// The last N timestamps of something, oldest first, in a fixed-size ring: the memory a
// per-key window needs, and not a byte more.
#pragma once

#include <cstdint>
#include <vector>

#include "common/time.h"

namespace vigil::ids {

class TimeRing {
 public:
  TimeRing() = default;
  explicit TimeRing(uint32_t capacity) : ring_(capacity) {}

  uint32_t capacity() const { return static_cast<uint32_t>(ring_.size()); }
  uint32_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == capacity(); }

  // Appends t, overwriting the oldest entry when full. No-op at capacity 0.
  void Push(TimeUs t) {
    const uint32_t cap = capacity();
    if (cap == 0) return;
    if (size_ < cap) {
      ring_[(head_ + size_) % cap] = t;
      ++size_;
    } else {
      ring_[head_] = t;
      head_ = (head_ + 1) % cap;
    }
  }
  // i = 0 is the oldest. REQUIRES: i < size().
  TimeUs at(uint32_t i) const { return ring_[(head_ + i) % capacity()]; }
  // REQUIRES: !empty().
  TimeUs oldest() const { return at(0); }
  TimeUs newest() const { return at(size_ - 1); }
  // Number of entries in [now - span, now].
  uint32_t CountWithin(TimeUs now, TimeUs span) const {
    uint32_t n = 0;
    for (uint32_t i = 0; i < size_; ++i) {
      if (now - at(i) <= span) ++n;
    }
    return n;
  }
  void Clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  std::vector<TimeUs> ring_;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace vigil::ids
