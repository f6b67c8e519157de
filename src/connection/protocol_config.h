// Deployment parameters of the protocol, shared by both sides. Both ends of a PAN must
// agree on version, wire parameters and data protection; timers are per side.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "common/time.h"
#include "connection/wire/codec.h"

namespace vigil {

// When the coordinator asks for the common-function confirmation (v3 and hardened).
enum class ConfirmPolicy : uint8_t {
  kOnAnomaly,  // only after two distinct answers for one identity (the paper's v3)
  kAlways,     // every authenticated association (hardened default: catches a stolen Kd
               // even while the real device is offline)
};

struct ProtocolConfig {
  wire::Version version = wire::Version::kHardened;
  wire::WireParams wire;
  uint16_t pan_id = wire::kDefaultPanId;
  bool authenticate = true;  // false: Table 1's "without authentication" (refused by a
                             // coordinator unless allow_unauthenticated is set)
  bool encrypt_data = true;  // AES-CCM confidentiality; false: HMAC integrity only
  ConfirmPolicy confirm = ConfirmPolicy::kAlways;
  // Hardened: the synchronised common function (docs/protocol.md 9.5). R3 moves on at
  // every confirmed association, so a copy of a device taken before its latest
  // association fails its next confirmation. Devices must then persist their R3.
  bool roll_common_function = true;

  // ---- device side ----
  TimeUs retransmit_timeout = 60 * kMillis;  // no answer -> resend the same bytes
  uint8_t max_retransmits = 4;
  uint32_t unsolicited_answers_per_minute = 6;  // hardened: bound battery drain

  // ---- coordinator side ----
  bool allow_unauthenticated = false;
  TimeUs answer_window = 12 * kMillis;  // v3: wait for a second answer to one request
  TimeUs confirm_timeout = 150 * kMillis;
  TimeUs pending_timeout = 2 * kSeconds;  // an unfinished association is forgotten
  uint32_t max_auth_failures = 5;         // per Uid within failure_window -> lockout
  TimeUs failure_window = 60 * kSeconds;
  TimeUs lockout = 60 * kSeconds;
  uint32_t assoc_per_link_per_second = 20;  // flooding guard (token bucket per source)
  // Flood bounds (docs/protocol.md 9.2, "Open challenges"): new AUTH_REQs per second over
  // all sources, and the challenges kept open (the oldest is forgotten first).
  uint32_t assoc_global_per_second = 20000;
  uint32_t max_open_challenges = 16384;
  // A request made in a device's name reaches the device itself at most once per interval.
  TimeUs relay_interval = 1 * kSeconds;
  TimeUs block_duration = 600 * kSeconds;   // source blocked after an intrusion verdict
  uint32_t counter_persist_interval = 256;  // RFC 8613 App. B.1.1 K
  uint16_t max_devices = 4096;
};

// Hardened deployments confirm every association; the paper's v3 only on an anomaly.
inline ConfirmPolicy DefaultConfirmPolicy(wire::Version v) {
  return v == wire::Version::kHardened ? ConfirmPolicy::kAlways : ConfirmPolicy::kOnAnomaly;
}

inline bool UsesConfirmation(wire::Version v) {
  return v == wire::Version::kV3Paper || v == wire::Version::kHardened;
}

// True when some frames are protected with AES-CCM: data frames with `encrypt_data`, and
// from v2 on the broadcast-key updates always (and the hardened broadcasts).
inline bool UsesCcm(const ProtocolConfig& c) {
  return c.encrypt_data || c.version != wire::Version::kV1;
}

// Checks values and combinations that would otherwise fail only at run time (a device
// that associates and then cannot protect a single frame). kOk, or kInvalidArgument with
// `field` (the configuration key, e.g. "tag_size") and `reason` (one line) set to static
// strings. No heap: usable by device firmware. Daemons, the config loader and the
// simulator call it before a core is built.
Error CheckProtocolConfig(const ProtocolConfig& c, const char** field, const char** reason);

}  // namespace vigil
