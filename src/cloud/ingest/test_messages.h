// Uplink messages as a gateway writes them (uplink::FormatTelemetry, the edge's own
// writer), for the ingest's tests and benchmark: what the cloud reads is what the edge
// sends, not a second hand-written copy of the format.
#pragma once

#include <cstdint>
#include <string>

#include "cloud/ingest/ingester.h"
#include "edge/uplink/envelope.h"

namespace vigil::cloud::testing {

inline constexpr uint64_t kTestStream = 0x5f3a9c0d12e4b781ULL;

// A telemetry message of site "site-a", ward "icu", stream kTestStream, quality valid.
inline IngestMessage TelemetryMessage(uint64_t seq, int64_t time_ms, const std::string& pseudonym,
                                      double value, Vital vital = Vital::kTemperature,
                                      DeviceKind kind = DeviceKind::kThermometer,
                                      const std::string& gateway = "gw-01") {
  const uplink::Origin origin{"site-a", gateway, kTestStream};
  uplink::TelemetryRecord r;
  r.pseudonym = pseudonym;
  r.ward = "icu";
  r.device_kind = kind;
  r.vital = vital;
  r.value = value;
  r.time_ms = time_ms;
  return {uplink::Topic(origin, "telemetry"), uplink::FormatTelemetry(origin, seq, r), time_ms};
}

// A device message (the gateway's inventory, or its answer to a command) of site "site-a".
inline IngestMessage DeviceMessage(uint64_t seq, int64_t time_ms, uint64_t uid,
                                   uplink::DeviceState state, const std::string& pseudonym,
                                   const std::string& gateway = "gw-01",
                                   const std::string& command_id = "", bool done = true) {
  const uplink::Origin origin{"site-a", gateway, kTestStream};
  uplink::DeviceRecord r;
  r.uid = uid;
  r.kind = DeviceKind::kPulseOximeter;
  r.ward = "icu";
  r.state = state;
  r.last_seen_ms = time_ms - 1000;
  r.pseudonym = pseudonym;
  r.command_id = command_id;
  r.command_done = done;
  r.time_ms = time_ms;
  return {uplink::Topic(origin, "device"), uplink::FormatDevice(origin, seq, r), time_ms};
}

}  // namespace vigil::cloud::testing
