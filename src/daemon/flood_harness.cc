#include "daemon/flood_harness.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "common/hex.h"
#include "connection/crypto/openssl_provider.h"
#include "daemon/device_fleet.h"
#include "daemon/gateway_process.h"
#include "device/sealed_store.h"
#include "edge/registry.h"

namespace vigil {
namespace {

// ---- the temporary directory ----

class ScopedDir {
 public:
  explicit ScopedDir(const std::string& parent) {
    std::string base = parent;
    if (base.empty()) {
      const char* t = getenv("TMPDIR");
      base = t != nullptr && *t != '\0' ? t : "/tmp";
    }
    std::string tmpl = base + "/vigil-flood-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScopedDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- enrollment ----

const DeviceKind kKinds[] = {DeviceKind::kEcgPatch,     DeviceKind::kPulseOximeter,
                             DeviceKind::kThermometer,  DeviceKind::kBpCuff,
                             DeviceKind::kInfusionPump, DeviceKind::kSmartwatch};

struct Enrolled {
  DeviceSecrets secrets;
  DeviceKind kind = DeviceKind::kOther;
  std::string store_base;  // <dir>/stores/<uid>: .sealed and .key
};

struct Enrollment {
  uint64_t cpan_uid = 0;
  std::vector<Enrolled> devices;
  ~Enrollment() {
    for (Enrolled& d : devices) SecureZero(&d.secrets, sizeof(d.secrets));
  }
};

// The registry goes in `dir`, the devices' sealed stores in `store_dir`.
Error Enroll(const std::string& dir, const std::string& store_dir, int count, Enrollment* out,
             std::string* why) {
  OpenSslCrypto crypto;
  OsRandom rng;
  Registry reg;
  if (reg.Create(dir + "/gateway.db") != Error::kOk) {
    *why = reg.last_error();
    return Error::kIo;
  }
  auto id = reg.EnsureCpanIdentity(crypto, rng, static_cast<int64_t>(time(nullptr)));
  if (!id.ok()) {
    *why = reg.last_error();
    return id.error();
  }
  out->cpan_uid = id->uid;
  std::filesystem::create_directories(store_dir);
  for (int i = 0; i < count; ++i) {
    Enrolled e;
    DeviceSecrets& s = e.secrets;
    do {
      std::array<uint8_t, 8> b{};
      rng.Fill(b);
      s.uid = 0;
      for (uint8_t x : b) s.uid = s.uid << 8 | x;
    } while (!IsAssignableUid(s.uid) || s.uid == id->uid);
    s.cpan_uid = id->uid;
    s.cpan_sign_pub = id->sign_pub;
    rng.Fill(s.kd);
    rng.Fill(s.secretkey2);
    const std::string user = "dev-" + UidToString(s.uid);
    std::array<uint8_t, 15> pw{};
    rng.Fill(pw);
    s.username.Set(ByteSpan(reinterpret_cast<const uint8_t*>(user.data()), user.size()));
    s.password.Set(pw);
    e.kind = kKinds[i % 6];
    DeviceRecord rec;
    if (DeviceRecordFromSecrets(crypto, s, &rec) != Error::kOk) {
      *why = "cannot compute the common function";
      return Error::kCrypto;
    }
    rec.kind = e.kind;
    rec.name = std::string(DeviceKindName(e.kind)) + "-" + std::to_string(i);
    rec.ward = "flood";
    if (reg.AddDevice(rec) != Error::kOk) {
      *why = reg.last_error();
      return Error::kIo;
    }
    SecureZero(rec.kd.data(), rec.kd.size());
    e.store_base = store_dir + "/" + UidToString(s.uid);
    SealedFileStore store(crypto, rng, e.store_base + ".sealed", e.store_base + ".key");
    if (store.Open() != Error::kOk || store.Seal(s) != Error::kOk) {
      *why = store.last_error();
      return Error::kIo;
    }
    out->devices.push_back(e);
  }
  SecureZero(id->sign_priv.data(), id->sign_priv.size());
  return Error::kOk;
}

// Adds one enrolled device, with its sealed store, to a fleet.
Error AddToFleet(DeviceFleet& fleet, const Enrolled& e, const std::string& label,
                 std::string* why) {
  auto store = std::make_unique<SealedFileStore>(fleet.crypto(), fleet.random(),
                                                 e.store_base + ".sealed", e.store_base + ".key");
  if (store->Open() != Error::kOk) {
    *why = store->last_error();
    return Error::kIo;
  }
  return fleet.Add(label, e.secrets, e.kind, why, std::move(store));
}

// ---- honest devices ----

enum Phase { kInitial = 0, kBaseline = 1, kFlood = 2, kPhases = 3 };

struct Life {
  int phase = kInitial;
  int64_t start = 0;        // MonotonicUs when the device came up
  int64_t associated = -1;  // first association of this life
  uint64_t failures = 0;
};

// A device that can reboot: a fleet of one, driven by its own thread.
struct Restartable {
  const Enrolled* device = nullptr;
  std::string label;
  std::atomic<int> restart{-1};  // the phase of the requested restart; -1: none
  std::vector<Life> lives;       // its thread's; read after the join
  std::string error;
};

struct Shared {
  DaemonConfig config;
  Logger* log = nullptr;
  std::atomic<bool> stop{false};
  std::atomic<int> associated[kPhases] = {};  // lives associated, per phase
  std::mutex ports_mu;
  std::set<uint16_t> honest_ports;  // every source an honest device associated from
  void HonestPort(const DeviceFleet::Member& m) {
    std::lock_guard<std::mutex> lock(ports_mu);
    honest_ports.insert(m.socket.local().port());
  }
};

void RunRestartable(Restartable& r, Shared& sh) {
  std::unique_ptr<DeviceFleet> fleet;
  auto boot = [&](int phase) {
    fleet.reset();  // closes the old socket: the next one has another port
    fleet = std::make_unique<DeviceFleet>(sh.config, *sh.log);
    fleet->on_event = [&r, &sh](const DeviceFleet::Member& m, const Event& ev) {
      Life& l = r.lives.back();
      if (ev.kind == EventKind::kAssociated) sh.HonestPort(m);
      if (ev.kind == EventKind::kAssociated && l.associated < 0) {
        l.associated = MonotonicUs();
        sh.associated[l.phase].fetch_add(1);
      } else if (ev.kind == EventKind::kAssociationFailed) {
        ++l.failures;
      }
    };
    std::string why;
    if (AddToFleet(*fleet, *r.device, r.label, &why) != Error::kOk && r.error.empty())
      r.error = r.label + ": " + why;
    r.lives.push_back(Life{phase, MonotonicUs(), -1, 0});
  };
  boot(kInitial);
  while (!sh.stop.load()) {
    const int phase = r.restart.exchange(-1);
    if (phase >= 0) boot(phase);
    fleet->Poll(10);
  }
}

// The devices that never restart: one fleet, one thread. It takes the data snapshots
// itself, between two polls, so that no frame is sent while one is taken.
struct Steady {
  std::vector<const Enrolled*> devices;
  std::atomic<bool> mark{false};  // take the "before the flood" snapshot, then NextPhase
  std::atomic<bool> marked{false};
  std::atomic<bool> stop{false};
  std::vector<uint64_t> before, after;  // reports per device, at the mark and at the stop
  std::vector<uint64_t> assoc_before, assoc_after;  // associations per device, the same
  std::vector<bool> associated_at_end;
  std::vector<uint64_t> uids;
  std::string error;
};

void RunSteady(Steady& s, Shared& sh, GatewayProcess& gw) {
  DeviceFleet fleet(sh.config, *sh.log);
  std::vector<bool> seen(s.devices.size(), false);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < s.devices.size(); ++i) {
    const std::string label = "steady-" + std::to_string(i);
    index[label] = i;
    std::string why;
    if (AddToFleet(fleet, *s.devices[i], label, &why) != Error::kOk && s.error.empty())
      s.error = label + ": " + why;
    s.uids.push_back(s.devices[i]->secrets.uid);
  }
  fleet.on_event = [&](const DeviceFleet::Member& m, const Event& ev) {
    if (ev.kind != EventKind::kAssociated) return;
    sh.HonestPort(m);
    auto it = index.find(m.label);
    if (it == index.end() || seen[it->second]) return;
    seen[it->second] = true;
    sh.associated[kInitial].fetch_add(1);
  };
  auto snapshot = [&](std::vector<uint64_t>* out, std::vector<uint64_t>* assoc) {
    out->clear();
    assoc->clear();
    for (size_t i = 0; i < fleet.size(); ++i) {
      out->push_back(fleet.member(i).reports);
      assoc->push_back(fleet.member(i).associations);
    }
  };
  while (!s.stop.load() && !sh.stop.load()) {
    if (s.mark.exchange(false)) {
      snapshot(&s.before, &s.assoc_before);
      gw.WaitQueueEmpty(1 * kSeconds);  // what was sent is counted in this phase
      gw.NextPhase();
      s.marked = true;
    }
    fleet.Poll(10);
  }
  snapshot(&s.after, &s.assoc_after);
  for (size_t i = 0; i < fleet.size(); ++i) {
    const DeviceFleet::Member& m = fleet.member(i);
    s.associated_at_end.push_back(m.core && m.core->state() == DeviceCore::State::kAssociated);
  }
}

// ---- helpers ----

std::string Fixed(double v, int digits);

double Ms(int64_t us) { return static_cast<double>(us) / 1000.0; }

AssocSummary Summarise(const std::vector<const Life*>& lives, TimeUs deadline) {
  AssocSummary s;
  std::vector<double> t;
  for (const Life* l : lives) {
    ++s.attempts;
    s.failures += l->failures;
    if (l->associated >= 0 && l->associated - l->start <= deadline) {
      ++s.succeeded;
      t.push_back(Ms(l->associated - l->start));
    }
  }
  s.median_ms = Percentile(t, 50);
  s.p95_ms = Percentile(t, 95);
  return s;
}

double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double v = -1;
  in >> v;
  return in ? v : -1;
}

bool Aborted(const FloodOptions& o) { return o.abort != nullptr && o.abort->load(); }

// Sleeps until `until` (MonotonicUs) in short steps, or until aborted / `done` holds.
template <typename Done>
void SleepUntil(const FloodOptions& o, int64_t until, Done done) {
  while (MonotonicUs() < until && !Aborted(o) && !done())
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}
void SleepUntil(const FloodOptions& o, int64_t until) {
  SleepUntil(o, until, [] { return false; });
}

void CountFile(const std::string& path, uint64_t* lines, uint64_t* bytes) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (bytes != nullptr) *bytes += n;
    *lines += static_cast<uint64_t>(std::count(buf.data(), buf.data() + n, '\n'));
  }
}

