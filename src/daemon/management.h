// The gateway's management port (docs/operations.md):
//   GET /metrics           Prometheus text format
//   GET /health/live       200 while the gateway loop turns, 503 when it has stalled
//   GET /health/ready      200 when the gateway can do its job, 503 with the reasons
//   GET /alarms            active clinical and technical alarms, JSON (nurse station)
//   GET /alarms/stream     the same as server-sent events, as they happen
// The gateway thread publishes a snapshot (at most once per second) and alarm events;
// requests only read the latest snapshot, so no request touches the gateway's state and
// a scraper or a hostile client cannot slow the radio side down.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "daemon/http_server.h"

namespace vigil {

class ManagementServer {
 public:
  struct Snapshot {
    std::string metrics;                 // rendered MetricsText
    std::vector<std::string> not_ready;  // empty: ready
    std::string alarms_json = "[]";      // array of active alarms
  };

  // `listen` is "host:port" (port 0 picks one). Errors as HttpServer::Start.
  Error Start(const std::string& listen, std::string* why);
  void Stop() { http_.Stop(); }
  // Replaces the snapshot and marks the loop alive. Thread-safe.
  void Publish(Snapshot s);
  // Marks the loop alive without a new snapshot (cheap; call every turn).
  void Heartbeat();
  // Sends one alarm event (JSON object) to followers of /alarms/stream.
  void PublishAlarm(const std::string& event, const std::string& json);
  uint16_t port() const { return http_.port(); }
  HttpServer::Stats http_stats() const { return http_.stats(); }

  // Longest pause of the loop before /health/live fails.
  static constexpr int64_t kLiveTimeoutMs = 5000;

 private:
  HttpResponse Handle(const HttpRequest& r);

  HttpServer http_;
  std::mutex mu_;
  Snapshot snapshot_;
  bool published_ = false;
  std::atomic<int64_t> heartbeat_ms_{0};  // steady clock
};

}  // namespace vigil
