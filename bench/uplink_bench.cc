// Uplink figures (docs/uplink.md, "Figures") and their reference.
//
//  BM_Outbox_Commit     the queue's commit rate: batches of telemetry envelopes (about 330
//                       bytes each) committed to SQLite, per batch size, with sync = full
//                       (the WAL fsynced at each commit) and normal. items/s = messages/s.
//  BM_Ref_MosquittoQos1 raw libmosquitto: QoS 1 publishes of the same payloads to the same
//                       broker over the same mutual TLS 1.3, with the same in-flight window,
//                       counted when every PUBACK is in: what a client without a queue gets.
//  BM_Uplink_Publish    the uplink end to end: the same messages enqueued (batches of 100,
//                       sync = full) and published from the queue, counted when the queue is
//                       empty again (every PUBACK in, every delete committed).
// The broker is started by this program (scripts/pki.sh, scripts/broker.sh, a free
// loopback port) and stopped at exit. Compare the items_per_second of BM_Uplink_Publish
// with BM_Ref_MosquittoQos1 of the same run (the target is at least half).
#include <benchmark/benchmark.h>
#include <mosquitto.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/test_temp_dir.h"
#include "daemon/broker_process.h"
#include "daemon/log.h"
#include "daemon/mqtt_uplink.h"
#include "daemon/tls_client.h"
#include "edge/uplink/envelope.h"
#include "edge/uplink/outbox_queue.h"

