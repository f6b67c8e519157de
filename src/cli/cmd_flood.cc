// vigil flood: what an attacker without any secret does to the real gateway, measured on
// loopback UDP (see daemon/flood_harness.h and docs/flood.md).
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "daemon/config.h"
#include "daemon/flood_harness.h"

namespace vigil::cli {
namespace {

std::atomic<bool> g_abort{false};
void OnSignal(int) { g_abort = true; }

struct FloodCliOptions {
  std::string mode = "all";
  std::string address = "127.0.0.1";
  std::string version = "hardened";
  int devices = 50, honest = 45, restarts = 20;
  int interval_ms = 100;
  double deadline = 5;
  int sockets = 1000, ports = 31000, batch = 32;
  double seconds = 10;
  uint64_t packets = 20'000'000;
  uint64_t rate = 0;
  int storm_devices = 1000;
  double storm_deadline = 60;
  std::string device_store_dir = "/dev/shm";
  std::string temp_dir;
  bool json = false;
  bool quiet = false;
};

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  fprintf(stderr, "vigil flood: %s\n", msg.c_str());
  throw CLI::RuntimeError(code);
}

void Run(const FloodCliOptions& c) {
  std::vector<FloodMode> modes;
  if (c.mode == "all") {
    modes = AllFloodModes();
  } else {
    FloodMode m;
    if (!ParseFloodMode(c.mode, &m)) Die("unknown --mode " + c.mode, 2);
    modes.push_back(m);
  }
  if (c.address != "127.0.0.1")
    Die("--address " + c.address + " refused: the flood runs on 127.0.0.1 only", 2);
  FloodOptions o;
  if (!ParseVersion(c.version, &o.protocol.version))
    Die("--version: expected v1, v2, v3-paper or hardened", 2);
  o.protocol.confirm = DefaultConfirmPolicy(o.protocol.version);
  o.devices = c.devices;
  o.honest = c.honest;
  o.restarts = c.restarts;
  o.report_interval_ms = static_cast<uint32_t>(c.interval_ms);
  o.assoc_deadline = static_cast<TimeUs>(c.deadline * 1e6);
  o.sockets = c.sockets;
  o.ports = c.ports;
  o.batch = c.batch;
  o.duration = static_cast<TimeUs>(c.seconds * 1e6);
  o.max_packets = c.packets;
  o.rate = c.rate;
  o.storm_devices = c.storm_devices;
  o.storm_deadline = static_cast<TimeUs>(c.storm_deadline * 1e6);
  o.device_store_parent = c.device_store_dir;
  o.address = c.address;
  o.temp_parent = c.temp_dir;
  o.abort = &g_abort;
  if (!c.quiet) o.progress = [](const std::string& line) { fprintf(stderr, "%s\n", line.c_str()); };
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);

  std::vector<FloodModeReport> reports;
  bool failed = false;
  for (FloodMode m : modes) {
    if (g_abort) break;
    reports.push_back(RunFloodMode(o, m));
    if (!reports.back().error.empty()) {
      failed = true;
      fprintf(stderr, "vigil flood: %s: %s\n", FloodModeName(m), reports.back().error.c_str());
    }
  }
  const std::string text = c.json ? FloodReportJson(o, reports) : FormatFloodTable(o, reports);
  fputs(text.c_str(), stdout);
  fflush(stdout);
  if (failed || g_abort) throw CLI::RuntimeError(1);
}

void Setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "flood", "Measure what an attacker without secrets does to the gateway (loopback only)");
  auto o = std::make_shared<FloodCliOptions>();
  cmd->add_option("--mode", o->mode,
                  "all | none | random-uids | enrolled-uids | ports | data | storm")
      ->check(
          CLI::IsMember({"all", "none", "random-uids", "enrolled-uids", "ports", "data", "storm"}))
      ->capture_default_str();
  cmd->add_option("--address", o->address, "Loopback address (only 127.0.0.1 is accepted)")
      ->capture_default_str();
  cmd->add_option("--version", o->version, "Protocol: v1 | v2 | v3-paper | hardened")
      ->capture_default_str();
  cmd->add_option("--devices", o->devices, "Enrolled devices")->capture_default_str();
  cmd->add_option("--honest", o->honest, "Honest devices associated before the flood")
      ->capture_default_str();
  cmd->add_option("--restarts", o->restarts, "Honest devices restarted during the flood")
      ->capture_default_str();
  cmd->add_option("--interval-ms", o->interval_ms, "Data frame interval of honest devices")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  cmd->add_option("--deadline", o->deadline, "Seconds a restarted device has to associate")
      ->capture_default_str();
  cmd->add_option("--sockets", o->sockets, "Attacker sockets (K)")->capture_default_str();
  cmd->add_option("--ports", o->ports, "ports mode: source ports opened over the flood")
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "Datagrams per sendmmsg call")->capture_default_str();
  cmd->add_option("--seconds", o->seconds, "Flood duration (T)")->capture_default_str();
  cmd->add_option("--packets", o->packets, "At most this many attack packets (P)")
      ->capture_default_str();
  cmd->add_option("--rate", o->rate,
                  "At most this many attack packets per second (0: as fast as one core sends)")
      ->capture_default_str();
  cmd->add_option("--storm-devices", o->storm_devices, "storm mode: devices powered up at once")
      ->capture_default_str();
  cmd->add_option("--storm-deadline", o->storm_deadline, "storm mode: seconds to wait at most")
      ->capture_default_str();
  cmd->add_option("--device-store-dir", o->device_store_dir,
                  "storm mode: where the devices' sealed stores go (memory-backed, as each "
                  "real device writes its own flash; empty: beside the registry)")
      ->capture_default_str();
  cmd->add_option("--temp-dir", o->temp_dir,
                  "Where the temporary directory is made (default $TMPDIR or /tmp)");
  cmd->add_flag("--json", o->json, "Print the figures as JSON");
  cmd->add_flag("--quiet", o->quiet, "No progress lines on stderr");
  cmd->callback([o] { Run(*o); });
}

Registrar reg("flood", &Setup);

}  // namespace
}  // namespace vigil::cli
