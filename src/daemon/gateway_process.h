// A Gateway run in a child process, so that the process measuring it (`vigil flood`,
// docs/flood.md) can read the gateway's own CPU time and peak memory from /proc, count
// the lines of its log and alert files, and see its socket's queue and drops, while the
// attacker and the devices run beside it.
//
// The child: Gateway::Open with the given configuration (log to `log_path`), then Run
// until SIGTERM, with a data hook that counts the verified data frames of every uid in
// the current *phase*. Phases start at 0; each SIGUSR1 moves to the next one (at most
// kGatewayPhases - 1), so that a caller can split its counts at the moments it chooses
// (before, during and after a flood). On SIGTERM the child writes its counts and
// Gateway::stats() as JSON to `result_path` and exits; it is killed if its parent dies.
//
// Fork happens in Start(): the calling process must not have other threads running then.
// Not thread-safe; the usage readers only read /proc and may be called from any thread.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "common/error.h"
#include "common/time.h"
#include "daemon/config.h"
#include "daemon/gateway.h"
#include "daemon/udp.h"

namespace vigil {

inline constexpr int kGatewayPhases = 4;

struct GatewayReport {
  Gateway::Stats stats;
  // Verified data frames per device uid, per phase.
  std::map<uint64_t, std::array<uint64_t, kGatewayPhases>> data;
};

struct ProcessUsage {
  double cpu_seconds = 0;    // user + system, from /proc/<pid>/stat
  uint64_t peak_rss_kb = 0;  // VmHWM
  uint64_t rss_kb = 0;       // VmRSS
};

struct SocketCounters {
  bool found = false;
  uint64_t rx_queue_bytes = 0;  // waiting in the receive buffer
  uint64_t drops = 0;           // datagrams the kernel dropped (buffer full)
};

class GatewayProcess {
 public:
  GatewayProcess() = default;
  // Kills (SIGKILL) and reaps a child that is still running.
  ~GatewayProcess();
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  // Forks the gateway and waits (up to 30 s) until it listens. `config.gateway.listen`
  // must be on 127.0.0.1. Errors: kInvalidArgument, kIo (fork, pipe), or the gateway's
  // own Open() error, with `why` set.
  Error Start(const DaemonConfig& config, const std::string& log_path,
              const std::string& result_path, std::string* why);
  pid_t pid() const { return pid_; }
  const Endpoint& endpoint() const { return endpoint_; }

  // Sends SIGUSR1: the child's data counts continue in the next phase.
  void NextPhase();
  ProcessUsage ReadUsage() const;
  // The gateway socket's line of /proc/net/udp.
  SocketCounters ReadSocket() const;
  // Waits (up to `limit`) until the gateway's receive queue stays empty for 50 ms.
  void WaitQueueEmpty(TimeUs limit) const;

  // SIGTERM, waits up to `timeout` (then SIGKILL), and reads the report.
  Error Stop(TimeUs timeout, GatewayReport* out, std::string* why);

 private:
  pid_t pid_ = -1;
  Endpoint endpoint_;
  std::string result_path_;
};

}  // namespace vigil
