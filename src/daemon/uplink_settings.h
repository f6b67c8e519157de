// The [uplink] section of the gateway's configuration (docs/uplink.md, "Configuration").
// Without the section the uplink is off and the gateway runs as before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil {

struct UplinkSettings {
  bool enabled = false;                   // the file has an [uplink] section
  std::string broker = "127.0.0.1:8883";  // host:port of the MQTT broker (TLS)
  std::string server_name;  // checked against the broker's certificate; default: the host
  std::string ca;           // the uplink CA: the only one trusted for the broker
  std::string cert;         // this gateway's certificate (CN = gateway_id) ...
  std::string key;          // ... and its key (mode 0600)
  std::string crl;          // optional: the CA's CRL, checked against the broker's certificate
  std::string site;         // topic level: vigil/v1/<site>/<gateway_id>/...
  std::string gateway_id;
  std::string queue = "vigil-uplink.db";
  bool sync_full = true;  // sync = "full" | "normal" (outbox_queue.h, "Durability")
  uint64_t max_messages = 1000000;
  uint64_t max_bytes = uint64_t{512} << 20;
  uint32_t max_inflight = 64;
  uint32_t keepalive_s = 30;
  uint32_t connect_timeout_ms = 10000;
  uint32_t reconnect_min_ms = 500;
  uint32_t reconnect_max_ms = 30000;
  uint32_t status_interval_s = 60;
  // The cloud's command-verification public key (PEM, docs/uplink.md, "Downlink"). Set:
  // the gateway subscribes to vigil/down/v1/<site>/<gateway_id>/command and executes the
  // commands this key signed. Empty: no downlink, no command is ever executed.
  std::string command_key;
  // Where accepted command ids are remembered across restarts (replays stay refused);
  // default: the queue's path + ".commands".
  std::string command_state;
};

// "host:port" or "[v6]:port" of the broker: a DNS name or a numeric address, port 1..65535.
// False (and `why`) otherwise.
bool ParseBrokerAddress(std::string_view text, std::string* host, uint16_t* port, std::string* why);

// "" when `s` (enabled) is usable; otherwise "field: reason", one line. Files are not
// opened here (MqttUplink::Open does, with the error of each).
std::string ValidateUplinkSettings(const UplinkSettings& s);

}  // namespace vigil
