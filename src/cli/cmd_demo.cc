// vigil demo: the main job on embedded defaults. The whole hospital by default
// (demo_hospital.h: the broker, the cloud, a gateway per ward, patients, devices, staff
// accounts and intruders, until Ctrl-C or --duration). With --protocol-only, the quick
// protocol demo: a gateway, a handful of devices and two intruders on loopback UDP, in one
// process: devices associate and exchange protected frames; the intruders are refused and
// the IDS raises alerts naming the devices they impersonate.
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/command.h"
#include "cli/demo_hospital.h"
#include "common/hex.h"
#include "daemon/config.h"
#include "daemon/udp_demo.h"

namespace vigil::cli {
namespace {

struct DemoOptions {
  int devices = 6;
  double seconds = 8;
  std::string version = "hardened";
  std::string confirm;
  std::string keep;
  bool protocol_only = false;
  double duration = 0;
  int beds = 2;
  double attack_period = 60;
};

void RunHospital(const DemoOptions& d) {
  HospitalDemoOptions o;
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) {
    perror("vigil demo: /proc/self/exe");
    throw CLI::RuntimeError(2);
  }
  o.self.assign(self, static_cast<size_t>(n));
  o.duration_s = d.duration;
  o.keep = d.keep;
  o.beds_per_ward = d.beds;
  o.attack_period_s = d.attack_period;
  const int code = RunHospitalDemo(o);
  if (code != 0) throw CLI::RuntimeError(code);
}

void RunDemo(const DemoOptions& d) {
  UdpDemoOptions o;
  if (!ParseVersion(d.version, &o.protocol.version)) {
    fprintf(stderr, "vigil demo: --version: expected v1, v2, v3-paper or hardened\n");
    throw CLI::RuntimeError(2);
  }
  o.protocol.confirm = DefaultConfirmPolicy(o.protocol.version);
  if (d.confirm == "always") o.protocol.confirm = ConfirmPolicy::kAlways;
  if (d.confirm == "on-anomaly") o.protocol.confirm = ConfirmPolicy::kOnAnomaly;
  o.devices = d.devices;
  o.duration = static_cast<TimeUs>(d.seconds * 1e6);
  o.intruders_at = o.duration / 4;
  std::string dir = d.keep;
  if (dir.empty()) {
    char tmpl[] = "/tmp/vigil-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      perror("vigil demo: mkdtemp");
      throw CLI::RuntimeError(1);
    }
    dir = tmpl;
  } else {
    std::filesystem::create_directories(dir);
  }
  o.work_dir = dir;
  o.narrate = [](const std::string& line) {
    printf("%s\n", line.c_str());
    fflush(stdout);
  };
  printf("Vigil demo: %d devices, 2 intruders, %.0f s on loopback UDP (work dir %s)\n\n", d.devices,
         d.seconds, dir.c_str());
  UdpDemoOutcome r = RunUdpDemo(o);
  if (!r.error.empty()) {
    fprintf(stderr, "vigil demo: %s\n", r.error.c_str());
    throw CLI::RuntimeError(1);
  }
  const bool ext_ok = !r.external_ever_associated && r.AlertedFor(r.external_victim);
  const bool int_ok = !r.internal_ever_associated && r.AlertedFor(r.internal_victim);
  const bool uses_detection = UsesConfirmation(o.protocol.version);
  printf("\nSummary\n");
  printf("  honest devices associated     %d / %d\n", r.devices_associated, r.devices);
  printf("  protected frames verified     %llu\n", static_cast<unsigned long long>(r.data_frames));
  printf("  reading packs decoded         %llu (%llu clinical readings, %llu packs refused)\n",
         static_cast<unsigned long long>(r.telemetry_packs),
         static_cast<unsigned long long>(r.clinical_readings),
         static_cast<unsigned long long>(r.telemetry_refused));
  printf("  clinical alarms at the edge   %llu raised (%llu events)%s%s\n",
         static_cast<unsigned long long>(r.alarms_raised),
         static_cast<unsigned long long>(r.alarm_events),
         r.first_alarm.empty() ? "" : ", first: ", r.first_alarm.c_str());
  printf("  security events at gateway    %llu\n",
         static_cast<unsigned long long>(r.security_events));
  printf("  IDS alerts (EVE JSON)         %zu  -> %s/alerts.eve.json\n", r.alerts.size(),
         dir.c_str());
  printf("  external intruder (%s)  %s, %s\n", UidToString(r.external_victim).c_str(),
         r.external_ever_associated ? "GOT IN" : "refused",
         r.AlertedFor(r.external_victim) ? "alerted" : "no alert");
  printf("  internal intruder (%s)  %s, %s\n", UidToString(r.internal_victim).c_str(),
         r.internal_ever_associated ? "GOT IN" : "refused",
         r.AlertedFor(r.internal_victim) ? "alerted" : "no alert");
  printf("  logs                          %s/vigil.log\n", dir.c_str());
  if (!r.alerts.empty()) printf("\nFirst alert as written:\n  %s\n", r.alerts.front().eve.c_str());
  const bool ok = r.devices_associated == r.devices && r.data_frames > 0 && r.alarms_raised > 0 &&
                  (!uses_detection || (ext_ok && int_ok));
  if (!uses_detection)
    printf("\n(%s has no intrusion detection: see docs/protocol.md)\n", d.version.c_str());
  if (!ok) throw CLI::RuntimeError(1);
}

void Setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the whole hospital on this machine (broker, cloud, ward gateways, devices, "
      "intruders) until Ctrl-C; --protocol-only: the quick protocol demo on loopback UDP");
  auto opts = std::make_shared<DemoOptions>();
  cmd->add_option("--duration", opts->duration,
                  "Stop after this many seconds (default: run until Ctrl-C)")
      ->check(CLI::Range(0.0, 7.0 * 86400));
  cmd->add_option("--keep", opts->keep,
                  "Work directory to keep (empty or absent; default: a fresh temp dir, removed)");
  cmd->add_option("--beds", opts->beds, "Beds per ward (default 2)")->check(CLI::Range(1, 8));
  cmd->add_option("--attack-period", opts->attack_period,
                  "Seconds between two rounds of intruders (default 60)")
      ->check(CLI::Range(20.0, 86400.0));
  auto* po = cmd->add_flag("--protocol-only", opts->protocol_only,
                           "The quick protocol demo: one gateway, devices and two intruders on "
                           "loopback UDP, in one process");
  auto needs_po = [po](CLI::Option* o) { return o->needs(po); };
  needs_po(cmd->add_option("--devices", opts->devices, "--protocol-only: honest devices (6)")
               ->check(CLI::Range(2, 200)));
  needs_po(cmd->add_option("--seconds", opts->seconds, "--protocol-only: duration (8)")
               ->check(CLI::Range(2.0, 3600.0)));
  needs_po(cmd->add_option("--version", opts->version,
                           "--protocol-only: v1 | v2 | v3-paper | hardened (default)"));
  needs_po(cmd->add_option("--confirm", opts->confirm, "--protocol-only: always | on-anomaly")
               ->check(CLI::IsMember({"always", "on-anomaly"})));
  cmd->callback([opts] {
    if (opts->protocol_only)
      RunDemo(*opts);
    else
      RunHospital(*opts);
  });
}

Registrar reg("demo", &Setup);

}  // namespace
}  // namespace vigil::cli
