// vigil uplink-load: commissions an uplink with synthetic vital signs: it opens the
// [uplink] of a configuration file (its queue, certificates and broker) and enqueues
// telemetry until the queue has given out --count sequence numbers, at --rate messages
// per second in batches of --batch, then waits until the broker has acknowledged them.
// A run killed half-way and started again on the same queue continues where the queue
// stands: sequence numbers are the queue's, so the total stays --count (what
// tests/e2e/uplink_durability.sh relies on). Prints one JSON line of figures.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/mqtt_uplink.h"

namespace vigil::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct LoadOptions {
  std::string config;
  std::string queue;
  uint64_t count = 10000;
  uint32_t batch = 100;
  double rate = 0;
  double drain_s = 60;
};

void Run(const LoadOptions& o) {
  DaemonConfig c = DefaultDaemonConfig();
  std::string why;
  if (LoadDaemonConfig(o.config, &c, &why) != Error::kOk) {
    std::fprintf(stderr, "vigil uplink-load: %s\n", why.c_str());
    throw CLI::RuntimeError(2);
  }
  if (!c.uplink.enabled) {
    std::fprintf(stderr, "vigil uplink-load: %s has no [uplink] section\n", o.config.c_str());
    throw CLI::RuntimeError(2);
  }
  if (!o.queue.empty()) c.uplink.queue = o.queue;
  Logger log("uplink-load", stderr);
  MqttUplink u;
  if (u.Open(c.uplink, log, &why) != Error::kOk) {
    std::fprintf(stderr, "vigil uplink-load: %s\n", why.c_str());
    throw CLI::RuntimeError(1);
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const auto start = std::chrono::steady_clock::now();
  uint64_t enqueued = 0;
  std::vector<uplink::TelemetryRecord> batch;
  uint64_t next = u.metrics().queue_depth;  // only for the synthetic values
  for (;;) {
    if (g_stop.load()) break;
    batch.clear();
    for (uint32_t i = 0; i < o.batch; ++i) {
      uplink::TelemetryRecord r;
      r.pseudonym = "p-load-" + std::to_string((next + i) % 100);
      r.ward = "load";
      r.device_kind = DeviceKind::kPulseOximeter;
      r.vital = (next + i) % 2 ? Vital::kSpO2 : Vital::kPulseRate;
      r.value = (next + i) % 2 ? 95 + static_cast<double>((next + i) % 5)
                               : 60 + static_cast<double>((next + i) % 40);
      r.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
      batch.push_back(r);
    }
    // The queue's own numbering decides how many are left.
    const uint64_t left = u.NextSeq() > o.count ? 0 : o.count - u.NextSeq() + 1;
    if (left == 0) break;
    if (batch.size() > left) batch.resize(left);
    if (u.PublishTelemetry(batch, &why) != Error::kOk) {
      std::fprintf(stderr, "vigil uplink-load: %s\n", why.c_str());
      throw CLI::RuntimeError(1);
    }
    enqueued += batch.size();
    next += batch.size();
    if (o.rate > 0) {
      const auto due =
          start + std::chrono::duration<double>(static_cast<double>(enqueued) / o.rate);
      std::this_thread::sleep_until(due);
    }
  }
  const double enqueue_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const bool drained = !g_stop.load() && u.WaitDrained(static_cast<TimeUs>(o.drain_s * 1e6));
  const double total_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const UplinkMetrics m = u.metrics();
  const uint64_t next_seq = u.NextSeq();
  u.Stop();
  std::printf(
      "{\"enqueued\":%llu,\"next_seq\":%llu,\"delivered\":%llu,\"waiting\":%llu,"
      "\"enqueue_s\":%.3f,\"total_s\":%.3f,\"delivered_per_s\":%.0f,\"drained\":%s}\n",
      static_cast<unsigned long long>(enqueued), static_cast<unsigned long long>(next_seq),
      static_cast<unsigned long long>(m.delivered), static_cast<unsigned long long>(m.queue_depth),
      enqueue_s, total_s, total_s > 0 ? static_cast<double>(m.delivered) / total_s : 0.0,
      drained ? "true" : "false");
  if (!drained && !g_stop.load()) throw CLI::RuntimeError(1);
}

void Setup(CLI::App& app) {
  auto o = std::make_shared<LoadOptions>();
  auto* cmd = app.add_subcommand("uplink-load", "Send synthetic vital signs through the uplink");
  cmd->add_option("--config", o->config, "TOML file with an [uplink] section")->required();
  cmd->add_option("--queue", o->queue, "queue file (default: [uplink] queue)");
  cmd->add_option("--count", o->count, "total sequence numbers the queue gives out");
  cmd->add_option("--batch", o->batch, "messages per commit")->check(CLI::Range(1, 100000));
  cmd->add_option("--rate", o->rate, "messages per second; 0 = as fast as the queue takes them");
  cmd->add_option("--drain-timeout", o->drain_s, "seconds to wait for the last acknowledgements");
  cmd->callback([o] { Run(*o); });
}

Registrar reg("uplink-load", &Setup);

}  // namespace
}  // namespace vigil::cli
