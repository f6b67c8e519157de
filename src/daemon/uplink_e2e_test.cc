// The uplink against a real Mosquitto broker, started by each test on a free loopback
// port with the shipped configuration (scripts/pki.sh, scripts/broker.sh) and stopped at
// its end, also on failure. Every message is counted by its id.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/test_temp_dir.h"
#include "daemon/broker_process.h"
#include "daemon/log.h"
#include "daemon/mqtt_subscriber.h"
#include "daemon/mqtt_uplink.h"

namespace vigil {
namespace {

using vigil::testing::TempDir;
namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One set of certificates for the whole binary (EC keys: fast, but not free); each test
// copies it into its own directory, where its broker keeps its configuration and data.
const std::string& SharedPki() {
  static TempDir* dir = [] {
    auto* d = new TempDir();
    const std::string cmd = "bash '" VIGIL_SOURCE_DIR "/scripts/pki.sh' '" + d->path() + "' > '" +
                            d->path() + "/pki.log' 2>&1";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << Slurp(d->path() + "/pki.log");
    return d;
  }();
  return dir->path();
}

// Everything a subscriber saw, by message id.
struct Seen {
  std::mutex mu;
  std::map<std::string, int> ids;                  // id -> copies received
  std::map<std::string, std::set<uint64_t>> seqs;  // gateway/stream -> seqs
  std::vector<nlohmann::json> status;
  std::vector<std::string> bad;  // payloads that are not envelopes, or on the wrong topic
  uint64_t received = 0;

