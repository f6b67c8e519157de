// The gateway's end of the downlink (docs/uplink.md, "Downlink: commands from the
// cloud"): the command lines the uplink received on vigil/down/v1/<site>/<gateway>/command
// are checked (uplink::CommandGuard: the cloud's Ed25519 key, this gateway's address, the
// expiry, the replay memory) and only then executed on the gateway; each answer goes back
// up as a `device` message naming the command, and each refusal is a security event
// (downlink_signatures.h) in the alert file and on the uplink.
//
// | verdict            | executed | answered up          | alert              |
// |--------------------|----------|----------------------|--------------------|
// | accepted, revoke   | yes      | done (or refused: unknown device) | none  |
// | replayed, accepted before (the cloud re-sends: its ack was lost) | no | done again | 9100301 |
// | replayed (reused nonce), expired, not yet valid | no | no  | 9100301 / 9100300 |
// | forged, misaddressed, malformed | no | no            | 9100300            |
//
// An unsigned line is never answered: its id is the sender's choice, and an answer would
// let whoever can publish settle a real command in the cloud.
//
// The replay memory is written (mode 0600, atomically) before a command is executed; a
// gateway that cannot write it executes nothing (fail closed) and the cloud re-sends.
// Thread-safety: Poll runs on the gateway's thread.
#pragma once

#include <memory>
#include <string>

#include "common/error.h"
#include "daemon/log.h"
#include "daemon/uplink_settings.h"
#include "edge/uplink/command.h"

namespace vigil {

class Gateway;
class MqttUplink;

class GatewayDownlink {
 public:
  struct Stats {
    uint64_t accepted = 0;
    uint64_t refused = 0;
    uint64_t reacknowledged = 0;
  };

  // Reads the cloud's public key (settings.command_key, PEM) and the replay memory
  // (settings.command_state, default <queue>.commands; missing is empty). kNotFound or
  // kInvalidArgument with `why` for a missing or unusable key.
  Error Open(const UplinkSettings& settings, Logger& log, std::string* why);
  bool enabled() const { return guard_ != nullptr; }

  // Handles every line the uplink received since the last call.
  void Poll(Gateway& gateway, MqttUplink& uplink);

  // One line, at `now_ms` (what Poll does per line; tests drive it directly).
  uplink::CommandVerdict Handle(std::string_view line, int64_t now_ms, Gateway& gateway,
                                MqttUplink& uplink);

  const Stats& stats() const { return stats_; }

 private:
  void Refuse(uplink::CommandVerdict v, const uplink::Command* c, bool parsed, Gateway& gateway);
  void Answer(const uplink::Command& c, bool done, const std::string& detail, Gateway& gateway,
              MqttUplink& uplink);
  bool SaveMemory(std::string* why);

  Logger* log_ = nullptr;
  std::string state_path_;
  uplink::CommandVerifier verifier_;
  std::unique_ptr<uplink::CommandGuard> guard_;
  Stats stats_;
};

}  // namespace vigil
