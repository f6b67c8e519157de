#include "sim/scheduler.h"

#include <algorithm>
#include <utility>

namespace vigil::sim {

EventId Scheduler::At(TimeUs when, Callback cb) {
  if (when < now_) when = now_;
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const uint64_t seq = next_seq_++;
  slots_[slot].seq = seq;
  slots_[slot].cb = std::move(cb);
  Push(Entry{when, seq, slot});
  ++pending_;
  return EventId{seq, slot};
}

EventId Scheduler::After(TimeUs delay, Callback cb) {
  return At(now_ + std::max<TimeUs>(delay, 0), std::move(cb));
}

bool Scheduler::IsPending(EventId id) const {
  return id.seq != 0 && id.slot < slots_.size() && slots_[id.slot].seq == id.seq;
}

bool Scheduler::Cancel(EventId id) {
  if (!IsPending(id)) return false;
  // The heap entry stays until it reaches the top (lazy deletion); the slot is marked
  // empty so the entry is skipped, and the callback's captures are released now.
  Slot& s = slots_[id.slot];
  s.seq = 0;
  s.cb = nullptr;
  --pending_;
  return true;
}

void Scheduler::Push(const Entry& e) {
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), &Scheduler::Later);
}

Scheduler::Entry Scheduler::PopTop() {
  std::pop_heap(heap_.begin(), heap_.end(), &Scheduler::Later);
  Entry e = heap_.back();
  heap_.pop_back();
  return e;
}

void Scheduler::SkipCancelled() {
  while (!heap_.empty() && slots_[heap_.front().slot].seq != heap_.front().seq) {
    Entry e = PopTop();
    free_slots_.push_back(e.slot);
  }
}

TimeUs Scheduler::NextTime() {
  SkipCancelled();
  return heap_.empty() ? kNever : heap_.front().time;
}

bool Scheduler::RunNext() {
  SkipCancelled();
  if (heap_.empty()) return false;
  Entry e = PopTop();
  Slot& s = slots_[e.slot];
  // Move the callback out before running it: it may schedule events, which can grow
  // slots_ and invalidate `s`.
  Callback cb = std::move(s.cb);
  s.cb = nullptr;
  s.seq = 0;
  free_slots_.push_back(e.slot);
  --pending_;
  now_ = e.time;
  ++executed_;
  if (cb) cb();
  return true;
}

uint64_t Scheduler::RunUntil(TimeUs end) {
  stop_ = false;
  uint64_t ran = 0;
  while (!stop_) {
    SkipCancelled();
    if (heap_.empty() || heap_.front().time > end) break;
    RunNext();
    ++ran;
  }
  if (!stop_ && end > now_ && end != kNever) now_ = end;
  stop_ = false;
  return ran;
}

uint64_t Scheduler::Run() {
  stop_ = false;
  uint64_t ran = 0;
  while (!stop_ && RunNext()) ++ran;
  stop_ = false;
  return ran;
}

}  // namespace vigil::sim
