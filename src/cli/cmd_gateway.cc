// vigil gateway: the CPAN daemon over UDP (see daemon/gateway.h).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/command.h"
#include "daemon/config.h"
#include "daemon/gateway.h"

namespace vigil::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct GatewayOptions {
  std::string config;
  std::string listen, registry, registry_key, alerts, version, confirm, log;
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
  FILE* log = stderr;
  if (c.gateway.log != "-") {
    log = fopen(c.gateway.log.c_str(), "a");
    if (log == nullptr) Die(c.gateway.log + ": " + strerror(errno));
  }
  Logger logger("gateway", log);
  Gateway gw;
  if (gw.Open(c, logger, &why) != Error::kOk) Die(why);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  gw.Run(g_stop);
  if (log != stderr) fclose(log);
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
  cmd->add_option("--version", o->version, "v1 | v2 | v3-paper | hardened");
  cmd->add_option("--confirm", o->confirm, "always | on-anomaly")
      ->check(CLI::IsMember({"always", "on-anomaly"}));
  cmd->callback([o] { Run(*o); });
}

Registrar reg("gateway", &Setup);

}  // namespace
}  // namespace vigil::cli
