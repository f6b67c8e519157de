#include "cloud/ingest/mqtt_source.h"

#include <mosquitto.h>
#include <poll.h>

#include <algorithm>
#include <chrono>

#include "daemon/uplink_settings.h"

namespace vigil::cloud {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

MqttSource::~MqttSource() { Stop(); }

Error MqttSource::Start(const MqttSourceOptions& options, Commit commit, Clock clock,
                        std::string* why) {
  Stop();
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
  options_ = options;
  commit_ = std::move(commit);
  clock_ = std::move(clock);
  if (!ParseBrokerAddress(options.broker, &host_, &port_, why)) return Error::kInvalidArgument;
  const std::string name = options.server_name.empty() ? host_ : options.server_name;
  if (Error e = BuildTlsClientContext(options.tls, name, &ctx_, nullptr, why); e != Error::kOk)
    return e;
  mosq_ = mosquitto_new(options.client_id.c_str(), /*clean_session=*/false, this);
  if (mosq_ == nullptr) {
    if (why) *why = "cannot create an MQTT client";
    return Error::kIo;
  }
  // Packets are queued, never written by the library itself: Run decides when.
  mosquitto_threaded_set(mosq_, true);
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(mosq_, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
  mosquitto_void_option(mosq_, MOSQ_OPT_SSL_CTX, ctx_.get());
  mosquitto_connect_callback_set(mosq_, &MqttSource::OnConnect);
  mosquitto_disconnect_callback_set(mosq_, &MqttSource::OnDisconnect);
  mosquitto_subscribe_callback_set(mosq_, &MqttSource::OnSubscribe);
  mosquitto_message_callback_set(mosq_, &MqttSource::OnMessage);
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return Error::kOk;
}

void MqttSource::Stop() {
  if (mosq_ == nullptr) return;
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  // Anything still pending was never acknowledged: the broker sends it again.
  pending_.clear();
  mosquitto_destroy(mosq_);
  mosq_ = nullptr;
  subscribed_ = false;
  connected_ = false;
  ctx_.reset();
}

std::string MqttSource::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

void MqttSource::SetError(std::string e) {
  std::lock_guard lk(mu_);
  last_error_ = std::move(e);
}

bool MqttSource::CommitPending() {
  int delay_ms = 100;
  while (!stop_.load()) {
    if (commit_(pending_)) {
      committed_ += pending_.size();
      pending_.clear();
      return true;
    }
    ++commit_failures_;
    SetError("commit failed; retrying (nothing acknowledged)");
    for (int waited = 0; waited < delay_ms && !stop_.load(); waited += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    delay_ms = std::min(delay_ms * 2, 5000);
  }
  return false;
}

void MqttSource::Run() {
  int backoff_ms = 200;
  bool ever_connected = false;
  int64_t batch_deadline = 0;
  while (!stop_.load()) {
    if (!connected_.load()) {
      // Whatever was read on the lost connection is committed first: the broker sends it
      // again (not acknowledged), and the store removes the copies.
      if (!pending_.empty() && !CommitPending()) break;
      const int rc = ever_connected
                         ? mosquitto_reconnect(mosq_)
                         : mosquitto_connect(mosq_, host_.c_str(), port_, options_.keepalive_s);
      if (rc != MOSQ_ERR_SUCCESS) {
        SetError(std::string("connect: ") + mosquitto_strerror(rc));
        for (int waited = 0; waited < backoff_ms && !stop_.load(); waited += 50)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        backoff_ms = std::min(backoff_ms * 2, 10000);
        continue;
      }
      ever_connected = true;
      connected_ = true;
    }
    const int sock = mosquitto_socket(mosq_);
    if (sock < 0) {
      connected_ = false;
      continue;
    }
    pollfd p{};
    p.fd = sock;
    p.events = POLLIN;
    if (pending_.empty() && mosquitto_want_write(mosq_)) p.events |= POLLOUT;
    int timeout = 1000;
    if (!pending_.empty())
      timeout = static_cast<int>(std::max<int64_t>(0, batch_deadline - SteadyMs()));
    const int n = ::poll(&p, 1, timeout);
    int rc = MOSQ_ERR_SUCCESS;
    if (n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      const size_t before = pending_.size();
      rc = mosquitto_loop_read(mosq_, 1);
      if (before == 0 && !pending_.empty()) batch_deadline = SteadyMs() + options_.max_latency_ms;
    }
    if (!pending_.empty()) {
      // Commit when the batch is full, its time is up, or nothing more is waiting.
      pollfd more = p;
      more.events = POLLIN;
      const bool readable = rc == MOSQ_ERR_SUCCESS && ::poll(&more, 1, 0) > 0;
      if (pending_.size() >= options_.max_batch || SteadyMs() >= batch_deadline || !readable) {
        if (!CommitPending()) break;
      }
    }
    if (rc == MOSQ_ERR_SUCCESS && pending_.empty() && mosquitto_want_write(mosq_))
      rc = mosquitto_loop_write(mosq_, 1);
    if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(mosq_);
    if (rc != MOSQ_ERR_SUCCESS) {
      SetError(std::string("connection: ") + mosquitto_strerror(rc));
      subscribed_ = false;
      connected_ = false;
    } else {
      backoff_ms = 200;
    }
  }
  if (connected_.load() && pending_.empty()) {
    mosquitto_disconnect(mosq_);
    mosquitto_loop_write(mosq_, 1);
  }
}

void MqttSource::OnConnect(mosquitto* m, void* self, int rc) {
  auto* s = static_cast<MqttSource*>(self);
  if (rc != 0) {
    s->SetError(std::string("broker refused: ") + mosquitto_connack_string(rc));
    return;
  }
  ++s->connects_;
  for (const std::string& t : s->options_.topics) mosquitto_subscribe(m, nullptr, t.c_str(), 1);
}

void MqttSource::OnDisconnect(mosquitto*, void* self, int) {
  auto* s = static_cast<MqttSource*>(self);
  s->subscribed_ = false;
  s->connected_ = false;
}

void MqttSource::OnSubscribe(mosquitto*, void* self, int, int count, const int* granted) {
  auto* s = static_cast<MqttSource*>(self);
  for (int i = 0; i < count; ++i) {
    if (granted[i] > 2) {
      s->SetError("the broker refused a subscription (ACL)");
      return;
    }
  }
  s->subscribed_ = true;
}

void MqttSource::OnMessage(mosquitto*, void* self, const mosquitto_message* m) {
  auto* s = static_cast<MqttSource*>(self);
  IngestMessage msg;
  msg.topic = m->topic;
  msg.payload.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  msg.received_ms = s->clock_ ? s->clock_() : 0;
  ++s->received_;
  s->pending_.push_back(std::move(msg));
}

}  // namespace vigil::cloud
