#include "connection/replay_window.h"

namespace vigil {

Error ReplayWindow::Check(uint32_t counter) const {
  if (counter == 0) return Error::kReplay;
  if (counter > highest_) return Error::kOk;
  const uint32_t age = highest_ - counter;
  if (age >= kSize) return Error::kReplay;
  return (bitmap_ >> age) & 1 ? Error::kReplay : Error::kOk;
}

void ReplayWindow::Mark(uint32_t counter) {
  if (counter > highest_) {
    const uint32_t shift = counter - highest_;
    bitmap_ = shift >= kSize ? 0 : bitmap_ << shift;
    bitmap_ |= 1;
    highest_ = counter;
  } else {
    const uint32_t age = highest_ - counter;
    if (age < kSize) bitmap_ |= uint64_t{1} << age;
  }
}

void ReplayWindow::SetFloor(uint32_t floor) {
  if (floor > highest_) {
    highest_ = floor;
    bitmap_ = ~uint64_t{0};  // everything at or below the floor counts as seen
  }
}

}  // namespace vigil
