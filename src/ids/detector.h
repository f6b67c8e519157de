// The interface between the IDS engine and its detectors.
//
// A detector is a pure function of the event stream: it reads Event::time, never a clock,
// and keeps its state in ordered or insertion-ordered containers so that the same events
// give the same alerts in the same order on every run and every machine.
#pragma once

#include <string_view>

#include "common/time.h"
#include "connection/events.h"
#include "ids/alert.h"

namespace vigil::ids {

// Where a detector puts its alerts. Raise() never fails; the engine fills
// Alert::detector.
class AlertOut {
 public:
  virtual ~AlertOut() = default;
  virtual void Raise(Alert alert) = 0;
};

class Detector {
 public:
  virtual ~Detector() = default;

  // Stable short name ("identity_theft"); it becomes Alert::detector.
  virtual std::string_view name() const = 0;

  // Called for every event in stream order. The engine guarantees non-decreasing
  // e.time, and has settled every deadline <= e.time (of every detector) before.
  virtual void OnEvent(const Event& e, AlertOut& out) = 0;

  // The earliest time at which OnTime() would raise an alert, or kNever. After
  // OnTime(t) it must be > t.
  virtual TimeUs NextDeadline() const { return kNever; }

  // Raises the alerts that fall due at or before `now` (stamped with their deadline, not
  // with `now`) and may drop state that can no longer affect any verdict. The engine
  // calls it with now = NextDeadline() to settle deadlines one at a time in global time
  // order, and with the Tick() time for housekeeping.
  // Contract: how often the engine calls this (every event, every second, once at the
  // end) must not change which alerts are raised, nor their content or order. Dropping
  // state is therefore only allowed when the dropped state is indistinguishable from
  // absent state for every future event.
  virtual void OnTime(TimeUs now, AlertOut& out) {
    (void)now;
    (void)out;
  }
};

}  // namespace vigil::ids
