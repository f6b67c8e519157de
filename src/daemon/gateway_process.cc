#include "daemon/gateway_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "common/hex.h"
#include "daemon/flood_attacker.h"

namespace vigil {
namespace {

std::atomic<bool> g_child_stop{false};
std::atomic<int> g_child_phase{0};
static_assert(std::atomic<int>::is_always_lock_free, "used from a signal handler");

void OnChildTerm(int) { g_child_stop.store(true); }
void OnChildPhase(int) {
  if (g_child_phase.load() < kGatewayPhases - 1) g_child_phase.fetch_add(1);
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    off += static_cast<size_t>(n);
  }
}

// The child's whole life. Never returns.
[[noreturn]] void ChildMain(const DaemonConfig& config, const std::string& log_path,
                            const std::string& result_path, int ready_fd, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(3);
  int code = 0;
  try {
    struct sigaction sa {};
    sa.sa_handler = OnChildTerm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = OnChildPhase;
    sigaction(SIGUSR1, &sa, nullptr);

    FILE* log = fopen(log_path.c_str(), "w");
    if (log == nullptr) {
      WriteAll(ready_fd, "error " + log_path + ": " + std::strerror(errno) + "\n");
      _exit(1);
    }
    {
      Logger logger("gateway", log);
      Gateway gw;
      std::string why;
      if (gw.Open(config, logger, &why) != Error::kOk) {
        WriteAll(ready_fd, "error " + why + "\n");
        fclose(log);
        _exit(1);
      }
      std::unordered_map<uint64_t, std::array<uint64_t, kGatewayPhases>> counts;
      gw.set_data_hook([&counts](uint64_t uid, const std::string&) {
        ++counts[uid][static_cast<size_t>(g_child_phase.load(std::memory_order_relaxed))];
      });
      WriteAll(ready_fd, "ok " + std::to_string(gw.local().port()) + "\n");
      close(ready_fd);
      gw.Run(g_child_stop);

      nlohmann::json j;
      const Gateway::Stats& s = gw.stats();
      j["stats"] = {{"frames_in", s.frames_in},     {"frames_out", s.frames_out},
                    {"data_frames", s.data_frames}, {"security_events", s.security_events},
                    {"alerts", s.alerts},           {"associations", s.associations}};
      nlohmann::json data = nlohmann::json::object();
      for (const auto& [uid, c] : counts) data[UidToString(uid)] = c;
      j["data"] = std::move(data);
      const std::string tmp = result_path + ".tmp";
      {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump() << "\n";
        if (!out) code = 4;
      }
      if (code == 0 && rename(tmp.c_str(), result_path.c_str()) != 0) code = 4;
    }
    fclose(log);
  } catch (...) {
    code = 2;
  }
  _exit(code);
}

uint64_t FieldKb(const std::string& status, const char* name) {
  const size_t at = status.find(name);
  if (at == std::string::npos) return 0;
  return std::strtoull(status.c_str() + at + std::strlen(name), nullptr, 10);
}

}  // namespace

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

Error GatewayProcess::Start(const DaemonConfig& config, const std::string& log_path,
                            const std::string& result_path, std::string* why) {
  auto listen = Endpoint::Parse(config.gateway.listen, why);
  if (!listen.ok()) return listen.error();
  if (!IsLoopback127(*listen)) {
    *why = "the gateway must listen on 127.0.0.1, not " + config.gateway.listen;
    return Error::kInvalidArgument;
  }
  result_path_ = result_path;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    *why = std::string("pipe: ") + std::strerror(errno);
    return Error::kIo;
  }
  fflush(nullptr);  // nothing buffered may be written twice
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    *why = std::string("fork: ") + std::strerror(errno);
    close(p[0]);
    close(p[1]);
    return Error::kIo;
  }
  if (pid == 0) {
    close(p[0]);
    ChildMain(config, log_path, result_path, p[1], parent);
  }
  close(p[1]);
  pid_ = pid;
  std::string line;
  const int64_t deadline = MonotonicUs() + 30 * kSeconds;
  while (line.find('\n') == std::string::npos) {
    const int64_t left = deadline - MonotonicUs();
    if (left <= 0) break;
    pollfd pfd{p[0], POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left / 1000) + 1) <= 0) continue;
    char buf[512];
    const ssize_t n = read(p[0], buf, sizeof(buf));
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  if (line.rfind("ok ", 0) != 0) {
    *why = line.rfind("error ", 0) == 0 ? line.substr(6, line.find('\n') - 6)
                                        : std::string("the gateway process did not start");
    return Error::kIo;
  }
  const int port = std::atoi(line.c_str() + 3);
  auto ep = Endpoint::Parse("127.0.0.1:" + std::to_string(port), why);
  if (!ep.ok()) return ep.error();
  endpoint_ = *ep;
  return Error::kOk;
}