  void Add(const ReceivedMessage& m) {
    std::lock_guard lk(mu);
    auto j = nlohmann::json::parse(m.payload, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("kind") || j.value("v", 0) != 1) {
      bad.push_back(m.topic + " " + m.payload);
      return;
    }
    const std::string kind = j["kind"];
    const std::string topic = "vigil/v1/" + j["site"].get<std::string>() + "/" +
                              j["gateway"].get<std::string>() + "/" + kind;
    if (topic != m.topic) bad.push_back("on " + m.topic + ": " + m.payload);
    if (kind == "status") {
      status.push_back(j);
      return;
    }
    ++received;
    ++ids[j["id"].get<std::string>()];
    seqs[j["gateway"].get<std::string>() + "/" + j["stream"].get<std::string>()].insert(
        j["seq"].get<uint64_t>());
  }
  size_t unique() {
    std::lock_guard lk(mu);
    return ids.size();
  }
  uint64_t copies() {
    std::lock_guard lk(mu);
    return received;
  }
  // Seqs 1..n missing from the stream of `gateway` (there must be exactly one stream).
  std::vector<uint64_t> Missing(const std::string& gateway, uint64_t n) {
    std::lock_guard lk(mu);
    std::vector<uint64_t> out;
    const std::set<uint64_t>* s = nullptr;
    for (auto& [k, v] : seqs)
      if (k.rfind(gateway + "/", 0) == 0) s = &v;
    for (uint64_t i = 1; i <= n; ++i)
      if (s == nullptr || !s->count(i)) out.push_back(i);
    return out;
  }
};

bool WaitFor(const std::function<bool()>& cond, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class UplinkBroker : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(SharedPki(), dir_.path(),
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    std::string why;
    ASSERT_EQ(broker_.Start(VIGIL_SOURCE_DIR, dir_.path(), &why), Error::kOk) << why;
    log_file_ = std::fopen(dir_.File("uplink.log").c_str(), "w");
    log_ = std::make_unique<Logger>("gateway", log_file_);
  }
  void TearDown() override {
    broker_.Stop();
    log_.reset();
    if (log_file_) std::fclose(log_file_);
    if (HasFailure()) {
      std::fprintf(stderr, "--- uplink log\n%s--- broker log (tail)\n%s\n",
                   Slurp(dir_.File("uplink.log")).c_str(),
                   Slurp(dir_.File("mosquitto.log")).substr(0, 6000).c_str());
    }
  }

  UplinkSettings Gateway(const std::string& id, const std::string& cert_name = "") {
    UplinkSettings s;
    s.enabled = true;
    s.broker = broker_.address();
    s.ca = dir_.File("ca.crt");
    s.cert = dir_.File((cert_name.empty() ? id : cert_name) + ".crt");
    s.key = dir_.File((cert_name.empty() ? id : cert_name) + ".key");
    s.site = "site-a";
    s.gateway_id = id;
    s.queue = dir_.File(id + ".queue.db");
    s.sync_full = false;
    s.reconnect_min_ms = 100;
    s.reconnect_max_ms = 800;
    s.connect_timeout_ms = 3000;
    s.status_interval_s = 3600;
    return s;
  }

  SubscriberOptions Reader(const std::string& client_id = "cloud-ingest-test") {
    SubscriberOptions o;
    o.broker = broker_.address();
    o.tls = {dir_.File("ca.crt"), dir_.File("cloud-ingest.crt"), dir_.File("cloud-ingest.key"), ""};
    o.client_id = client_id;
    return o;
  }

  std::string UplinkLog() {
    std::fflush(log_file_);
    return Slurp(dir_.File("uplink.log"));
  }

  static std::vector<uplink::TelemetryRecord> Vitals(size_t n, double base = 60) {
    std::vector<uplink::TelemetryRecord> v(n);
    for (size_t i = 0; i < n; ++i) {
      v[i].pseudonym = "p-" + std::to_string(i % 7);
      v[i].ward = "icu";
      v[i].device_kind = DeviceKind::kPulseOximeter;
      v[i].vital = Vital::kPulseRate;
      v[i].value = base + static_cast<double>(i % 40);
      v[i].time_ms = 1714564800000 + static_cast<int64_t>(i);
    }
    return v;
  }

  TempDir dir_;
  BrokerProcess broker_;
  FILE* log_file_ = nullptr;
  std::unique_ptr<Logger> log_;
};

TEST_F(UplinkBroker, EveryMessageOfTwoGatewaysArrivesOnceAtTheSubscriber) {
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk)
      << why;
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds)) << sub.last_error();
  MqttUplink a, b;
  ASSERT_EQ(a.Open(Gateway("gw-01"), *log_, &why), Error::kOk) << why;
  ASSERT_EQ(b.Open(Gateway("gw-02"), *log_, &why), Error::kOk) << why;
  for (int k = 0; k < 10; ++k) {
    ASSERT_EQ(a.PublishTelemetry(Vitals(50), &why), Error::kOk) << why;
    ASSERT_EQ(b.PublishTelemetry(Vitals(50), &why), Error::kOk) << why;
  }
  uplink::AlarmRecord alarm;
  alarm.alarm_id = "a-1";
  alarm.condition = "spo2_low";
  alarm.pseudonym = "p-1";
  alarm.time_ms = 1714564800000;
  ASSERT_EQ(a.PublishAlarm(alarm, &why), Error::kOk) << why;
  uplink::SecurityRecord alert;
  alert.signature_id = 9100001;
  alert.eve = R"({"event_type":"alert"})";
  alert.time_ms = 1714564800000;
  ASSERT_EQ(b.PublishSecurity(alert, &why), Error::kOk) << why;
  ASSERT_TRUE(WaitFor([&] { return seen.unique() == 1002; }, 60)) << seen.unique();
  EXPECT_TRUE(a.WaitDrained(10 * kSeconds));
  EXPECT_TRUE(b.WaitDrained(10 * kSeconds));
  EXPECT_TRUE(seen.Missing("gw-01", 501).empty());
  EXPECT_TRUE(seen.Missing("gw-02", 501).empty());
  EXPECT_EQ(seen.copies(), 1002u);  // no outage, no resend: no copies either
  EXPECT_TRUE(seen.bad.empty()) << seen.bad.front();
  const UplinkMetrics m = a.metrics();
  EXPECT_TRUE(m.connected);
  EXPECT_EQ(m.delivered, 501u);
  EXPECT_EQ(m.queue_depth, 0u);
  EXPECT_EQ(m.dropped, (std::array<uint64_t, 3>{}));
  a.Stop();
  b.Stop();
}