void ReadAlerts(const std::string& path, FloodModeReport* r) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    ++r->alert_lines;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    std::string sig = "(unparsed)";
    if (j.is_object() && j.contains("alert") && j["alert"].is_object())
      sig = j["alert"].value("signature", "(none)");
    ++r->alerts_by_signature[sig];
    if (sig.find("FLOOD") != std::string::npos) ++r->flood_alerts;
    if (sig.find("IDENTITY") != std::string::npos && j.contains("src_port") &&
        j["src_port"].is_number_unsigned() &&
        r->honest_ports.count(j["src_port"].get<uint16_t>()) != 0)
      ++r->identity_alerts_on_honest;
  }
}

// Enough descriptors for `need` sockets and files; raises the soft limit to the hard one.
Error RaiseFileLimit(uint64_t need, std::string* why) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return Error::kOk;
  if (rl.rlim_cur >= need) return Error::kOk;
  rlimit want = rl;
  want.rlim_cur = rl.rlim_max == RLIM_INFINITY ? need : std::min<rlim_t>(rl.rlim_max, need);
  setrlimit(RLIMIT_NOFILE, &want);
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < need) {
    *why = "needs " + std::to_string(need) + " file descriptors, the limit is " +
           std::to_string(rl.rlim_cur) + " (raise it with ulimit -n)";
    return Error::kInvalidArgument;
  }
  return Error::kOk;
}