namespace vigil {
namespace {

constexpr uint32_t kInflight = 64;
constexpr int kMessagesPerIteration = 2000;

uplink::TelemetryRecord Reading(size_t i) {
  uplink::TelemetryRecord r;
  r.pseudonym = "p-" + std::to_string(i % 97);
  r.ward = "icu";
  r.device_kind = DeviceKind::kPulseOximeter;
  r.vital = Vital::kSpO2;
  r.value = 90 + static_cast<double>(i % 10);
  r.time_ms = 1714564800000 + static_cast<int64_t>(i);
  return r;
}

void BM_Outbox_Commit(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const bool full = state.range(1) != 0;
  testing::TempDir dir;
  uplink::OutboxQueue q;
  uplink::OutboxOptions o;
  o.sync_full = full;
  std::string why;
  if (q.Open(dir.File("q.db"), o, 0, &why) != Error::kOk) {
    state.SkipWithError(why.c_str());
    return;
  }
  const uplink::Origin origin{"site-a", "gw-01", q.stream()};
  const std::string topic = uplink::Topic(origin, "telemetry");
  std::vector<uplink::OutboxItem> items(batch);
  std::vector<uplink::OutboxMessage> drained;
  for (auto _ : state) {
    for (size_t i = 0; i < batch; ++i) {
      items[i].seq = q.next_seq() + i;
      items[i].cls = uplink::MessageClass::kTelemetry;
      items[i].topic = topic;
      items[i].payload = uplink::FormatTelemetry(origin, items[i].seq, Reading(items[i].seq));
    }
    if (q.Enqueue(items, 0, nullptr, &why) != Error::kOk) {
      state.SkipWithError(why.c_str());
      break;
    }
    if (q.depth() >= 20000) {  // keep the file small: deliver everything, off the clock
      state.PauseTiming();
      drained.clear();
      q.Lease(q.depth(), &drained, nullptr);
      for (const auto& m : drained) q.Ack(m.seq);
      q.CommitAcks(nullptr);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_Outbox_Commit)
    ->ArgNames({"batch", "sync_full"})
    ->ArgsProduct({{1, 10, 100, 1000}, {0, 1}})
    ->UseRealTime();

// One broker for the whole program.
struct Broker {
  testing::TempDir dir;
  BrokerProcess process;
  std::string error;
  Broker() {
    if (process.Start(VIGIL_SOURCE_DIR, dir.path(), &error) != Error::kOk && error.empty())
      error = "the broker did not start";
  }
};
Broker& SharedBroker() {
  static Broker b;
  return b;
}

// ---- the reference: libmosquitto alone ----------------------------------------------

struct RawPublisher {
  mosquitto* mosq = nullptr;
  SslCtxPtr ctx;
  std::mutex mu;
  std::condition_variable cv;
  int acked = 0;
  bool connected = false;

  ~RawPublisher() {
    if (mosq != nullptr) {
      mosquitto_disconnect(mosq);
      mosquitto_loop_stop(mosq, false);
      mosquitto_destroy(mosq);
    }
  }
  std::string Connect(Broker& b) {
    mosquitto_lib_init();
    std::string why;
    const std::string d = b.dir.path();
    if (BuildTlsClientContext({d + "/ca.crt", d + "/gw-02.crt", d + "/gw-02.key", ""}, "127.0.0.1",
                              &ctx, nullptr, &why) != Error::kOk)
      return why;
    mosq = mosquitto_new("bench-raw", true, this);
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, kInflight);
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_int_option(mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    mosquitto_void_option(mosq, MOSQ_OPT_SSL_CTX, ctx.get());
    mosquitto_connect_v5_callback_set(
        mosq, [](mosquitto*, void* self, int rc, int, const mosquitto_property*) {
          auto* p = static_cast<RawPublisher*>(self);
          std::lock_guard lk(p->mu);
          p->connected = rc == 0;
          p->cv.notify_all();
        });
    mosquitto_publish_v5_callback_set(
        mosq, [](mosquitto*, void* self, int, int, const mosquitto_property*) {
          auto* p = static_cast<RawPublisher*>(self);
          std::lock_guard lk(p->mu);
          ++p->acked;
          p->cv.notify_all();
        });
    if (mosquitto_connect_async(mosq, "127.0.0.1", b.process.port(), 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(mosq) != MOSQ_ERR_SUCCESS)
      return "cannot connect";
    std::unique_lock lk(mu);
    if (!cv.wait_for(lk, std::chrono::seconds(10), [&] { return connected; })) return "no CONNACK";
    return "";
  }
};

void BM_Ref_MosquittoQos1(benchmark::State& state) {
  Broker& b = SharedBroker();
  if (!b.error.empty()) {
    state.SkipWithError(b.error.c_str());
    return;
  }
  RawPublisher p;
  if (std::string e = p.Connect(b); !e.empty()) {
    state.SkipWithError(e.c_str());
    return;
  }
  const uplink::Origin origin{"site-a", "gw-02", 1};
  const std::string topic = uplink::Topic(origin, "telemetry");
  std::vector<std::string> payloads;
  for (int i = 0; i < kMessagesPerIteration; ++i)
    payloads.push_back(uplink::FormatTelemetry(origin, static_cast<uint64_t>(i + 1), Reading(i)));
  for (auto _ : state) {
    {
      std::lock_guard lk(p.mu);
      p.acked = 0;
    }
    for (int i = 0; i < kMessagesPerIteration; ++i) {
      // Keep at most kInflight unacknowledged, as the uplink does.
      std::unique_lock lk(p.mu);
      p.cv.wait(lk, [&] { return i - p.acked < static_cast<int>(kInflight); });
      lk.unlock();
      const std::string& m = payloads[static_cast<size_t>(i)];
      mosquitto_publish_v5(p.mosq, nullptr, topic.c_str(), static_cast<int>(m.size()), m.data(), 1,
                           false, nullptr);
    }
    std::unique_lock lk(p.mu);
    if (!p.cv.wait_for(lk, std::chrono::seconds(60),
                       [&] { return p.acked >= kMessagesPerIteration; })) {
      state.SkipWithError("PUBACKs missing");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kMessagesPerIteration);
}
BENCHMARK(BM_Ref_MosquittoQos1)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_Uplink_Publish(benchmark::State& state) {
  Broker& b = SharedBroker();
  if (!b.error.empty()) {
    state.SkipWithError(b.error.c_str());
    return;
  }
  testing::TempDir qdir;
  const std::string d = b.dir.path();
  UplinkSettings s;
  s.enabled = true;
  s.broker = b.process.address();
  s.ca = d + "/ca.crt";
  s.cert = d + "/gw-01.crt";
  s.key = d + "/gw-01.key";
  s.site = "site-a";
  s.gateway_id = "gw-01";
  s.queue = qdir.File("q.db");
  s.max_inflight = kInflight;
  Logger log("bench", stderr, true);
  MqttUplink u;
  std::string why;
  if (u.Open(s, log, &why) != Error::kOk) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (int k = 0; k < 1000 && !u.metrics().connected; ++k)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::vector<uplink::TelemetryRecord> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(Reading(static_cast<size_t>(i)));
  for (auto _ : state) {
    for (int k = 0; k < kMessagesPerIteration / 100; ++k) {
      if (u.PublishTelemetry(batch, &why) != Error::kOk) {
        state.SkipWithError(why.c_str());
        return;
      }
    }
    if (!u.WaitDrained(60 * kSeconds)) {
      state.SkipWithError("the queue did not drain");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kMessagesPerIteration);
  u.Stop();
}
BENCHMARK(BM_Uplink_Publish)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace vigil