TEST_F(UplinkBroker, RetainedStatusSaysOnlineAndTheWillAnnouncesAKilledGateway) {
  // The gateway runs in a child process (forked before any thread exists here), so that
  // it can die the hard way.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const UplinkSettings s = Gateway("gw-01");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    Logger quiet("gateway", stderr, true);
    MqttUplink u;
    std::string why;
    if (u.Open(s, quiet, &why) != Error::kOk) ::_exit(2);
    for (int k = 0; k < 1000 && !u.metrics().connected; ++k) ::usleep(10000);
    const char c = u.metrics().connected ? 'y' : 'n';
    if (::write(ready[1], &c, 1) != 1) ::_exit(3);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(c, 'y');
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  auto last_state = [&] {
    std::lock_guard lk(seen.mu);
    return seen.status.empty() ? std::string() : seen.status.back()["state"].get<std::string>();
  };
  ASSERT_TRUE(WaitFor([&] { return last_state() == "online"; }, 10)) << last_state();
  {
    std::lock_guard lk(seen.mu);
    EXPECT_EQ(seen.status.back()["version"], "0.1.0");
    EXPECT_TRUE(seen.status.back().contains("started"));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_TRUE(WaitFor([&] { return last_state() == "offline"; }, 10)) << last_state();
  // And a reader that arrives later finds the gateway offline (retained).
  Seen later;
  MqttSubscriber sub2;
  ASSERT_EQ(sub2.Start(
                Reader("late-reader"), [&](const ReceivedMessage& m) { later.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard lk(later.mu);
        return !later.status.empty();
      },
      10));
  std::lock_guard lk(later.mu);
  EXPECT_EQ(later.status.back()["state"], "offline");
}

TEST_F(UplinkBroker, CleanStopSaysOfflineItself) {
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  MqttUplink u;
  ASSERT_EQ(u.Open(Gateway("gw-01"), *log_, &why), Error::kOk) << why;
  ASSERT_TRUE(WaitFor([&] { return u.metrics().connected; }, 10));
  u.Stop();
  ASSERT_TRUE(WaitFor(
      [&] {
        std::lock_guard lk(seen.mu);
        return seen.status.size() >= 2;
      },
      10));
  std::lock_guard lk(seen.mu);
  EXPECT_EQ(seen.status[0]["state"], "online");
  EXPECT_EQ(seen.status[1]["state"], "offline");
}

TEST_F(UplinkBroker, MessageOutsideTheGatewaysOwnPrefixIsRefusedAndKept) {
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  UplinkSettings s = Gateway("gw-01");
  s.site = "site-b";  // the ACL gives gw-01 vigil/v1/site-a/gw-01/# only
  MqttUplink u;
  ASSERT_EQ(u.Open(s, *log_, &why), Error::kOk) << why;
  ASSERT_EQ(u.PublishTelemetry(Vitals(5), &why), Error::kOk);
  ASSERT_TRUE(WaitFor([&] { return u.metrics().broker_refusals > 0; }, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const UplinkMetrics m = u.metrics();
  EXPECT_EQ(m.delivered, 0u);
  EXPECT_EQ(m.queue_depth, 5u);  // refused: still queued, never deleted unacknowledged
  EXPECT_EQ(seen.unique(), 0u);
  EXPECT_NE(UplinkLog().find("the broker refused a message"), std::string::npos) << UplinkLog();
  EXPECT_NE(UplinkLog().find("Not authorized"), std::string::npos);
  u.Stop(0);
}

struct Refusal {
  const char* name;
  const char* gateway_id;
  const char* cert;
  const char* reason;  // what the gateway's log must say
};

class BrokerRefuses : public UplinkBroker, public ::testing::WithParamInterface<Refusal> {};

TEST_P(BrokerRefuses, GatewayCertificate) {
  const Refusal r = GetParam();
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  MqttUplink u;
  ASSERT_EQ(u.Open(Gateway(r.gateway_id, r.cert), *log_, &why), Error::kOk) << why;
  ASSERT_EQ(u.PublishTelemetry(Vitals(3), &why), Error::kOk);
  ASSERT_TRUE(WaitFor([&] { return UplinkLog().find("cannot connect") != std::string::npos; }, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const UplinkMetrics m = u.metrics();
  EXPECT_EQ(m.connects, 0u);
  EXPECT_EQ(m.delivered, 0u);
  EXPECT_EQ(m.queue_depth, 3u);
  EXPECT_EQ(seen.unique(), 0u);
  // The broker's alert names the reason; when the broker's close overtakes the alert (a
  // race of TCP, seen under the sanitizers), the log must still say that the broker
  // closed before answering, never a bare "Protocol error".
  const std::string log = UplinkLog();
  EXPECT_TRUE(log.find(r.reason) != std::string::npos ||
              log.find(kClosedBeforeConnack) != std::string::npos)
      << log;
  EXPECT_EQ(log.find("\"error\":\"Protocol error\""), std::string::npos) << log;
  u.Stop(0);
}

INSTANTIATE_TEST_SUITE_P(
    Uplink, BrokerRefuses,
    ::testing::Values(Refusal{"Expired", "gw-expired", "", "certificate expired"},
                      Refusal{"Revoked", "gw-revoked", "", "certificate revoked"},
                      Refusal{"FromAnotherCaInTheGatewaysName", "gw-01", "rogue", "unknown ca"}),
    [](const ::testing::TestParamInfo<Refusal>& i) { return std::string(i.param.name); });

TEST_F(UplinkBroker, ClientWithoutCertificateIsRefused) {
  SubscriberOptions o = Reader("no-cert");
  o.tls.cert.clear();
  o.tls.key.clear();
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                o, [](const ReceivedMessage&) {}, &why),
            Error::kOk)
      << why;
  EXPECT_FALSE(sub.WaitSubscribed(2 * kSeconds));
  EXPECT_EQ(sub.connects(), 0u);
  EXPECT_NE(Slurp(dir_.File("mosquitto.log")).find("peer did not return a certificate"),
            std::string::npos);
}

TEST_F(UplinkBroker, BrokerWhoseNameDoesNotMatchItsCertificateIsRefused) {
  UplinkSettings s = Gateway("gw-01");
  s.server_name = "broker.elsewhere.example";  // the certificate names localhost, 127.0.0.1
  MqttUplink u;
  std::string why;
  ASSERT_EQ(u.Open(s, *log_, &why), Error::kOk) << why;
  ASSERT_TRUE(WaitFor([&] { return UplinkLog().find("cannot connect") != std::string::npos; }, 10));
  EXPECT_EQ(u.metrics().connects, 0u);
  // The reason comes from the TLS library's own log line, which may follow the refusal.
  EXPECT_TRUE(
      WaitFor([&] { return UplinkLog().find("hostname mismatch") != std::string::npos; }, 10))
      << UplinkLog();
  u.Stop(0);
}

// The broker is stopped (it saves its persistence), stays down, and comes back on the same
// port, while the gateway goes on publishing. VIGIL_UPLINK_OUTAGE_S sets the outage
// (default 3 s; tests/e2e/uplink_durability.sh runs 30 s with the command-line tools).
TEST_F(UplinkBroker, BrokerOutageLosesNothingAndDeduplicatesById) {
  double outage_s = 3;
  if (const char* v = std::getenv("VIGIL_UPLINK_OUTAGE_S")) outage_s = std::atof(v);
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  MqttUplink u;
  ASSERT_EQ(u.Open(Gateway("gw-01"), *log_, &why), Error::kOk) << why;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> published{0};
  std::thread producer([&] {
    while (!stop) {
      std::string w;
      if (u.PublishTelemetry(Vitals(20), &w) == Error::kOk) published += 20;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  broker_.Stop();
  const uint64_t at_stop = published;
  std::this_thread::sleep_for(std::chrono::duration<double>(outage_s));
  EXPECT_GT(u.metrics().queue_depth, 0u);  // it queued while the broker was away
  EXPECT_FALSE(u.metrics().connected);
  ASSERT_EQ(broker_.Restart(&why), Error::kOk) << why;
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  stop = true;
  producer.join();
  const uint64_t total = published;
  ASSERT_GT(total, at_stop);
  ASSERT_TRUE(WaitFor([&] { return seen.unique() == total; }, 60))
      << seen.unique() << " of " << total;
  EXPECT_TRUE(seen.Missing("gw-01", total).empty());
  EXPECT_TRUE(u.WaitDrained(10 * kSeconds));
  EXPECT_GE(u.metrics().connects, 2u);
  EXPECT_GE(sub.connects(), 2u) << sub.last_error();  // the reader came back too
  // Copies beyond one per id are redeliveries of messages in flight at the stop.
  EXPECT_LE(seen.copies() - total, 64u * 2);
  u.Stop();
}

// A subscriber slower than the gateway: the broker's backlog for it grows far beyond
// Mosquitto's default max_queued_messages (1000), and the shipped configuration drops
// none of it. The control run with the default limit shows that the test can fail.
class SlowSubscriber : public UplinkBroker {
 protected:
  // Publishes `n` messages as fast as the queue takes them; the subscriber needs at least
  // 200 us per message (5,000 a second at most, a third of what a gateway sends here).
  // Returns the distinct messages the subscriber got within `wait_s`.
  uint64_t Run(uint64_t n, double wait_s) {
    Seen seen;
    MqttSubscriber sub;
    std::string why;
    EXPECT_EQ(sub.Start(
                  Reader(),
                  [&](const ReceivedMessage& m) {
                    seen.Add(m);
                    std::this_thread::sleep_for(std::chrono::microseconds(200));
                  },
                  &why),
              Error::kOk);
    EXPECT_TRUE(sub.WaitSubscribed(10 * kSeconds));
    MqttUplink u;
    UplinkSettings s = Gateway("gw-01");
    s.max_inflight = 256;
    EXPECT_EQ(u.Open(s, *log_, &why), Error::kOk) << why;
    for (uint64_t k = 0; k < n / 500; ++k)
      EXPECT_EQ(u.PublishTelemetry(Vitals(500), &why), Error::kOk);
    EXPECT_TRUE(u.WaitDrained(120 * kSeconds));
    WaitFor([&] { return seen.unique() == n; }, wait_s);
    // Settle: nothing more is on its way.
    uint64_t last = 0;
    while (seen.copies() != last) {
      last = seen.copies();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    u.Stop();
    sub.Stop();
    missing_ = seen.Missing("gw-01", n).size();
    return seen.unique();
  }
  size_t missing_ = 0;
};

TEST_F(SlowSubscriber, ShippedBrokerConfigurationLosesNoneOfTwentyThousand) {
  EXPECT_EQ(Run(20000, 120), 20000u);
  EXPECT_EQ(missing_, 0u);
}

TEST_F(SlowSubscriber, DefaultQueueLimitWouldHaveDroppedMessages) {
  // The same run against Mosquitto's defaults for the per-client queue.
  const std::string conf = dir_.File("mosquitto.conf");
  std::string text = Slurp(conf);
  const auto at = text.find("max_queued_messages 0");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("max_queued_messages 0").size(), "max_queued_messages 1000");
  std::ofstream(conf) << text;
  std::string why;
  ASSERT_EQ(broker_.Restart(&why), Error::kOk) << why;
  const uint64_t got = Run(20000, 10);
  EXPECT_LT(got, 20000u) << "the control run lost nothing: the slow-subscriber test proves nothing";
  EXPECT_GT(missing_, 0u);
}

TEST_F(UplinkBroker, RenewedCertificateIsTakenOnReloadWithoutRestart) {
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  MqttUplink u;
  ASSERT_EQ(u.Open(Gateway("gw-expired"), *log_, &why), Error::kOk) << why;
  ASSERT_EQ(u.PublishTelemetry(Vitals(4), &why), Error::kOk);
  ASSERT_TRUE(WaitFor([&] { return UplinkLog().find("cannot connect") != std::string::npos; }, 10));
  EXPECT_EQ(u.metrics().delivered, 0u);
  // A broken file is refused and changes nothing.
  fs::rename(dir_.File("gw-expired.crt"), dir_.File("gw-expired.old.crt"));
  fs::rename(dir_.File("gw-expired.key"), dir_.File("gw-expired.old.key"));
  std::ofstream(dir_.File("gw-expired.crt")) << "not a certificate\n";
  ::chmod(dir_.File("gw-expired.crt").c_str(), 0644);
  EXPECT_NE(u.Reload(&why), Error::kOk);
  EXPECT_NE(why.find("stay in use"), std::string::npos) << why;
  // The operator renews it (same CN, same CA) and sends SIGHUP.
  fs::remove(dir_.File("gw-expired.crt"));
  const std::string cmd = "bash '" VIGIL_SOURCE_DIR "/scripts/pki.sh' '" + dir_.path() +
                          "' --gateways gw-expired > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ASSERT_EQ(u.Reload(&why), Error::kOk) << why;
  ASSERT_TRUE(WaitFor([&] { return seen.unique() == 4; }, 15)) << seen.unique();
  EXPECT_GT(u.metrics().cert_not_after_unix, ::time(nullptr));
  u.Stop();
}

TEST_F(UplinkBroker, RevocationTakesEffectForNewSessionsOnBrokerReload) {
  Seen seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                Reader(), [&](const ReceivedMessage& m) { seen.Add(m); }, &why),
            Error::kOk);
  ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  MqttUplink u;
  ASSERT_EQ(u.Open(Gateway("gw-02"), *log_, &why), Error::kOk) << why;
  ASSERT_EQ(u.PublishTelemetry(Vitals(2), &why), Error::kOk);
  ASSERT_TRUE(WaitFor([&] { return seen.unique() == 2; }, 10));
  const std::string cmd = "bash '" VIGIL_SOURCE_DIR "/scripts/pki.sh' '" + dir_.path() +
                          "' --revoke gw-02 > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  broker_.Reload();  // SIGHUP: Mosquitto rereads crlfile
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // The established session is not cut by the reload (Mosquitto checks certificates at
  // the handshake): the next one is refused.
  ASSERT_EQ(u.Reload(&why), Error::kOk) << why;  // forces a new session
  ASSERT_TRUE(
      WaitFor([&] { return UplinkLog().find("certificate revoked") != std::string::npos; }, 10))
      << UplinkLog();
  ASSERT_EQ(u.PublishTelemetry(Vitals(2), &why), Error::kOk);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(seen.unique(), 2u);
  EXPECT_EQ(u.metrics().queue_depth, 2u);
  u.Stop(0);
}

}  // namespace
}  // namespace vigil
