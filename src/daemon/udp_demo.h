// A complete deployment on loopback UDP, in one process: a gateway, a fleet of honest
// devices, an external intruder (stolen Uid, username and password of one device) and an
// internal intruder (an enrolled device using another device's identity). The gateway,
// the fleet and each intruder run in their own threads with their own sockets, exactly
// as the separate `vigil gateway` / `vigil device` processes would.
//
// The honest devices lie on one bed: they sample one modelled patient and send SenML/CBOR
// reading packs, which the demo's gateway hook decodes and classifies (docs/telemetry.md).
//
// `vigil demo` narrates it; the end-to-end test asserts on its outcome.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/time.h"
#include "connection/protocol_config.h"

namespace vigil {

struct UdpDemoOptions {
  ProtocolConfig protocol;
  int devices = 6;
  TimeUs duration = 8 * kSeconds;
  TimeUs intruders_at = 2 * kSeconds;  // when the intruders power up
  std::string work_dir;                // registry, state, logs, alerts go here
  uint32_t report_interval_ms = 500;
  // Human-readable narration (called from several threads, serialised).
  std::function<void(const std::string&)> narrate;
};

struct UdpDemoAlert {
  uint64_t uid = 0;
  std::string signature;
  int severity = 0;
  std::string eve;  // the EVE JSON line as written
};

struct UdpDemoOutcome {
  int devices = 0;
  int devices_associated = 0;    // honest devices holding a session at the end
  uint64_t data_frames = 0;      // authenticated payloads the gateway received
  uint64_t external_victim = 0;  // uid the external intruder impersonates
  uint64_t internal_victim = 0;  // uid the internal intruder impersonates
  // An intruder was granted a session the gateway did not withdraw (a provisional grant
  // withdrawn within the answer window carried nothing).
  bool external_ever_associated = false;
  bool internal_ever_associated = false;
  std::vector<UdpDemoAlert> alerts;
  uint64_t frames_in = 0;
  uint64_t security_events = 0;
  // Of the data_frames: payloads that decoded as reading packs, payloads that did not
  // (never, from honest devices), and the readings the validator passed as clinical.
  uint64_t telemetry_packs = 0;
  uint64_t telemetry_refused = 0;
  uint64_t clinical_readings = 0;
  // The edge's clinical evaluation of the bed's patient (a hypoxia episode is scheduled).
  uint64_t alarms_raised = 0;
  uint64_t alarm_events = 0;
  std::string first_alarm;       // "high spo2_low 84" of the first raised alarm
  uint16_t management_port = 0;  // the gateway's /metrics, /health, /alarms
  std::string error;             // set when the run could not start
  bool AlertedFor(uint64_t uid) const {
    for (const auto& a : alerts)
      if (a.uid == uid) return true;
    return false;
  }
};

UdpDemoOutcome RunUdpDemo(const UdpDemoOptions& options);

}  // namespace vigil
