// `vigil flood` (docs/flood.md): what an attacker without any secret can do to the real
// gateway, measured on loopback UDP.
//
// One run of a mode, in a private temporary directory removed at the end (also on
// failure):
//  1. enrollment: a registry with `devices` devices and a sealed store per device;
//  2. the gateway in a child process (GatewayProcess), so that its CPU time, peak memory,
//     log and alert lines are its own;
//  3. `honest` devices associate and send data every `report_interval_ms`; the first
//     `restarts` of them each run alone (a DeviceFleet of one, in its own thread) so that
//     they can be restarted as a reboot would: a new core from the sealed store and a new
//     UDP socket (a new source port);
//  4. baseline: each restartable device restarts once, `baseline_spacing` apart, with no
//     attacker: the unloaded time to associate;
//  5. flood: the attacker (flood_attacker.h) runs for `duration` (at most `max_packets`)
//     while the restartable devices restart again, spread evenly over the flood; the
//     steady devices' data frames are counted against what the gateway verified;
//  6. the restarted devices get `assoc_deadline` each to associate, then everything stops
//     and the figures are collected.
// kStorm is different: no attacker and no baseline; `storm_devices` devices powered up at
// once, and the time until all are associated.
//
// Every address is 127.0.0.1 (another `address` is refused); every run is bounded in
// packets and time. Not thread-safe; forks (see gateway_process.h), so call it while the
// process runs no other thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "connection/protocol_config.h"
#include "daemon/flood_attacker.h"
#include "daemon/gateway.h"

namespace vigil {

enum class FloodMode : uint8_t { kNone, kRandomUids, kEnrolledUids, kPorts, kData, kStorm };

const char* FloodModeName(FloodMode m);
bool ParseFloodMode(std::string_view s, FloodMode* out);
// What `--mode all` runs, in order.
std::vector<FloodMode> AllFloodModes();

struct FloodOptions {
  ProtocolConfig protocol;  // hardened, confirmation always (the deployment default)
  int devices = 50;         // enrolled
  int honest = 45;          // associated before the flood, sending data
  int restarts = 20;        // of the honest devices: restarted in the baseline and the flood
  uint32_t report_interval_ms = 100;
  TimeUs assoc_deadline = 5 * kSeconds;  // a restart that takes longer failed
  TimeUs baseline_spacing = 100 * kMillis;
  // The attacker (AttackPlan).
  int sockets = 1000;
  int ports = 31000;
  int batch = 32;
  TimeUs duration = 10 * kSeconds;
  uint64_t max_packets = 20'000'000;
  uint64_t rate = 0;  // attack packets per second at most; 0: as fast as one core sends
  // kStorm.
  int storm_devices = 1000;
  TimeUs storm_deadline = 60 * kSeconds;
  // Where the storm's emulated devices keep their sealed stores: memory-backed storage,
  // since real devices each write their own flash at once while one thread drives the
  // whole fleet here. Empty, or not a directory: beside the registry.
  std::string device_store_parent = "/dev/shm";
  std::string address = "127.0.0.1";  // the only one accepted
  std::string temp_parent;            // where the temporary directory goes (default $TMPDIR, /tmp)
  // Progress lines (may be empty).
  std::function<void(const std::string&)> progress;
  // Set from elsewhere (a signal) to end the run early; the directory is still removed.
  const std::atomic<bool>* abort = nullptr;
};

// Restart-to-association times of one set of restarts.
struct AssocSummary {
  int attempts = 0;       // restarts
  int succeeded = 0;      // associated within the deadline
  double median_ms = -1;  // of the successful ones; -1: none
  double p95_ms = -1;
  uint64_t failures = 0;  // association attempts that failed (the device retries)
  double success_share() const {
    return attempts > 0 ? static_cast<double>(succeeded) / attempts : 0;
  }
};

struct FloodModeReport {
  FloodMode mode = FloodMode::kNone;
  std::string error;  // set if the run could not be completed
  std::vector<std::string> warnings;

  bool attacked = false;
  AttackResult attack;

  // Honest devices.
  int honest = 0;
  int honest_ready = 0;   // associated before the baseline
  AssocSummary unloaded;  // baseline restarts
  AssocSummary loaded;    // restarts during the flood
  // Steady (never restarted) devices: data frames sent during the flood, and verified by
  // the gateway (counted until its receive queue drained after the flood).
  int steady = 0;
  uint64_t data_sent = 0;
  uint64_t data_verified = 0;
  double min_device_share = -1;   // -1: no steady device sent anything
  int steady_below_half = 0;      // steady devices with less than half their frames verified
  int steady_reassociated = 0;    // steady devices that associated again (session lost)
  uint64_t data_sent_before = 0;  // the same before the flood (a check: share 1.0)
  uint64_t data_verified_before = 0;

  // The gateway.
  double window_seconds = 0;  // the flood (kStorm: until all associated)
  double load_average = -1;   // the machine's 1-minute load when the window opened
  double cpu_seconds = 0;     // gateway CPU during that window
  double cpu_total_seconds = 0;
  uint64_t rss_before_kb = 0;  // VmHWM when the window opened
  uint64_t peak_rss_kb = 0;    // VmHWM at the end
  uint64_t rx_drops = 0;       // datagrams its socket dropped (buffer full), whole run
  uint64_t log_lines = 0;
  uint64_t log_bytes = 0;
  uint64_t alert_lines = 0;
  std::map<std::string, uint64_t> alerts_by_signature;
  // Source ports honest devices associated from, and the IDENTITY alerts whose evidence
  // came from one of them (an honest device called an impostor). An IDENTITY alert on an
  // attacker's source (a forged request the device disowned) is right and not counted.
  std::set<uint16_t> honest_ports;
  uint64_t identity_alerts_on_honest = 0;
  Gateway::Stats stats;

  // kStorm.
  int storm_devices = 0;
  int storm_associated = 0;
  double storm_all_ms = -1;            // power-up to the last first association; -1: not all
  double storm_spread_ms = 0;          // the fleet's last first attempt after power-up
  double loopback_rtt_us = -1;         // measured before the power-up
  double storm_floor_ms = -1;          // spread + the association's round trips on loopback
  std::string storm_store_dir;         // where the devices' stores were
  double storm_fleet_cpu_seconds = 0;  // the thread driving every device, over the window
  AssocSummary storm;                  // per device, power-up to first association
  uint64_t flood_alerts = 0;           // FLOOD alerts (false positives in a storm)

  double verified_share() const {
    return data_sent > 0 ? static_cast<double>(data_verified) / static_cast<double>(data_sent) : -1;
  }
  double cpu_percent() const {
    return window_seconds > 0 ? 100.0 * cpu_seconds / window_seconds : 0;
  }
};

// Runs one mode. Never throws; a failure is reported in `error`.
FloodModeReport RunFloodMode(const FloodOptions& options, FloodMode mode);

// A table with one column per mode (flood modes) and a section for the storm.
std::string FormatFloodTable(const FloodOptions& options,
                             const std::vector<FloodModeReport>& reports);
// The same figures as one JSON document.
std::string FloodReportJson(const FloodOptions& options,
                            const std::vector<FloodModeReport>& reports);

// Nearest-rank percentile (0..100) of `v` (sorted in place); -1 when empty.
double Percentile(std::vector<double>& v, double pct);

}  // namespace vigil
