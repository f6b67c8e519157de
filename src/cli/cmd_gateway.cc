// vigil gateway: the CPAN daemon over UDP (see daemon/gateway.h).
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "cli/command.h"
#include "common/hex.h"
#include "daemon/config.h"
#include "daemon/gateway.h"
#include "daemon/gateway_downlink.h"
#include "daemon/log.h"
#include "daemon/mqtt_uplink.h"
#include "daemon/rotating_file.h"
#include "ids/alert.h"

namespace vigil::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reopen{false};
void OnSignal(int) { g_stop = true; }
// logrotate moved the files: reopen them; renewed uplink certificates or CRL: reload them.
void OnHangup(int) { g_reopen = true; }

struct GatewayOptions {
  std::string config;
  std::string listen, registry, registry_key, alerts, version, confirm, log, management;
};

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  fprintf(stderr, "vigil gateway: %s\n", msg.c_str());
  throw CLI::RuntimeError(code);
}

void Run(const GatewayOptions& o) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  if (!o.config.empty() && LoadDaemonConfig(o.config, &c, &why) != Error::kOk) Die(why, 2);
  if (!o.listen.empty()) c.gateway.listen = o.listen;
  if (!o.registry.empty()) c.gateway.registry = o.registry;
  if (!o.registry_key.empty()) c.gateway.registry_key = o.registry_key;
  if (!o.alerts.empty()) c.gateway.alerts = o.alerts;
  if (!o.log.empty()) c.gateway.log = o.log;
  if (!o.management.empty()) c.gateway.management = o.management;
  if (!o.version.empty()) {
    if (!ParseVersion(o.version, &c.protocol.version))
      Die("--version: expected v1, v2, v3-paper or hardened", 2);
    c.protocol.confirm = DefaultConfirmPolicy(c.protocol.version);
  }
  if (o.confirm == "always") c.protocol.confirm = ConfirmPolicy::kAlways;
  if (o.confirm == "on-anomaly") c.protocol.confirm = ConfirmPolicy::kOnAnomaly;
  const char* field = "";
  const char* reason = "";
  if (CheckProtocolConfig(c.protocol, &field, &reason) != Error::kOk)
    Die(std::string("[protocol] ") + field + ": " + reason, 2);
  RotatingFile log_file;
  std::unique_ptr<Logger> logger;
  if (c.gateway.log != "-") {
    RotatingFileOptions lo;
    lo.max_bytes = c.gateway.max_file_bytes;
    lo.keep = c.gateway.keep_files;
    if (log_file.Open(c.gateway.log, lo, &why) != Error::kOk) Die(why);
    logger = std::make_unique<Logger>("gateway", &log_file);
  } else {
    logger = std::make_unique<Logger>("gateway", stderr);
  }
  Gateway gw;
  if (gw.Open(c, *logger, &why) != Error::kOk) Die(why);
  // [uplink]: IDS alerts go up on .../security (docs/uplink.md); telemetry and alarms are
  // handed over the same way (MqttUplink::PublishTelemetry, PublishAlarm).
  std::unique_ptr<MqttUplink> uplink;
  if (c.uplink.enabled) {
    uplink = std::make_unique<MqttUplink>();
    if (uplink->Open(c.uplink, *logger, &why) != Error::kOk) Die(why);
    gw.set_uplink(uplink.get());  // readings and alarms
    gw.set_alert_hook([&uplink, &logger](const ids::Alert& a, const std::string& eve) {
      uplink::SecurityRecord r;
      r.signature_id = a.signature_id;
      r.severity = a.severity;
      if (a.uid != 0) r.device_uid = UidToString(a.uid);
      r.eve = eve;
      r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
      std::string w;
      if (uplink->PublishSecurity(r, &w) != Error::kOk)
        Log(*logger, "error", "uplink: alert not queued").With("error", w);
    });
  }
  // [uplink] command_key: the cloud's signed commands (device revocation) come down.
  GatewayDownlink downlink;
  if (c.uplink.enabled && downlink.Open(c.uplink, *logger, &why) != Error::kOk) Die(why, 2);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGHUP, OnHangup);
  while (!g_stop.load()) {
    gw.Poll(200);
    if (uplink) downlink.Poll(gw, *uplink);
    if (g_reopen.exchange(false)) {
      if (!log_file.path().empty()) log_file.Reopen();
      if (gw.ReopenFiles(&why) != Error::kOk)
        Log(*logger, "error", "cannot reopen the alert file").With("error", why);
      if (uplink && uplink->Reload(&why) != Error::kOk)
        Log(*logger, "error", "uplink reload").With("error", why);
    }
  }
  gw.Stop();
  if (uplink) uplink->Stop();
}

void Setup(CLI::App& app) {
  auto* cmd = app.add_subcommand("gateway", "Run the coordinator (CPAN) over UDP");
  auto o = std::make_shared<GatewayOptions>();
  cmd->add_option("--config", o->config, "TOML configuration file");
  cmd->add_option("--listen", o->listen, "host:port to listen on (default 127.0.0.1:47110)");
  cmd->add_option("--registry", o->registry, "Registry database written by `vigil enroll`");
  cmd->add_option("--registry-key", o->registry_key,
                  "Registry key file (default: $VIGIL_REGISTRY_KEY, else <registry>.key)");
  cmd->add_option("--alerts", o->alerts, "EVE JSON alert file, or - for stdout");
  cmd->add_option("--log", o->log, "Structured log file, or - for stderr");
  cmd->add_option("--management", o->management,
                  "host:port of the management port (/metrics, /health/*, /alarms); off if unset");
  cmd->add_option("--version", o->version, "v1 | v2 | v3-paper | hardened");
  cmd->add_option("--confirm", o->confirm, "always | on-anomaly")
      ->check(CLI::IsMember({"always", "on-anomaly"}));
  cmd->callback([o] { Run(*o); });
}

Registrar reg("gateway", &Setup);

}  // namespace
}  // namespace vigil::cli
