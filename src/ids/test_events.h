// Helpers for IDS tests: build events in one line and collect the alerts of one engine.
// Header-only and used only by *_test.cc files.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/hex.h"
#include "connection/events.h"
#include "ids/alert.h"
#include "ids/detector.h"
#include "ids/engine.h"
#include "ids/eve_schema_check.h"

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

// The two ways alerts are written: the daemon (UDP peers, the gateway's socket) and the
// simulator (radio node names, no IP).
inline EveContext DaemonLikeContext() {
  EveContext ctx;
  ctx.epoch_offset_us = 1700000000LL * kSeconds;
  ctx.link_endpoint = [](uint64_t link) {
    return EveEndpoint{"192.0.2." + std::to_string(link % 250 + 1),
                       static_cast<uint16_t>(1024 + link % 60000), ""};
  };
  ctx.node_endpoint = [](uint64_t uid) {
    return uid == kWardA || uid == kWardB ? EveEndpoint{"2001:db8::1", 47110, ""} : EveEndpoint{};
  };
  return ctx;
}
inline EveContext RadioLikeContext() {
  EveContext ctx;
  ctx.link_endpoint = [](uint64_t link) {
    return EveEndpoint{"", 0, "node-" + std::to_string(link)};
  };
  ctx.node_endpoint = [](uint64_t uid) { return EveEndpoint{"", 0, "node-" + UidToString(uid)}; };
  return ctx;
}

// Every alert a test produces must be a valid EVE record, whichever way it is written.
inline void ExpectValidEve(const Alert& a) {
  for (const EveContext& ctx : {DaemonLikeContext(), RadioLikeContext(), EveContext{}}) {
    const std::string line = FormatEveJson(a, ctx);
    const std::string why = CheckEveAlertLine(line);
    if (!why.empty()) ADD_FAILURE() << why << "\n  " << line;
  }
}

// One engine, alerts collected through the sink in delivery order.
class Harness {
 public:
  Harness() {
    engine.SetSink([this](const Alert& a) {
      ExpectValidEve(a);
      alerts.push_back(a);
    });
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
