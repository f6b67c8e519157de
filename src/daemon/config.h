// The daemons' configuration: one TOML file (all sections optional; every field has an
// embedded default) plus command-line flags that override it.
//
//   [protocol]  version = "hardened" | "v3-paper" | "v2" | "v1"
//               authenticate, encrypt (bool), confirm = "always" | "on-anomaly",
//               tag_size = 8..16 (even unless v1 without encryption: AES-CCM), pan_id,
//               answer_window_ms, retransmit_timeout_ms, confirm_timeout_ms, allow_unauthenticated,
//               roll_common_function (bool; hardened only, and the same on the gateway and its
//               devices)
//   [gateway]   listen = "host:port", registry = path, registry_key = path (default:
//               $VIGIL_REGISTRY_KEY, else registry + ".key"), alerts = path | "-",
//               state = path, log = path | "-", max_file_bytes, keep_files,
//               management = "host:port" (Prometheus /metrics, health, local alarms)
//   [device]    gateway = "host:port", bind = "host:port", report_interval_ms,
//               store_dir = path, firmware = path, firmware_key = path (secure boot,
//               docs/firmware.md)
//   [ids]       rate_limit (bool), alerts_per_second, threshold_count, threshold_seconds,
//               threshold_track = "by_device" | "by_src" | "by_dst" | "by_rule",
//               summary_max_devices
//   [[ids.threshold]]  signature_id, type = "limit" | "suppress", track, count, seconds,
//               device_uid = "16 hex digits" (suppress only); one per signature
//   [uplink]    broker = "host:port", server_name, ca, cert, key, crl, site, gateway_id,
//               queue, sync = "full" | "normal", max_messages, max_bytes, max_inflight,
//               keepalive_s, connect_timeout_ms, reconnect_min_ms, reconnect_max_ms,
//               status_interval_s (daemon/uplink_settings.h, docs/uplink.md); absent: off
//
// Errors name the file, line and field: `gw.toml:7: [protocol] version: expected one of
// "v1", "v2", "v3-paper", "hardened", got "v4"`.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "connection/protocol_config.h"
#include "daemon/uplink_settings.h"
#include "edge/clinical/clinical_config.h"
#include "edge/privacy/privacy_config.h"
#include "ids/ids_config.h"

namespace vigil {

struct GatewaySettings {
  std::string listen = "127.0.0.1:47110";
  std::string registry = "vigil-gateway.db";
  std::string registry_key;  // empty: RegistryKeyPath(registry) (edge/registry.h)
  std::string alerts = "-";
  std::string state;  // default: registry + ".state"
  std::string log = "-";
  // Alert and log files: rotated at this size (0: never; logrotate may move them and send
  // SIGHUP instead), keeping this many old files.
  uint64_t max_file_bytes = 0;
  uint32_t keep_files = 5;
  // The management port (daemon/management.h): "host:port", empty = off. Bind it to a
  // loopback or management-network address: it has no authentication.
  std::string management;
  // The ward this gateway's CPAN serves (docs/edge.md): readings of devices bound to no
  // patient carry it.
  std::string ward = "ward";
};

struct DeviceSettings {
  std::string gateway = "127.0.0.1:47110";
  std::string bind = "127.0.0.1:0";
  uint32_t report_interval_ms = 1000;
  std::string store_dir;     // empty: secrets stay in memory (bundles are read each start)
  std::string firmware;      // the MCUboot image the devices boot; empty: no secure boot
  std::string firmware_key;  // the manufacturer's Ed25519 public key (PEM)
};

struct DaemonConfig {
  ProtocolConfig protocol;
  GatewaySettings gateway;
  DeviceSettings device;
  ids::IdsConfig ids;  // the gateway's IDS (only rate_limit is read from the file)
  UplinkSettings uplink;
  // The edge (edge/edge_node.h): patients, thresholds and NEWS2 (docs/clinical.md); the
  // site key of pseudonyms and the privacy budget (docs/privacy.md).
  clinical::ClinicalConfig clinical;
  privacy::PrivacySettings privacy;
};

// Embedded defaults: a deployment uses the hardened protocol with confirmation always.
DaemonConfig DefaultDaemonConfig();

// Parses TOML text; `origin` names it in errors. The [protocol] section must pass
// CheckProtocolConfig (connection/protocol_config.h). On error returns kInvalidArgument (or
// kNotFound for a missing file) and sets `why` to one line.
Error ParseDaemonConfig(std::string_view text, std::string_view origin, DaemonConfig* out,
                        std::string* why);
Error LoadDaemonConfig(const std::string& path, DaemonConfig* out, std::string* why);

// "v1" | "v2" | "v3-paper" | "hardened".
bool ParseVersion(std::string_view s, wire::Version* out);

}  // namespace vigil
