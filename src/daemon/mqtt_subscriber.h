// A reader of the uplink's topics with its own client certificate (docs/uplink.md,
// "Reading the uplink"): what `vigil uplink-sub` runs and what the tests check delivery
// with; the first piece of a cloud ingest.
//
// It holds a persistent session (MQTT 3.1.1, clean_session = false, QoS 1): while it is
// away, the broker keeps what arrives for it, and gives it on reconnection. One thread of
// its own runs libmosquitto's loop, which reconnects by itself (1 s, growing to 10 s), and
// starts that loop again when libmosquitto gives up on an error it deems fatal (a TLS
// record cut by a broker restart). Messages are handed to the handler on that thread, one at a
// time, in arrival order; a slow handler slows the flow (the broker queues), it loses nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "daemon/tls_client.h"

struct mosquitto;
struct mosquitto_message;

namespace vigil {

struct SubscriberOptions {
  std::string broker;       // host:port
  std::string server_name;  // default: the host
  TlsClientFiles tls;       // tls.cert empty: connect without a client certificate
  std::string client_id = "vigil-uplink-sub";  // names the persistent session
  bool clean_session = false;
  std::vector<std::string> topics = {"vigil/v1/#"};
  int keepalive_s = 30;
};

struct ReceivedMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class MqttSubscriber {
 public:
  using Handler = std::function<void(const ReceivedMessage&)>;

  MqttSubscriber() = default;
  ~MqttSubscriber();  // Stop()
  MqttSubscriber(const MqttSubscriber&) = delete;
  MqttSubscriber& operator=(const MqttSubscriber&) = delete;

  // Builds the TLS context and starts connecting in the background. Errors: those of
  // BuildTlsClientContext or a bad broker address (kInvalidArgument), with `why`.
  Error Start(const SubscriberOptions& options, Handler handler, std::string* why);
  void Stop();

  // True once a session is up and its subscriptions acknowledged; false after `timeout`.
  bool WaitSubscribed(TimeUs timeout) const;
  bool subscribed() const { return subscribed_.load(); }
  // True while a session is up (with or without subscriptions).
  bool connected() const { return connected_.load(); }
  // Queues a message for the broker (QoS 0..2), sent by the client's thread; kOk once
  // queued. The broker's ACL decides whether it is delivered. kInvalidState without a
  // session, kIo for libmosquitto's refusal (`why`).
  Error Publish(const std::string& topic, const std::string& payload, int qos, std::string* why);
  uint64_t connects() const { return connects_.load(); }
  // Why the last attempt failed (a CONNACK reason, a TLS alert), or empty.
  std::string last_error() const;

 private:
  void Run();  // the client's thread: the loop, restarted after errors it ends on
  static void OnConnect(mosquitto*, void*, int rc);
  static void OnDisconnect(mosquitto*, void*, int rc);
  static void OnSubscribe(mosquitto*, void*, int mid, int count, const int* granted);
  static void OnMessage(mosquitto*, void*, const mosquitto_message* m);
  static void OnLog(mosquitto*, void*, int level, const char* line);

  SubscriberOptions options_;
  Handler handler_;
  mosquitto* mosq_ = nullptr;
  SslCtxPtr ctx_;
  std::atomic<bool> subscribed_{false};
  std::atomic<bool> connected_{false};
  std::atomic<uint64_t> connects_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{true};
  std::thread thread_;
  mutable std::mutex mu_;
  std::string last_error_;
};

}  // namespace vigil