std::string Validate(const FloodOptions& o, FloodMode mode) {
  if (o.address != "127.0.0.1")
    return "address " + o.address + " refused: the flood harness runs on 127.0.0.1 only";
  if (mode == FloodMode::kStorm) {
    if (o.storm_devices < 1 || o.storm_devices > 10000) return "storm devices: 1 to 10000";
    if (o.storm_deadline <= 0 || o.storm_deadline > 600 * kSeconds)
      return "storm deadline: up to 600 s";
    return "";
  }
  if (o.devices < 1 || o.devices > 10000) return "devices: 1 to 10000";
  if (o.honest < 1 || o.honest > o.devices) return "honest devices: 1 to the enrolled count";
  if (o.restarts < 0 || o.restarts > o.honest) return "restarts: 0 to the honest count";
  if (o.report_interval_ms < 10 || o.report_interval_ms > 60000)
    return "report interval: 10 ms to 60 s";
  if (o.assoc_deadline <= 0 || o.assoc_deadline > 120 * kSeconds)
    return "association deadline: up to 120 s";
  if (o.duration <= 0 || o.duration > 600 * kSeconds) return "flood duration: up to 600 s";
  if (o.max_packets < 1 || o.max_packets > 1'000'000'000) return "packets: 1 to 10^9";
  if (o.sockets < 1 || o.sockets > 60000) return "sockets: 1 to 60000";
  if (o.ports < 1 || o.ports > 1'000'000) return "ports: 1 to 10^6";
  if (o.batch < 1 || o.batch > 1024) return "batch: 1 to 1024";
  return "";
}

DaemonConfig MakeConfig(const FloodOptions& o, const std::string& dir) {
  DaemonConfig c = DefaultDaemonConfig();
  c.protocol = o.protocol;
  c.gateway.registry = dir + "/gateway.db";
  c.gateway.alerts = dir + "/alerts.eve.json";
  c.gateway.listen = "127.0.0.1:0";
  c.device.bind = "127.0.0.1:0";
  c.device.report_interval_ms = o.report_interval_ms;
  return c;
}

void Say(const FloodOptions& o, FloodMode m, const std::string& what) {
  if (o.progress) o.progress(std::string(FloodModeName(m)) + ": " + what);
}

// Stops the gateway and reads everything it left behind.
GatewayReport Collect(GatewayProcess& gw, const std::string& dir, FloodModeReport* r) {
  const ProcessUsage end = gw.ReadUsage();
  r->peak_rss_kb = end.peak_rss_kb;
  r->cpu_total_seconds = end.cpu_seconds;
  r->rx_drops = gw.ReadSocket().drops;
  GatewayReport rep;
  std::string why;
  if (gw.Stop(10 * kSeconds, &rep, &why) != Error::kOk && r->error.empty()) r->error = why;
  r->stats = rep.stats;
  CountFile(dir + "/gateway.log", &r->log_lines, &r->log_bytes);
  ReadAlerts(dir + "/alerts.eve.json", r);
  return rep;
}

// ---- the storm ----

// The loopback round trip on this machine now: the median of `n` exchanges of a 48-byte
// datagram between two sockets on 127.0.0.1, both ends in this thread (no scheduling
// between processes): the least a request and its answer cost on loopback. -1 if the
// sockets cannot be opened.
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double LoopbackRoundTripUs(int n) {
  UdpSocket a, b;
  auto any = Endpoint::Parse("127.0.0.1:0");
  if (!any.ok() || a.Bind(*any) != Error::kOk || b.Bind(*any) != Error::kOk) return -1;
  std::array<uint8_t, 48> msg{};
  std::array<uint8_t, 64> buf{};
  auto wait_for = [&](UdpSocket& s, Endpoint* from) {
    pollfd p{s.fd(), POLLIN, 0};
    if (poll(&p, 1, 1000) != 1) return false;
    return s.Receive(buf, from).ok();
  };
  std::vector<double> v;
  for (int i = 0; i < n; ++i) {
    Endpoint from;
    const int64_t t = MonotonicUs();
    if (a.Send(msg, b.local()) != Error::kOk || !wait_for(b, &from) ||
        b.Send(msg, from) != Error::kOk || !wait_for(a, &from))
      return -1;
    v.push_back(static_cast<double>(MonotonicUs() - t));
  }
  return Percentile(v, 50);
}

void RunStorm(const FloodOptions& o, FloodModeReport* r) {
  ScopedDir dir(o.temp_parent);
  if (!dir.ok()) {
    r->error = std::string("cannot create a temporary directory: ") + std::strerror(errno);
    return;
  }
  std::string why;
  if (RaiseFileLimit(static_cast<uint64_t>(o.storm_devices) + 512, &why) != Error::kOk) {
    r->error = why;
    return;
  }
  // In a ward every device writes its own flash, all at once; here one thread drives the
  // whole fleet, and a durable write per device on one disk would make the storm
  // measure that disk. So the devices' stores live in memory-backed storage when there
  // is some; the gateway's registry and state stay where the gateway's would.
  std::error_code ec;
  const bool memory_stores =
      !o.device_store_parent.empty() && std::filesystem::is_directory(o.device_store_parent, ec);
  ScopedDir store_dir(memory_stores ? o.device_store_parent : o.temp_parent);
  if (!store_dir.ok()) {
    r->error =
        "cannot create a directory for the device stores: " + std::string(std::strerror(errno));
    return;
  }
  r->storm_store_dir = memory_stores ? o.device_store_parent : dir.path();
  Say(o, r->mode, "enrolling " + std::to_string(o.storm_devices) + " devices");
  Enrollment en;
  if (Enroll(dir.path(), store_dir.path(), o.storm_devices, &en, &why) != Error::kOk) {
    r->error = "enrollment: " + why;
    return;
  }
  DaemonConfig config = MakeConfig(o, dir.path());
  GatewayProcess gw;
  if (gw.Start(config, dir.path() + "/gateway.log", dir.path() + "/gateway-result.json", &why) !=
      Error::kOk) {
    r->error = "gateway: " + why;
    return;
  }
  config.device.gateway = gw.endpoint().ToString();
  FILE* dev_log_file = fopen((dir.path() + "/devices.log").c_str(), "w");
  {
    Logger dev_log("device", dev_log_file != nullptr ? dev_log_file : stderr, true);
    DeviceFleet fleet(config, dev_log);
    std::unordered_map<std::string, size_t> index;
    std::vector<Life> lives(en.devices.size());
    for (size_t i = 0; i < en.devices.size(); ++i) {
      const std::string label = "storm-" + std::to_string(i);
      index[label] = i;
      if (AddToFleet(fleet, en.devices[i], label, &why) != Error::kOk) {
        r->error = label + ": " + why;
        break;
      }
    }
    int associated = 0;
    fleet.on_event = [&](const DeviceFleet::Member& m, const Event& ev) {
      auto it = index.find(m.label);
      if (it == index.end()) return;
      Life& l = lives[it->second];
      if (ev.kind == EventKind::kAssociated && l.associated < 0) {
        l.associated = MonotonicUs();
        ++associated;
      } else if (ev.kind == EventKind::kAssociationFailed) {
        ++l.failures;
      }
    };
    // The floor: the fleet's own spread of first attempts (as `vigil device` spreads
    // them), then the round trips of one association (3 with a confirmation round, else
    // 2) at the loopback round trip measured now.
    r->loopback_rtt_us = LoopbackRoundTripUs(200);
    TimeUs spread = 0;
    for (size_t i = 0; i < fleet.size(); ++i)
      spread = std::max(spread, fleet.member(i).next_attempt - fleet.now());
    const int trips = UsesConfirmation(o.protocol.version) ? 3 : 2;
    r->storm_spread_ms = Ms(spread);
    r->storm_floor_ms = r->storm_spread_ms + trips * r->loopback_rtt_us / 1000.0;
    Say(o, r->mode, "powering up " + std::to_string(fleet.size()) + " devices at once");
    const ProcessUsage u0 = gw.ReadUsage();
    r->rss_before_kb = u0.peak_rss_kb;
    r->load_average = LoadAverage();
    const int64_t t0 = MonotonicUs();
    const double fleet_cpu0 = ThreadCpuSeconds();
    for (Life& l : lives) l.start = t0;
    const int64_t deadline = t0 + o.storm_deadline;
    while (r->error.empty() && associated < static_cast<int>(fleet.size()) &&
           MonotonicUs() < deadline && !Aborted(o))
      fleet.Poll(10);
    const int64_t t1 = MonotonicUs();
    r->storm_fleet_cpu_seconds = ThreadCpuSeconds() - fleet_cpu0;
    const ProcessUsage u1 = gw.ReadUsage();
    r->window_seconds = static_cast<double>(t1 - t0) / 1e6;
    r->cpu_seconds = u1.cpu_seconds - u0.cpu_seconds;
    // A second more, so that detectors with a window have their say.
    const int64_t tail = MonotonicUs() + 1 * kSeconds;
    while (MonotonicUs() < tail && !Aborted(o)) fleet.Poll(10);
    r->storm_devices = static_cast<int>(en.devices.size());
    r->storm_associated = associated;
    std::vector<const Life*> ptrs;
    int64_t last = 0;
    for (const Life& l : lives) {
      ptrs.push_back(&l);
      last = std::max(last, l.associated);
    }
    r->storm = Summarise(ptrs, o.storm_deadline);
    if (associated == r->storm_devices) r->storm_all_ms = Ms(last - t0);
  }
  if (dev_log_file != nullptr) fclose(dev_log_file);
  Collect(gw, dir.path(), r);
}

// ---- a flood mode ----

void RunFlood(const FloodOptions& o, FloodModeReport* r) {
  ScopedDir dir(o.temp_parent);
  if (!dir.ok()) {
    r->error = std::string("cannot create a temporary directory: ") + std::strerror(errno);
    return;
  }
  std::string why;
  const uint64_t fds = static_cast<uint64_t>(o.sockets) + static_cast<uint64_t>(o.honest) + 512;
  if (RaiseFileLimit(fds, &why) != Error::kOk) {
    r->error = why;
    return;
  }
  Say(o, r->mode, "enrolling " + std::to_string(o.devices) + " devices");
  Enrollment en;
  if (Enroll(dir.path(), dir.path() + "/stores", o.devices, &en, &why) != Error::kOk) {
    r->error = "enrollment: " + why;
    return;
  }
  Shared sh;
  sh.config = MakeConfig(o, dir.path());
  GatewayProcess gw;
  if (gw.Start(sh.config, dir.path() + "/gateway.log", dir.path() + "/gateway-result.json", &why) !=
      Error::kOk) {
    r->error = "gateway: " + why;
    return;
  }
  sh.config.device.gateway = gw.endpoint().ToString();
  FILE* dev_log_file = fopen((dir.path() + "/devices.log").c_str(), "w");
  Logger dev_log("device", dev_log_file != nullptr ? dev_log_file : stderr, true);
  sh.log = &dev_log;

  r->honest = o.honest;
  const size_t nr = static_cast<size_t>(o.restarts);
  std::vector<std::unique_ptr<Restartable>> restartable;
  for (size_t i = 0; i < nr; ++i) {
    auto d = std::make_unique<Restartable>();
    d->device = &en.devices[i];
    d->label = "restart-" + std::to_string(i);
    restartable.push_back(std::move(d));
  }
  Steady steady;
  for (size_t i = nr; i < static_cast<size_t>(o.honest); ++i)
    steady.devices.push_back(&en.devices[i]);
  r->steady = static_cast<int>(steady.devices.size());

  std::vector<std::thread> threads;
  for (auto& d : restartable) threads.emplace_back([&d, &sh] { RunRestartable(*d, sh); });
  std::thread steady_thread;
  if (!steady.devices.empty()) steady_thread = std::thread([&] { RunSteady(steady, sh, gw); });

  // 1. Everyone associates.
  Say(o, r->mode, std::to_string(o.honest) + " honest devices associate");
  SleepUntil(o, MonotonicUs() + 20 * kSeconds,
             [&] { return sh.associated[kInitial].load() >= o.honest; });
  r->honest_ready = sh.associated[kInitial].load();
  if (r->honest_ready < o.honest)
    r->warnings.push_back("only " + std::to_string(r->honest_ready) + " of " +
                          std::to_string(o.honest) + " honest devices associated before the flood");
  SleepUntil(o, MonotonicUs() + 300 * kMillis);

  // 2. Baseline: the same restarts, unloaded.
  Say(o, r->mode, "baseline: " + std::to_string(nr) + " restarts without a flood");
  int64_t last_restart = MonotonicUs();
  for (auto& d : restartable) {
    d->restart = kBaseline;
    last_restart = MonotonicUs();
    SleepUntil(o, last_restart + o.baseline_spacing);
  }
  SleepUntil(o, last_restart + o.assoc_deadline + 100 * kMillis,
             [&] { return sh.associated[kBaseline].load() >= o.restarts; });
  SleepUntil(o, MonotonicUs() + 300 * kMillis);

  // 3. The flood.
  if (steady_thread.joinable()) {
    steady.mark = true;
    SleepUntil(o, MonotonicUs() + 3 * kSeconds, [&] { return steady.marked.load(); });
  } else {
    gw.WaitQueueEmpty(1 * kSeconds);
    gw.NextPhase();
  }
  const ProcessUsage u0 = gw.ReadUsage();
  r->rss_before_kb = u0.peak_rss_kb;
  r->load_average = LoadAverage();
  const int64_t t0 = MonotonicUs();
  std::atomic<bool> attack_stop{false};
  std::atomic<bool> attack_done{false};
  ProcessUsage u1;
  int64_t t1 = 0;
  std::thread attacker;
  r->attacked = r->mode != FloodMode::kNone;
  if (r->attacked) {
    AttackPlan plan;
    plan.kind = r->mode == FloodMode::kRandomUids     ? AttackKind::kRandomUids
                : r->mode == FloodMode::kEnrolledUids ? AttackKind::kEnrolledUids
                : r->mode == FloodMode::kPorts        ? AttackKind::kPorts
                                                      : AttackKind::kData;
    plan.target = gw.endpoint();
    plan.cpan_uid = en.cpan_uid;
    plan.protocol = o.protocol;
    for (const Enrolled& e : en.devices) plan.enrolled.push_back(e.secrets.uid);
    plan.targets = plan.enrolled;
    plan.sockets = o.sockets;
    plan.ports = o.ports;
    plan.batch = o.batch;
    plan.duration = o.duration;
    plan.max_packets = o.max_packets;
    plan.rate = o.rate;
    OsRandom seed_rng;
    std::array<uint8_t, 8> seed{};
    seed_rng.Fill(seed);
    std::memcpy(&plan.seed, seed.data(), seed.size());
    Say(o, r->mode,
        "flood for " + std::to_string(o.duration / kMillis) + " ms, " + std::to_string(o.sockets) +
            " sockets");
    attacker = std::thread([&, plan] {
      r->attack = RunAttack(plan, attack_stop);
      u1 = gw.ReadUsage();
      t1 = MonotonicUs();
      attack_done = true;
    });
  } else {
    Say(o, r->mode, "no attacker for " + std::to_string(o.duration / kMillis) + " ms");
  }
  int64_t last_flood_restart = t0;
  for (size_t i = 0; i < nr && !Aborted(o); ++i) {
    const auto at =
        t0 + static_cast<int64_t>(static_cast<double>(o.duration) * (static_cast<double>(i) + 0.5) /
                                  static_cast<double>(nr));
    SleepUntil(o, at);
    restartable[i]->restart = kFlood;
    last_flood_restart = MonotonicUs();
  }
  if (attacker.joinable()) {
    SleepUntil(o, t0 + o.duration + 5 * kSeconds, [&] { return attack_done.load(); });
    attack_stop = true;
    attacker.join();
    if (!r->attack.error.empty()) r->error = "attacker: " + r->attack.error;
    const double last_at =
        static_cast<double>(o.duration) * (static_cast<double>(nr) - 0.5) / static_cast<double>(nr);
    if (nr > 0 && static_cast<double>(r->attack.elapsed) < last_at)
      r->warnings.push_back("the packet bound ended the flood after " +
                            Fixed(static_cast<double>(r->attack.elapsed) / 1e6, 2) +
                            " s: later restarts were not under load (raise --packets)");
  } else {
    SleepUntil(o, t0 + o.duration);
    u1 = gw.ReadUsage();
    t1 = MonotonicUs();
  }
  r->window_seconds = static_cast<double>(t1 - t0) / 1e6;
  r->cpu_seconds = u1.cpu_seconds - u0.cpu_seconds;
  // The steady devices stop sending; what they sent is counted once the gateway drained
  // its queue.
  steady.stop = true;
  if (steady_thread.joinable()) steady_thread.join();
  gw.WaitQueueEmpty(10 * kSeconds);
  gw.NextPhase();

  // 4. The last restarts get their deadline.
  Say(o, r->mode, "waiting for the restarted devices");
  SleepUntil(o, last_flood_restart + o.assoc_deadline + 100 * kMillis,
             [&] { return sh.associated[kFlood].load() >= o.restarts; });
  sh.stop = true;
  for (std::thread& t : threads) t.join();
  if (Aborted(o) && r->error.empty()) r->error = "interrupted";
  for (auto& d : restartable)
    if (!d->error.empty() && r->error.empty()) r->error = d->error;
  if (!steady.error.empty() && r->error.empty()) r->error = steady.error;

  std::vector<const Life*> baseline, flood;
  for (auto& d : restartable)
    for (const Life& l : d->lives) {
      if (l.phase == kBaseline) baseline.push_back(&l);
      if (l.phase == kFlood) flood.push_back(&l);
    }
  r->unloaded = Summarise(baseline, o.assoc_deadline);
  r->loaded = Summarise(flood, o.assoc_deadline);

  // Collect the gateway's figures, then the data shares.
  r->honest_ports = sh.honest_ports;  // the device threads have stopped
  const GatewayReport rep = Collect(gw, dir.path(), r);
  if (steady.before.size() == steady.uids.size() && steady.after.size() == steady.uids.size()) {
    for (size_t i = 0; i < steady.uids.size(); ++i) {
      std::array<uint64_t, kGatewayPhases> got{};
      auto it = rep.data.find(steady.uids[i]);
      if (it != rep.data.end()) got = it->second;
      const uint64_t sent = steady.after[i] - steady.before[i];
      r->data_sent_before += steady.before[i];
      r->data_verified_before += got[0];
      r->data_sent += sent;
      r->data_verified += got[1];
      if (steady.assoc_after.size() == steady.uids.size() &&
          (steady.assoc_after[i] > steady.assoc_before[i] || !steady.associated_at_end[i]))
        ++r->steady_reassociated;
      if (sent > 0) {
        const double share = static_cast<double>(got[1]) / static_cast<double>(sent);
        if (share < 0.5) ++r->steady_below_half;
        r->min_device_share =
            r->min_device_share < 0 ? share : std::min(r->min_device_share, share);
      }
    }
  }
  if (dev_log_file != nullptr) fclose(dev_log_file);
}

// ---- formatting ----

std::string Fixed(double v, int digits) {
  if (v < 0) return "-";
  char b[64];
  snprintf(b, sizeof(b), "%.*f", digits, v);
  return b;
}

std::string Count(uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

std::string Share(int ok, int of) {
  if (of == 0) return "-";
  return std::to_string(ok) + "/" + std::to_string(of) + " (" + Fixed(100.0 * ok / of, 0) + "%)";
}

std::string Ratio(double loaded, double unloaded) {
  if (loaded < 0 || unloaded <= 0) return "-";
  return "x" + Fixed(loaded / unloaded, 1);
}

class Table {
 public:
  void Row(std::string label, std::vector<std::string> cells) {
    rows_.push_back({std::move(label), std::move(cells)});
  }
  void Rule() { rows_.push_back({"", {}}); }
  std::string Render() const {
    size_t w0 = 0;
    std::vector<size_t> w;
    for (const auto& [label, cells] : rows_) {
      w0 = std::max(w0, label.size());
      if (w.size() < cells.size()) w.resize(cells.size(), 0);
      for (size_t i = 0; i < cells.size(); ++i) w[i] = std::max(w[i], cells[i].size());
    }
    size_t total = w0;
    for (size_t x : w) total += 2 + x;
    std::string out;
    for (const auto& [label, cells] : rows_) {
      if (label.empty() && cells.empty()) {
        out += std::string(total, '-') + "\n";
        continue;
      }
      out += label + std::string(w0 - label.size(), ' ');
      for (size_t i = 0; i < cells.size(); ++i)
        out += "  " + std::string(w[i] - cells[i].size(), ' ') + cells[i];
      out += "\n";
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> rows_;
};

std::string Mb(uint64_t kb) { return Fixed(static_cast<double>(kb) / 1024.0, 1); }

std::string ShortSignature(const std::string& s) {
  std::string t = s.rfind("VIGIL ", 0) == 0 ? s.substr(6) : s;
  return t.size() > 46 ? t.substr(0, 45) + "~" : t;
}

nlohmann::json SummaryJson(const AssocSummary& s) {
  return {
      {"attempts", s.attempts},   {"succeeded", s.succeeded}, {"success_share", s.success_share()},
      {"median_ms", s.median_ms}, {"p95_ms", s.p95_ms},       {"failed_attempts", s.failures}};
}

}  // namespace

double Percentile(std::vector<double>& v, double pct) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  const double rank = std::ceil(pct / 100.0 * static_cast<double>(v.size()));
  const size_t i = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(v.size()))) - 1;
  return v[i];
}

