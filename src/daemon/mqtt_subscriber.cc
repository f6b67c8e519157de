#include "daemon/mqtt_subscriber.h"

#include <mosquitto.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "daemon/uplink_settings.h"

namespace vigil {

MqttSubscriber::~MqttSubscriber() { Stop(); }

Error MqttSubscriber::Start(const SubscriberOptions& options, Handler handler, std::string* why) {
  Stop();
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
  options_ = options;
  handler_ = std::move(handler);
  std::string host;
  uint16_t port = 0;
  if (!ParseBrokerAddress(options.broker, &host, &port, why)) return Error::kInvalidArgument;
  const std::string name = options.server_name.empty() ? host : options.server_name;
  if (Error e = BuildTlsClientContext(options.tls, name, &ctx_, nullptr, why); e != Error::kOk)
    return e;
  mosq_ = mosquitto_new(options.client_id.c_str(), options.clean_session, this);
  if (mosq_ == nullptr) {
    if (why) *why = "cannot create an MQTT client";
    return Error::kIo;
  }
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
  mosquitto_void_option(mosq_, MOSQ_OPT_SSL_CTX, ctx_.get());
  mosquitto_connect_callback_set(mosq_, &MqttSubscriber::OnConnect);
  mosquitto_disconnect_callback_set(mosq_, &MqttSubscriber::OnDisconnect);
  mosquitto_subscribe_callback_set(mosq_, &MqttSubscriber::OnSubscribe);
  mosquitto_message_callback_set(mosq_, &MqttSubscriber::OnMessage);
  mosquitto_log_callback_set(mosq_, &MqttSubscriber::OnLog);
  mosquitto_reconnect_delay_set(mosq_, 1, 10, true);
  const int rc = mosquitto_connect_async(mosq_, host.c_str(), port, options.keepalive_s);
  if (rc != MOSQ_ERR_SUCCESS) {
    std::lock_guard lk(mu_);
    last_error_ = mosquitto_strerror(rc);  // the loop retries
  }
  // The loop runs on a thread of ours, not libmosquitto's: told so, libmosquitto queues
  // what it sends from inside the read (a message's PUBACK) for the loop to write after
  // the handler returned, as under its own thread, and guards its state with its locks.
  mosquitto_threaded_set(mosq_, true);
  stop_ = false;
  done_ = false;
  thread_ = std::thread([this] { Run(); });
  return Error::kOk;
}

// libmosquitto's own thread (mosquitto_loop_start) runs mosquitto_loop_forever once: it
// retries what it deems transient, but returns, and the thread ends, on what it deems
// fatal (MOSQ_ERR_TLS, MOSQ_ERR_PROTOCOL, ...), which a broker that stops in the middle of
// a TLS record causes. A reader of the uplink must not go deaf after a broker restart, so
// this thread starts the loop again, after a growing pause, until Stop().
void MqttSubscriber::Run() {
  int pause_ms = 1000;
  while (!stop_) {
    const int rc = mosquitto_loop_forever(mosq_, 1000, 1);
    if (stop_) break;
    {
      std::lock_guard lk(mu_);
      last_error_ = std::string("the client's loop ended: ") + mosquitto_strerror(rc);
    }
    for (int waited = 0; waited < pause_ms && !stop_; waited += 20)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pause_ms = std::min(pause_ms * 2, 10000);
    if (!stop_) mosquitto_reconnect(mosq_);
  }
  done_ = true;
}

void MqttSubscriber::Stop() {
  if (mosq_ == nullptr) return;
  stop_ = true;
  // A disconnect makes mosquitto_loop_forever return; one that lands while the thread is
  // between loops (pausing, reconnecting) is lost, hence the repetition.
  while (!done_) {
    mosquitto_disconnect(mosq_);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  thread_.join();
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
  subscribed_ = false;
  connected_ = false;
  ctx_.reset();
}

Error MqttSubscriber::Publish(const std::string& topic, const std::string& payload, int qos,
                              std::string* why) {
  if (mosq_ == nullptr || !connected_) {
    if (why) *why = "not connected to the broker";
    return Error::kInvalidState;
  }
  const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    if (why) *why = mosquitto_strerror(rc);
    return Error::kIo;
  }
  return Error::kOk;
}

bool MqttSubscriber::WaitSubscribed(TimeUs timeout) const {
  const auto end = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout);
  while (!subscribed_.load()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    ::usleep(5000);
  }
  return true;
}

std::string MqttSubscriber::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

void MqttSubscriber::OnConnect(mosquitto* m, void* self, int rc) {
  auto* s = static_cast<MqttSubscriber*>(self);
  if (rc != 0) {
    std::lock_guard lk(s->mu_);
    s->last_error_ = std::string("broker refused: ") + mosquitto_connack_string(rc);
    return;
  }
  ++s->connects_;
  s->connected_ = true;
  for (const std::string& t : s->options_.topics) mosquitto_subscribe(m, nullptr, t.c_str(), 1);
}

void MqttSubscriber::OnDisconnect(mosquitto*, void* self, int) {
  static_cast<MqttSubscriber*>(self)->subscribed_ = false;
  static_cast<MqttSubscriber*>(self)->connected_ = false;
}

void MqttSubscriber::OnSubscribe(mosquitto*, void* self, int, int count, const int* granted) {
  auto* s = static_cast<MqttSubscriber*>(self);
  for (int i = 0; i < count; ++i) {
    if (granted[i] > 2) {  // 0x80: refused by the broker's ACL
      std::lock_guard lk(s->mu_);
      s->last_error_ = "the broker refused a subscription (ACL)";
      return;
    }
  }
  s->subscribed_ = true;
}

void MqttSubscriber::OnMessage(mosquitto*, void* self, const mosquitto_message* m) {
  auto* s = static_cast<MqttSubscriber*>(self);
  ReceivedMessage r;
  r.topic = m->topic;
  r.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  r.retained = m->retain;
  if (s->handler_) s->handler_(r);
}

void MqttSubscriber::OnLog(mosquitto*, void* self, int level, const char* line) {
  if (level != MOSQ_LOG_ERR && level != MOSQ_LOG_WARNING) return;
  auto* s = static_cast<MqttSubscriber*>(self);
  std::lock_guard lk(s->mu_);
  s->last_error_ = line;
}

}  // namespace vigil
