// Helpers for IDS tests: build events in one line and collect the alerts of one engine.
// Header-only and used only by *_test.cc files.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "connection/events.h"
#include "ids/alert.h"
#include "ids/detector.h"
#include "ids/engine.h"

namespace vigil::ids::testing {

inline constexpr uint64_t kWardA = 0xC0A0000000000001;  // coordinator of ward A
inline constexpr uint64_t kWardB = 0xC0B0000000000002;  // coordinator of ward B
inline constexpr uint64_t kPump = 0x00124B0000AA0001;   // an infusion pump
inline constexpr uint64_t kMonitor = 0x00124B0000AA0002;
inline constexpr uint64_t kAttackerLink = 0xA77AC4E2;
inline constexpr uint64_t kPumpLink = 0x1001;

inline Event Ev(EventKind kind, TimeUs time, uint64_t uid, uint64_t observer = kWardA,
                uint64_t link = 0, Error error = Error::kOk) {
  Event e;
  e.kind = kind;
  e.time = time;
  e.uid = uid;
  e.observer = observer;
  e.link = link;
  e.error = error;
  return e;
}

inline Event Associated(TimeUs t, uint64_t uid, uint64_t ward, uint64_t link = 0) {
  return Ev(EventKind::kAssociated, t, uid, ward, link);
}
inline Event Disassociated(TimeUs t, uint64_t uid, uint64_t ward) {
  return Ev(EventKind::kDisassociated, t, uid, ward);
}
inline Event Data(TimeUs t, uint64_t uid, uint64_t ward, uint32_t counter = 0) {
  Event e = Ev(EventKind::kDataReceived, t, uid, ward);
  e.counter = counter;
  return e;
}
inline Event AuthFailed(TimeUs t, uint64_t uid, uint64_t link, uint64_t ward = kWardA) {
  return Ev(EventKind::kAuthFailed, t, uid, ward, link, Error::kBadTag);
}

// One engine, alerts collected through the sink in delivery order.
class Harness {
 public:
  Harness() {
    engine.SetSink([this](const Alert& a) { alerts.push_back(a); });
  }
  explicit Harness(std::unique_ptr<Detector> d) : Harness() { engine.Register(std::move(d)); }

  Harness& Feed(const Event& e) {
    engine.Consume(e);
    return *this;
  }
  Harness& Tick(TimeUs now) {
    engine.Tick(now);
    return *this;
  }
  size_t CountSignature(int signature_id) const {
    size_t n = 0;
    for (const Alert& a : alerts) n += a.signature_id == signature_id ? 1 : 0;
    return n;
  }

  Engine engine;
  std::vector<Alert> alerts;
};

}  // namespace vigil::ids::testing
