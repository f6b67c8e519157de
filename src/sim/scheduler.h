// Discrete-event scheduler over a virtual clock.
//
// Every simulated component (radio, protocol timers, traffic generators) posts callbacks
// at absolute virtual times. Events run in (time, insertion order): two events at the same
// microsecond run in the order they were scheduled, so a run is reproducible from its seed.
//
// Single-threaded. Callbacks may schedule and cancel events (including themselves) and may
// call Stop(); they must not call Run*() re-entrantly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/time.h"

namespace vigil::sim {

// Names one scheduled event for Cancel(). Value type; a default-constructed id names no
// event. Ids are never reused within one scheduler, so cancelling an event that already
// ran (or was cancelled) is a harmless no-op.
struct EventId {
  uint64_t seq = 0;   // insertion sequence number; 0 = none
  uint32_t slot = 0;  // index of the callback slot
  bool valid() const { return seq != 0; }
  bool operator==(const EventId&) const = default;
};

class Scheduler {
 public:
  using Callback = std::function<void()>;

  Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Current virtual time. Starts at 0; only moves forward.
  TimeUs Now() const { return now_; }

  // Schedules `cb` to run at absolute time `when`. A time in the past runs at Now() (a
  // deadline that already expired fires at once), after the events already due at Now().
  // An empty `cb` is accepted and does nothing.
  EventId At(TimeUs when, Callback cb);
  // Schedules `cb` at Now() + delay (delay < 0 is treated as 0).
  EventId After(TimeUs delay, Callback cb);

  // Cancels a pending event and destroys its callback. Returns true if the event was
  // pending; false if it already ran, was cancelled, or `id` is invalid.
  bool Cancel(EventId id);
  // True if `id` names an event that has neither run nor been cancelled.
  bool IsPending(EventId id) const;

  // Runs the earliest pending event, advancing Now() to its time. Returns false if none.
  bool RunNext();
  // Runs every event with time <= `end` (including events they schedule within the window),
  // then sets Now() to `end` if it is later. Returns the number of events run.
  // Stops early (Now() left at the last event run) if a callback calls Stop().
  uint64_t RunUntil(TimeUs end);
  // Runs until no event is pending or Stop() is called. Returns the number of events run.
  uint64_t Run();
  // Asks the running RunUntil()/Run() to return after the current callback.
  void Stop() { stop_ = true; }

  // Number of events pending (scheduled, not yet run, not cancelled).
  size_t pending() const { return pending_; }
  // Time of the earliest pending event, or kNever.
  TimeUs NextTime();
  // Events run since construction.
  uint64_t executed() const { return executed_; }

 private:
  // Heap entries are small PODs so sift operations move 24 bytes, never a std::function.
  struct Entry {
    TimeUs time;
    uint64_t seq;
    uint32_t slot;
  };
  struct Slot {
    uint64_t seq = 0;  // seq of the event occupying the slot; 0 = cancelled or free
    Callback cb;
  };
  static bool Later(const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
  void Push(const Entry& e);
  Entry PopTop();
  void SkipCancelled();

  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  TimeUs now_ = 0;
  uint64_t next_seq_ = 1;
  uint64_t executed_ = 0;
  size_t pending_ = 0;
  bool stop_ = false;
};

}  // namespace vigil::sim