const char* FloodModeName(FloodMode m) {
  switch (m) {
    case FloodMode::kNone:
      return "none";
    case FloodMode::kRandomUids:
      return "random-uids";
    case FloodMode::kEnrolledUids:
      return "enrolled-uids";
    case FloodMode::kPorts:
      return "ports";
    case FloodMode::kData:
      return "data";
    case FloodMode::kStorm:
      return "storm";
  }
  return "?";
}

bool ParseFloodMode(std::string_view s, FloodMode* out) {
  for (FloodMode m : {FloodMode::kNone, FloodMode::kRandomUids, FloodMode::kEnrolledUids,
                      FloodMode::kPorts, FloodMode::kData, FloodMode::kStorm}) {
    if (s == FloodModeName(m)) {
      *out = m;
      return true;
    }
  }
  return false;
}

std::vector<FloodMode> AllFloodModes() {
  return {FloodMode::kRandomUids, FloodMode::kEnrolledUids, FloodMode::kPorts, FloodMode::kData,
          FloodMode::kStorm};
}

FloodModeReport RunFloodMode(const FloodOptions& options, FloodMode mode) {
  FloodModeReport r;
  r.mode = mode;
  r.error = Validate(options, mode);
  if (!r.error.empty()) return r;
  try {
    if (mode == FloodMode::kStorm)
      RunStorm(options, &r);
    else
      RunFlood(options, &r);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

std::string FormatFloodTable(const FloodOptions& o, const std::vector<FloodModeReport>& reports) {
  std::string out;
  std::vector<const FloodModeReport*> floods, storms;
  for (const auto& r : reports) (r.mode == FloodMode::kStorm ? storms : floods).push_back(&r);
  if (!floods.empty()) {
    char head[512];
    snprintf(head, sizeof(head),
             "Flood on loopback: %d enrolled, %d honest (%d restarted), data every %u ms; "
             "attacker %d sockets, %.1f s, at most %s packets; deadline %.1f s\n\n",
             o.devices, o.honest, o.restarts, o.report_interval_ms, o.sockets,
             static_cast<double>(o.duration) / 1e6, Count(o.max_packets).c_str(),
             static_cast<double>(o.assoc_deadline) / 1e6);
    out += head;
    Table t;
    std::vector<std::string> names;
    for (const auto* r : floods) names.push_back(FloodModeName(r->mode));
    t.Row("mode", names);
    t.Rule();
    auto row = [&](const std::string& label, auto f) {
      std::vector<std::string> cells;
      for (const auto* r : floods) cells.push_back(r->error.empty() ? f(*r) : "error");
      t.Row(label, cells);
    };
    row("attack packets sent",
        [](const auto& r) { return r.attacked ? Count(r.attack.sent) : "-"; });
    row("attack rate (packets/s)", [](const auto& r) {
      return r.attacked && r.attack.elapsed > 0
                 ? Count(static_cast<uint64_t>(static_cast<double>(r.attack.sent) * 1e6 /
                                               static_cast<double>(r.attack.elapsed)))
                 : "-";
    });
    row("attack duration s (attacker CPU s)", [](const auto& r) {
      return r.attacked ? Fixed(static_cast<double>(r.attack.elapsed) / 1e6, 1) + " (" +
                              Fixed(r.attack.cpu_seconds, 1) + ")"
                        : "-";
    });
    row("attacker sockets / source ports", [](const auto& r) {
      return r.attacked ? Count(r.attack.sockets_opened) + " / " + Count(r.attack.distinct_ports)
                        : "-";
    });
    row("replies to the attacker",
        [](const auto& r) { return r.attacked ? Count(r.attack.replies) : "-"; });
    row("gateway frames in / kernel drops",
        [](const auto& r) { return Count(r.stats.frames_in) + " / " + Count(r.rx_drops); });
    t.Rule();
    row("honest associated before the flood",
        [](const auto& r) { return Share(r.honest_ready, r.honest); });
    row("restarts associated, no flood",
        [](const auto& r) { return Share(r.unloaded.succeeded, r.unloaded.attempts); });
    row("restarts associated, flood",
        [](const auto& r) { return Share(r.loaded.succeeded, r.loaded.attempts); });
    row("time to associate p50 ms: none/flood", [](const auto& r) {
      return Fixed(r.unloaded.median_ms, 1) + " / " + Fixed(r.loaded.median_ms, 1) + " " +
             Ratio(r.loaded.median_ms, r.unloaded.median_ms);
    });
    row("time to associate p95 ms: none/flood", [](const auto& r) {
      return Fixed(r.unloaded.p95_ms, 1) + " / " + Fixed(r.loaded.p95_ms, 1) + " " +
             Ratio(r.loaded.p95_ms, r.unloaded.p95_ms);
    });
    row("failed attempts of restarts: none/flood", [](const auto& r) {
      return Count(r.unloaded.failures) + " / " + Count(r.loaded.failures);
    });
    row("verified data share, flood: all/min", [](const auto& r) {
      return Fixed(r.verified_share(), 3) + " / " + Fixed(r.min_device_share, 3);
    });
    row("data frames sent / verified, flood",
        [](const auto& r) { return Count(r.data_sent) + " / " + Count(r.data_verified); });
    row("steady devices <50% verified / re-assoc.", [](const auto& r) {
      return std::to_string(r.steady_below_half) + " / " + std::to_string(r.steady_reassociated) +
             " of " + std::to_string(r.steady);
    });
    t.Rule();
    row("machine load (1 min) at flood start",
        [](const auto& r) { return Fixed(r.load_average, 2); });
    row("gateway CPU during flood s (%)", [](const auto& r) {
      return Fixed(r.cpu_seconds, 2) + " (" + Fixed(r.cpu_percent(), 0) + "%)";
    });
    row("gateway peak RSS MB (before flood)",
        [](const auto& r) { return Mb(r.peak_rss_kb) + " (" + Mb(r.rss_before_kb) + ")"; });
    row("gateway log lines (MB)", [](const auto& r) {
      return Count(r.log_lines) + " (" + Fixed(static_cast<double>(r.log_bytes) / 1048576.0, 1) +
             ")";
    });
    row("gateway alert lines", [](const auto& r) { return Count(r.alert_lines); });
    std::map<std::string, bool> sigs;
    for (const auto* r : floods)
      for (const auto& [s, n] : r->alerts_by_signature) sigs[s] = true;
    for (const auto& [s, unused] : sigs) {
      row("  " + ShortSignature(s), [&sig = s](const auto& r) {
        auto it = r.alerts_by_signature.find(sig);
        return it == r.alerts_by_signature.end() ? std::string("0") : Count(it->second);
      });
    }
    out += t.Render();
    for (const auto* r : floods) {
      if (!r->error.empty())
        out += std::string(FloodModeName(r->mode)) + ": error: " + r->error + "\n";
      for (const auto& w : r->warnings)
        out += std::string(FloodModeName(r->mode)) + ": warning: " + w + "\n";
    }
  }
  for (const auto* r : storms) {
    if (!out.empty()) out += "\n";
    out += "Power-up storm: " + std::to_string(o.storm_devices) +
           " enrolled devices started at once, no attacker\n\n";
    if (!r->error.empty()) {
      out += "error: " + r->error + "\n";
      continue;
    }
    Table t;
    t.Row("associated", {Share(r->storm_associated, r->storm_devices)});
    t.Row("time until all associated (s)",
          {r->storm_all_ms < 0 ? std::string("not all within ") +
                                     Fixed(static_cast<double>(o.storm_deadline) / 1e6, 0) + " s"
                               : Fixed(r->storm_all_ms / 1000.0, 2)});
    t.Row("loopback floor (s): spread + round trips",
          {Fixed(r->storm_floor_ms / 1000.0, 2) + " (" + Fixed(r->storm_spread_ms, 0) +
           " ms + RTT " + Fixed(r->loopback_rtt_us, 0) + " us)"});
    t.Row("time until all / floor", {r->storm_all_ms < 0 || r->storm_floor_ms <= 0
                                         ? std::string("-")
                                         : "x" + Fixed(r->storm_all_ms / r->storm_floor_ms, 1)});
    t.Row("time to associate p50 / p95 (ms)",
          {Fixed(r->storm.median_ms, 1) + " / " + Fixed(r->storm.p95_ms, 1)});
    t.Row("failed attempts", {Count(r->storm.failures)});
    t.Row("gateway CPU s (%)",
          {Fixed(r->cpu_seconds, 2) + " (" + Fixed(r->cpu_percent(), 0) + "%)"});
    t.Row("device fleet CPU s (one thread, all devices)", {Fixed(r->storm_fleet_cpu_seconds, 2)});
    t.Row("machine load (1 min) at power-up", {Fixed(r->load_average, 2)});
    t.Row("device stores", {r->storm_store_dir});
    t.Row("gateway peak RSS MB", {Mb(r->peak_rss_kb)});
    t.Row("gateway frames in / kernel drops",
          {Count(r->stats.frames_in) + " / " + Count(r->rx_drops)});
    t.Row("gateway log lines", {Count(r->log_lines)});
    t.Row("alert lines", {Count(r->alert_lines)});
    for (const auto& [s, n] : r->alerts_by_signature) t.Row("  " + ShortSignature(s), {Count(n)});
    t.Row("FLOOD alerts (false positives)",
          {Count(r->flood_alerts) + (r->flood_alerts > 0 ? "  FALSE POSITIVE" : "")});
    out += t.Render();
  }
  return out;
}

std::string FloodReportJson(const FloodOptions& o, const std::vector<FloodModeReport>& reports) {
  nlohmann::ordered_json j;
  j["format"] = "vigil-flood/1";
  j["options"] = {{"devices", o.devices},
                  {"honest", o.honest},
                  {"restarts", o.restarts},
                  {"report_interval_ms", o.report_interval_ms},
                  {"assoc_deadline_ms", o.assoc_deadline / kMillis},
                  {"sockets", o.sockets},
                  {"ports", o.ports},
                  {"batch", o.batch},
                  {"duration_ms", o.duration / kMillis},
                  {"max_packets", o.max_packets},
                  {"storm_devices", o.storm_devices},
                  {"address", o.address}};
  nlohmann::ordered_json modes = nlohmann::ordered_json::array();
  for (const FloodModeReport& r : reports) {
    nlohmann::ordered_json m;
    m["mode"] = FloodModeName(r.mode);
    m["ok"] = r.error.empty();
    if (!r.error.empty()) m["error"] = r.error;
    m["warnings"] = r.warnings;
    if (r.mode != FloodMode::kStorm) {
      m["attack"] = {{"packets_sent", r.attack.sent},
                     {"rate_pps", r.attack.elapsed > 0 ? static_cast<double>(r.attack.sent) * 1e6 /
                                                             static_cast<double>(r.attack.elapsed)
                                                       : 0.0},
                     {"seconds", static_cast<double>(r.attack.elapsed) / 1e6},
                     {"cpu_seconds", r.attack.cpu_seconds},
                     {"send_errors", r.attack.send_errors},
                     {"replies", r.attack.replies},
                     {"sockets_opened", r.attack.sockets_opened},
                     {"distinct_ports", r.attack.distinct_ports}};
      m["honest"] = {{"devices", r.honest},
                     {"associated_before_flood", r.honest_ready},
                     {"unloaded", nlohmann::ordered_json(SummaryJson(r.unloaded))},
                     {"loaded", nlohmann::ordered_json(SummaryJson(r.loaded))},
                     {"median_ratio", r.loaded.median_ms >= 0 && r.unloaded.median_ms > 0
                                          ? r.loaded.median_ms / r.unloaded.median_ms
                                          : -1.0},
                     {"p95_ratio", r.loaded.p95_ms >= 0 && r.unloaded.p95_ms > 0
                                       ? r.loaded.p95_ms / r.unloaded.p95_ms
                                       : -1.0}};
      m["data"] = {{"steady_devices", r.steady},
                   {"sent", r.data_sent},
                   {"verified", r.data_verified},
                   {"verified_share", r.verified_share()},
                   {"min_device_share", r.min_device_share},
                   {"devices_below_half", r.steady_below_half},
                   {"devices_reassociated", r.steady_reassociated},
                   {"sent_before_flood", r.data_sent_before},
                   {"verified_before_flood", r.data_verified_before}};
    } else {
      m["storm"] = {{"devices", r.storm_devices},
                    {"associated", r.storm_associated},
                    {"all_associated_ms", r.storm_all_ms},
                    {"floor_ms", r.storm_floor_ms},
                    {"spread_ms", r.storm_spread_ms},
                    {"loopback_rtt_us", r.loopback_rtt_us},
                    {"device_stores", r.storm_store_dir},
                    {"fleet_cpu_seconds", r.storm_fleet_cpu_seconds},
                    {"per_device", nlohmann::ordered_json(SummaryJson(r.storm))},
                    {"flood_alerts", r.flood_alerts}};
    }
    m["gateway"] = {{"window_seconds", r.window_seconds},
                    {"load_average", r.load_average},
                    {"cpu_seconds", r.cpu_seconds},
                    {"cpu_percent", r.cpu_percent()},
                    {"cpu_total_seconds", r.cpu_total_seconds},
                    {"rss_before_kb", r.rss_before_kb},
                    {"peak_rss_kb", r.peak_rss_kb},
                    {"kernel_rx_drops", r.rx_drops},
                    {"frames_in", r.stats.frames_in},
                    {"frames_out", r.stats.frames_out},
                    {"data_frames", r.stats.data_frames},
                    {"security_events", r.stats.security_events},
                    {"associations", r.stats.associations},
                    {"log_lines", r.log_lines},
                    {"log_bytes", r.log_bytes},
                    {"alert_lines", r.alert_lines},
                    {"alerts_by_signature", r.alerts_by_signature}};
    modes.push_back(std::move(m));
  }
  j["modes"] = std::move(modes);
  return j.dump(2) + "\n";
}

}  // namespace vigil
