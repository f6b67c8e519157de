// The cloud's MQTT source (docs/cloud.md, "Ingest from the broker"): reads the uplink's
// topics with its own client certificate, over a persistent session (MQTT 3.1.1,
// clean_session = false, QoS 1), and hands the messages to a commit function in batches.
//
// Acknowledged only after commit. libmosquitto 2.0 queues the PUBACK of a QoS 1 message
// when it hands the message to on_message; with its own thread (loop_start, as
// MqttSubscriber runs it) the PUBACK goes out as soon as the callback returns, so a
// handler that only buffers the message for a later batch commit lets the broker forget
// messages not yet committed: a crash then loses them. This source drives the client
// itself instead (mosquitto_threaded_set: packets are only queued, never written from
// inside the library) and writes queued packets, the PUBACKs among them, only when no
// received message is waiting for its commit: a PUBACK leaves the process after the
// commit that stored its message. A crash before the commit loses nothing: the broker
// still holds the messages as in flight and sends them again (DUP) when the session
// resumes; the store removes the copies by id.
//
// Batches: messages are gathered while more are readable, up to `max_batch` or
// `max_latency_ms` after the first, then committed. The broker's max_inflight_messages
// (100 in scripts/broker.sh) bounds how many it sends ahead of PUBACKs, so it bounds a
// batch too.
//
// A commit that fails (the database is down) is retried with growing delays, without
// reading further and without acknowledging; Stop abandons it unacknowledged.
//
// Threads: Start runs one thread; the commit function runs on it. Accessors are
// thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cloud/ingest/ingester.h"
#include "common/error.h"
#include "daemon/tls_client.h"

struct mosquitto;
struct mosquitto_message;

namespace vigil::cloud {

struct MqttSourceOptions {
  std::string broker = "127.0.0.1:8883";
  std::string server_name;  // default: the broker's host
  TlsClientFiles tls;
  std::string client_id = "vigil-cloud-ingest";  // names the persistent session
  std::vector<std::string> topics = {"vigil/v1/#"};
  int keepalive_s = 30;
  size_t max_batch = 500;
  int max_latency_ms = 50;
};

class MqttSource {
 public:
  // Stores the batch; true once committed (the messages may then be acknowledged).
  using Commit = std::function<bool(std::vector<IngestMessage>& batch)>;
  using Clock = std::function<int64_t()>;  // wall clock, ms: the messages' received_ms

  MqttSource() = default;
  ~MqttSource();  // Stop()
  MqttSource(const MqttSource&) = delete;
  MqttSource& operator=(const MqttSource&) = delete;

  // Builds the TLS context and starts the thread (which connects, and reconnects with
  // growing delays). Errors: a bad broker address (kInvalidArgument), the TLS files'.
  Error Start(const MqttSourceOptions& options, Commit commit, Clock clock, std::string* why);
  void Stop();

  bool subscribed() const { return subscribed_.load(); }
  uint64_t connects() const { return connects_.load(); }
  uint64_t received() const { return received_.load(); }
  uint64_t committed() const { return committed_.load(); }
  uint64_t commit_failures() const { return commit_failures_.load(); }
  std::string last_error() const;

 private:
  void Run();
  bool CommitPending();
  void SetError(std::string e);
  static void OnConnect(mosquitto*, void*, int rc);
  static void OnDisconnect(mosquitto*, void*, int rc);
  static void OnSubscribe(mosquitto*, void*, int mid, int count, const int* granted);
  static void OnMessage(mosquitto*, void*, const mosquitto_message* m);

  MqttSourceOptions options_;
  Commit commit_;
  Clock clock_;
  std::string host_;
  uint16_t port_ = 0;
  mosquitto* mosq_ = nullptr;
  SslCtxPtr ctx_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> connected_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<uint64_t> connects_{0}, received_{0}, committed_{0}, commit_failures_{0};
  std::vector<IngestMessage> pending_;  // received, not yet committed (thread only)
  mutable std::mutex mu_;
  std::string last_error_;
};

}  // namespace vigil::cloud
