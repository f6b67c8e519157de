// The MQTT source against a real Mosquitto (scripts/broker.sh) with the project's
// certificates: what libmosquitto 2.0 acknowledges when, and that the source commits a
// message before the broker may forget it.
#include "cloud/ingest/mqtt_source.h"

#include <gtest/gtest.h>
#include <mosquitto.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cloud/ingest/test_messages.h"
#include "cloud/store/schema.h"
#include "common/test_temp_dir.h"
#include "daemon/broker_process.h"
#include "daemon/mqtt_subscriber.h"
#include "edge/uplink/envelope.h"

namespace vigil::cloud {
namespace {

namespace fs = std::filesystem;
using vigil::testing::TempDir;

const std::string& SharedPki() {
  static TempDir* dir = [] {
    auto* d = new TempDir();
    const std::string cmd = "bash '" VIGIL_SOURCE_DIR "/scripts/pki.sh' '" + d->path() + "' > '" +
                            d->path() + "/pki.log' 2>&1";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "pki.sh failed";
    return d;
  }();
  return dir->path();
}

std::string Telemetry(int64_t seq) {
  return testing::TelemetryMessage(static_cast<uint64_t>(seq), 1714564800000 + seq, "p-1", 37.0)
      .payload;
}

// Publishes seq first..last as gw-01, QoS 1, and waits for every PUBACK.
void Publish(const BrokerProcess& broker, const std::string& pki, int64_t first, int64_t last) {
  mosquitto_lib_init();
  mosquitto* m = mosquitto_new("gw-01", true, nullptr);
  ASSERT_NE(m, nullptr);
  static std::atomic<int64_t> acked;
  acked = 0;
  mosquitto_publish_callback_set(m, [](mosquitto*, void*, int) { ++acked; });
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  ASSERT_EQ(mosquitto_tls_set(m, (pki + "/ca.crt").c_str(), nullptr, (pki + "/gw-01.crt").c_str(),
                              (pki + "/gw-01.key").c_str(), nullptr),
            MOSQ_ERR_SUCCESS);
  ASSERT_EQ(mosquitto_tls_opts_set(m, 1, "tlsv1.3", nullptr), MOSQ_ERR_SUCCESS);
  ASSERT_EQ(mosquitto_connect(m, "127.0.0.1", broker.port(), 30), MOSQ_ERR_SUCCESS);
  ASSERT_EQ(mosquitto_loop_start(m), MOSQ_ERR_SUCCESS);
  for (int64_t s = first; s <= last; ++s) {
    const std::string p = Telemetry(s);
    ASSERT_EQ(mosquitto_publish(m, nullptr, "vigil/v1/site-a/gw-01/telemetry",
                                static_cast<int>(p.size()), p.data(), 1, false),
              MOSQ_ERR_SUCCESS);
  }
  for (int i = 0; i < 2000 && acked.load() < last - first + 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(acked.load(), last - first + 1);
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);
}

class MqttSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy(SharedPki(), dir_.path(), fs::copy_options::recursive);
    std::string why;
    ASSERT_EQ(broker_.Start(VIGIL_SOURCE_DIR, dir_.path(), &why), Error::kOk) << why;
  }
  MqttSourceOptions Options() const {
    MqttSourceOptions o;
    o.broker = broker_.address();
    o.tls = {dir_.File("ca.crt"), dir_.File("cloud-ingest.crt"), dir_.File("cloud-ingest.key"), ""};
    o.client_id = "cloud-test";
    return o;
  }
  SubscriberOptions SubOptions() const {
    SubscriberOptions o;
    o.broker = broker_.address();
    o.tls = {dir_.File("ca.crt"), dir_.File("cloud-ingest.crt"), dir_.File("cloud-ingest.key"), ""};
    o.client_id = "cloud-test";
    return o;
  }
  TempDir dir_;
  BrokerProcess broker_;
};