void GatewayProcess::NextPhase() {
  if (pid_ > 0) kill(pid_, SIGUSR1);
}

ProcessUsage GatewayProcess::ReadUsage() const {
  ProcessUsage u;
  if (pid_ <= 0) return u;
  const std::string dir = "/proc/" + std::to_string(pid_);
  {
    std::ifstream f(dir + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), {});
    const size_t paren = s.rfind(')');
    if (paren != std::string::npos) {
      // After "pid (comm)": field 3 (state) onwards; utime and stime are fields 14, 15.
      std::istringstream in(s.substr(paren + 2));
      std::string field;
      uint64_t utime = 0, stime = 0;
      for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
      }
      u.cpu_seconds =
          static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  {
    std::ifstream f(dir + "/status");
    std::string s((std::istreambuf_iterator<char>(f)), {});
    u.peak_rss_kb = FieldKb(s, "VmHWM:");
    u.rss_kb = FieldKb(s, "VmRSS:");
  }
  return u;
}

SocketCounters GatewayProcess::ReadSocket() const {
  SocketCounters c;
  char want[16];
  snprintf(want, sizeof(want), "0100007F:%04X", static_cast<unsigned>(endpoint_.port()));
  std::ifstream f("/proc/net/udp");
  std::string line;
  std::getline(f, line);  // header
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string sl, local, remote, st, queues;
    if (!(in >> sl >> local >> remote >> st >> queues)) continue;
    if (local != want) continue;
    const size_t colon = queues.find(':');
    if (colon != std::string::npos)
      c.rx_queue_bytes = std::strtoull(queues.c_str() + colon + 1, nullptr, 16);
    std::string last, field;
    while (in >> field) last = field;
    c.drops = std::strtoull(last.c_str(), nullptr, 10);
    c.found = true;
    break;
  }
  return c;
}

void GatewayProcess::WaitQueueEmpty(TimeUs limit) const {
  const int64_t deadline = MonotonicUs() + limit;
  int empty = 0;
  while (MonotonicUs() < deadline && empty < 5) {
    empty = ReadSocket().rx_queue_bytes == 0 ? empty + 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Error GatewayProcess::Stop(TimeUs timeout, GatewayReport* out, std::string* why) {
  if (pid_ <= 0) {
    *why = "the gateway process is not running";
    return Error::kInvalidState;
  }
  kill(pid_, SIGTERM);
  int status = 0;
  const int64_t deadline = MonotonicUs() + timeout;
  pid_t done = 0;
  while ((done = waitpid(pid_, &status, WNOHANG)) == 0 && MonotonicUs() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (done == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    *why = "the gateway process did not stop within its deadline (killed)";
    return Error::kIo;
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *why = "the gateway process failed (status " + std::to_string(status) + ")";
    return Error::kIo;
  }
  std::ifstream in(result_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    *why = result_path_ + ": the gateway's report is not valid JSON";
    return Error::kCorrupt;
  }
  try {
    const auto& s = j.at("stats");
    out->stats.frames_in = s.at("frames_in").get<uint64_t>();
    out->stats.frames_out = s.at("frames_out").get<uint64_t>();
    out->stats.data_frames = s.at("data_frames").get<uint64_t>();
    out->stats.security_events = s.at("security_events").get<uint64_t>();
    out->stats.alerts = s.at("alerts").get<uint64_t>();
    out->stats.associations = s.at("associations").get<uint64_t>();
    for (const auto& [key, v] : j.at("data").items()) {
      auto uid = UidFromString(key);
      if (!uid) continue;
      out->data[*uid] = v.get<std::array<uint64_t, kGatewayPhases>>();
    }
  } catch (const nlohmann::json::exception& e) {
    *why = result_path_ + ": " + e.what();
    return Error::kCorrupt;
  }
  return Error::kOk;
}

}  // namespace vigil