// The finding the source is built on: with libmosquitto's own thread, a message whose
// on_message never returned (the process died inside it) is not acknowledged, and the
// broker sends it again to the resumed session; one whose on_message returned is
// acknowledged, and gone. A handler that only buffers for a later commit would lose it.
// What the ingest relies on: libmosquitto sends a message's PUBACK only after on_message
// returned (so an ingester that dies inside it loses nothing). When the PUBACK leaves
// after that is libmosquitto's business: the PUBACK of seq 1 is queued when its callback
// returns and written by the loop's next turn, so if seq 2 arrived in the same read the
// process may die first and seq 1 comes again (the ingest's dedup keeps it once).
TEST_F(MqttSourceTest, LibmosquittoNeverAcknowledgesBeforeOnMessageReturns) {
  {  // Register the persistent session and its subscription.
    MqttSubscriber sub;
    std::string why;
    ASSERT_EQ(sub.Start(
                  SubOptions(), [](const ReceivedMessage&) {}, &why),
              Error::kOk)
        << why;
    ASSERT_TRUE(sub.WaitSubscribed(10 * kSeconds));
  }
  Publish(broker_, dir_.path(), 1, 3);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Returns from on_message for seq 1, dies inside it for seq 2.
    MqttSubscriber sub;
    std::string why;
    sub.Start(
        SubOptions(),
        [](const ReceivedMessage& m) {
          if (m.payload.find("\"seq\":2") != std::string::npos) ::_exit(0);
        },
        &why);
    std::this_thread::sleep_for(std::chrono::seconds(20));
    ::_exit(3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child never saw seq 2";
  std::mutex mu;
  std::set<int64_t> seen;
  MqttSubscriber sub;
  std::string why;
  ASSERT_EQ(sub.Start(
                SubOptions(),
                [&](const ReceivedMessage& m) {
                  std::lock_guard lk(mu);
                  seen.insert(nlohmann::json::parse(m.payload)["seq"].get<int64_t>());
                },
                &why),
            Error::kOk);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lk(mu);
      if (seen.size() >= 2) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  sub.Stop();
  EXPECT_TRUE(seen.count(2)) << "seq 2 died inside on_message: it must come again";
  EXPECT_TRUE(seen.count(3)) << "seq 3 was never handled: it must come again";
  for (int64_t s : seen) EXPECT_TRUE(s >= 1 && s <= 3) << s;
}

TEST_F(MqttSourceTest, MessagesNotCommittedAreRedeliveredAndStoredOnce) {
  std::unique_ptr<Database> db;
  ASSERT_TRUE(OpenDatabase(dir_.File("cloud.db"), {}, &db).ok());
  ASSERT_TRUE(Migrate(*db, CloudMigrations(), 1, nullptr).ok());
  MasterKey k;
  k.key.fill(7);
  k.id = MasterKeyId(k.key);
  Keyring keys;
  ASSERT_TRUE(keys.Open(*db, {k}, 1).ok());
  Ingester ingester(*db, keys);
  {
    // The first run's database is down: nothing commits, so nothing is acknowledged.
    MqttSource src;
    std::string why;
    std::atomic<int> attempts{0};
    ASSERT_EQ(src.Start(
                  Options(), [&](std::vector<IngestMessage>&) { return ++attempts, false; },
                  [] { return int64_t{1}; }, &why),
              Error::kOk)
        << why;
    for (int i = 0; i < 1000 && !src.subscribed(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(src.subscribed()) << src.last_error();
    Publish(broker_, dir_.path(), 1, 50);
    for (int i = 0; i < 500 && attempts.load() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_GT(attempts.load(), 0);
    EXPECT_EQ(src.committed(), 0u);
  }  // stopped: like a crash, the batch is abandoned unacknowledged
  Publish(broker_, dir_.path(), 51, 200);
  MqttSource src;
  std::string why;
  ASSERT_EQ(src.Start(
                Options(),
                [&](std::vector<IngestMessage>& batch) {
                  return ingester.IngestBatch(batch, nullptr).ok();
                },
                [] { return int64_t{2}; }, &why),
            Error::kOk);
  for (int i = 0; i < 1000 && ingester.totals().stored < 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  src.Stop();
  EXPECT_EQ(ingester.totals().stored, 200u);
  std::vector<Row> rows;
  ASSERT_TRUE(
      db->Execute("SELECT COUNT(*), COUNT(DISTINCT message_id) FROM vitals", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 200);
  EXPECT_EQ(rows.at(0).Int(1), 200);
  // Committed and acknowledged: a third session gets nothing again.
  MqttSource again;
  std::atomic<size_t> more{0};
  ASSERT_EQ(again.Start(
                Options(), [&](std::vector<IngestMessage>& b) { return more += b.size(), true; },
                [] { return int64_t{3}; }, &why),
            Error::kOk);
  for (int i = 0; i < 1000 && !again.subscribed(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  again.Stop();
  EXPECT_EQ(more.load(), 0u);
}

}  // namespace
}  // namespace vigil::cloud
