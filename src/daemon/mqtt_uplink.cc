#include "daemon/mqtt_uplink.h"

#include <mosquitto.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>

#include "edge/uplink/command.h"

namespace vigil {
namespace {

// libmosquitto's text for rc, with MOSQ_ERR_ERRNO's errno as it was at the failure.
std::string Describe(int rc, int err) {
  return rc == MOSQ_ERR_ERRNO ? std::strerror(err) : mosquitto_strerror(rc);
}

using uplink::LinkAction;
using uplink::LinkInput;
using uplink::LinkState;
using uplink::MessageClass;

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

uint64_t OsRandom64() {
  uint64_t v = 0;
  if (::getrandom(&v, sizeof(v), 0) != static_cast<ssize_t>(sizeof(v))) v = 0x5eed;
  return v;
}

std::string Date(int64_t unix_s) {
  const time_t t = static_cast<time_t>(unix_s);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

MqttUplink::MqttUplink() : link_(uplink::LinkOptions{}, 0) {}

MqttUplink::~MqttUplink() { Stop(); }

TimeUs MqttUplink::Now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t MqttUplink::WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error MqttUplink::Open(const UplinkSettings& settings, Logger& log, std::string* why,
                       std::string version) {
  if (open_ || thread_.joinable()) {
    if (why) *why = "uplink: already open";
    return Error::kInvalidState;
  }
  UplinkSettings s = settings;
  s.enabled = true;
  if (std::string bad = ValidateUplinkSettings(s); !bad.empty()) {
    if (why) *why = "[uplink] " + bad;
    return Error::kInvalidArgument;
  }
  ParseBrokerAddress(s.broker, &host_, &port_, nullptr);
  if (s.server_name.empty()) s.server_name = host_;
  settings_ = s;
  log_ = &log;
  version_ = std::move(version);
  InitLibrary();

  TlsIdentity id;
  SslCtxPtr ctx;
  if (Error e = BuildTlsClientContext({s.ca, s.cert, s.key, s.crl}, s.server_name, &ctx, &id, why);
      e != Error::kOk) {
    if (why) *why = "[uplink] " + *why;
    return e;
  }
  if (id.common_name != s.gateway_id) {
    if (why)
      *why = "[uplink] cert " + s.cert + " is issued to \"" + id.common_name +
             "\", not to gateway_id \"" + s.gateway_id +
             "\": the broker knows a gateway by its certificate's CN and would refuse its "
             "messages";
    return Error::kInvalidArgument;
  }
  const int64_t now_ms = WallMs();
  if (id.not_after_unix != 0 && id.not_after_unix * 1000 < now_ms)
    Log(log, "error", "uplink certificate expired: the broker will refuse it; renew it and reload")
        .With("cert", s.cert)
        .With("not_after", Date(id.not_after_unix));

  uplink::OutboxOptions qo;
  qo.max_messages = s.max_messages;
  qo.max_bytes = s.max_bytes;
  qo.sync_full = s.sync_full;
  {
    std::lock_guard lk(mu_);
    if (Error e = queue_.Open(s.queue, qo, now_ms, why); e != Error::kOk) return e;
    identity_ = id;
    stopping_ = false;
    open_ = true;
  }
  origin_ = uplink::Origin{s.site, s.gateway_id, queue_.stream()};
  for (MessageClass c : uplink::kDrainOrder)
    topics_[uplink::Index(c)] = uplink::Topic(origin_, uplink::MessageClassName(c));
  status_topic_ = uplink::Topic(origin_, "status");
  device_topic_ = uplink::Topic(origin_, "device");
  command_topic_ =
      s.command_key.empty() ? std::string() : uplink::CommandTopic(s.site, s.gateway_id);
  started_ms_ = now_ms;
  ctx_ = std::move(ctx);

  uplink::LinkOptions lo;
  lo.backoff_min = static_cast<TimeUs>(s.reconnect_min_ms) * kMillis;
  lo.backoff_max = static_cast<TimeUs>(s.reconnect_max_ms) * kMillis;
  lo.connect_timeout = static_cast<TimeUs>(s.connect_timeout_ms) * kMillis;
  lo.max_inflight = s.max_inflight;
  link_ = uplink::UplinkLink(lo, OsRandom64());
  connected_ = false;
  connects_ = 0;
  refusals_ = 0;
  next_status_ = 0;
  next_drop_log_ = 0;
  drops_logged_ = queue_.counters().refused;
  for (size_t c = 0; c < uplink::kMessageClassCount; ++c)
    drops_logged_[c] += queue_.counters().evicted[c];

  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    std::lock_guard lk(mu_);
    queue_.Close();
    open_ = false;
    if (why) *why = "uplink: cannot create an eventfd";
    return Error::kIo;
  }
  Log(log, "info", "uplink queue open")
      .With("queue", s.queue)
      .With("stream", uplink::StreamHex(origin_.stream))
      .With("waiting", static_cast<uint64_t>(queue_.depth()))
      .With("next_seq", queue_.next_seq());
  // The thread takes no process signal (SIGHUP, SIGTERM belong to the gateway's loop) and
  // a write to a socket the broker closed must not raise SIGPIPE.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  thread_ = std::thread([this] { Run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return Error::kOk;
}

template <typename Record, typename Format>
Error MqttUplink::Enqueue(std::span<const Record> records, MessageClass cls, Format format,
                          std::string* why, const std::string* topic) {
  std::lock_guard lk(mu_);
  if (!open_ || stopping_) {
    if (why) *why = "uplink: not running";
    return Error::kInvalidState;
  }
  const uint64_t first = queue_.next_seq();
  items_.resize(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    uplink::OutboxItem& it = items_[i];
    it.seq = first + i;
    it.cls = cls;
    it.topic = topic != nullptr ? *topic : topics_[uplink::Index(cls)];
    it.payload = format(origin_, first + i, records[i]);
  }
  uplink::EnqueueResult res;
  Error e = queue_.Enqueue(items_, WallMs(), &res, why);
  if (e == Error::kIo) ++enqueue_errors_;
  if (e == Error::kOk) Wake();
  return e;
}

Error MqttUplink::PublishTelemetry(std::span<const uplink::TelemetryRecord> batch,
                                   std::string* why) {
  for (size_t i = 0; i < batch.size(); ++i) {
    if (uplink::CheckTelemetry(batch[i], why) != Error::kOk) {
      if (why) *why = "telemetry record " + std::to_string(i) + ": " + *why;
      return Error::kInvalidArgument;
    }
  }
  return Enqueue(batch, MessageClass::kTelemetry, uplink::FormatTelemetry, why);
}

Error MqttUplink::PublishAlarm(const uplink::AlarmRecord& record, std::string* why) {
  if (uplink::CheckAlarm(record, why) != Error::kOk) {
    if (why) *why = "alarm: " + *why;
    return Error::kInvalidArgument;
  }
  return Enqueue(std::span<const uplink::AlarmRecord>(&record, 1), MessageClass::kAlarm,
                 uplink::FormatAlarm, why);
}

Error MqttUplink::PublishSecurity(const uplink::SecurityRecord& record, std::string* why) {
  if (uplink::CheckSecurity(record, why) != Error::kOk) {
    if (why) *why = "security alert: " + *why;
    return Error::kInvalidArgument;
  }
  return Enqueue(std::span<const uplink::SecurityRecord>(&record, 1), MessageClass::kSecurity,
                 uplink::FormatSecurity, why);
}

Error MqttUplink::PublishDevice(const uplink::DeviceRecord& record, std::string* why) {
  if (uplink::CheckDevice(record, why) != Error::kOk) {
    if (why) *why = "device record: " + *why;
    return Error::kInvalidArgument;
  }
  return Enqueue(std::span<const uplink::DeviceRecord>(&record, 1), MessageClass::kSecurity,
                 uplink::FormatDevice, why, &device_topic_);
}

std::vector<std::string> MqttUplink::TakeCommands() {
  std::lock_guard lk(commands_mu_);
  std::vector<std::string> out;
  out.swap(commands_);
  return out;
}

Error MqttUplink::Reload(std::string* why) {
  if (!thread_.joinable()) {
    if (why) *why = "uplink: not running";
    return Error::kInvalidState;
  }
  TlsIdentity id;
  SslCtxPtr ctx;
  const UplinkSettings& s = settings_;
  if (Error e = BuildTlsClientContext({s.ca, s.cert, s.key, s.crl}, s.server_name, &ctx, &id, why);
      e != Error::kOk) {
    if (why) *why = "uplink reload refused, the current files stay in use: " + *why;
    return e;
  }
  if (id.common_name != s.gateway_id) {
    if (why)
      *why = "uplink reload refused, the current files stay in use: cert " + s.cert +
             " is issued to \"" + id.common_name + "\", not to \"" + s.gateway_id + "\"";
    return Error::kInvalidArgument;
  }
  {
    std::lock_guard lk(mu_);
    pending_ctx_ = std::move(ctx);
    identity_ = id;
  }
  Log(*log_, "info", "uplink TLS files reloaded: reconnecting with them")
      .With("not_after", Date(id.not_after_unix));
  Wake();
  return Error::kOk;
}

void MqttUplink::Stop(TimeUs drain) {
  {
    std::lock_guard lk(mu_);
    if (!open_) return;
    stopping_ = true;
    drain_ = drain;
  }
  Wake();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lk(mu_);
  std::string why;
  if (queue_.CommitAcks(&why) != Error::kOk) Log(*log_, "error", "uplink queue").With("error", why);
  Log(*log_, "info", "uplink stopped")
      .With("delivered", queue_.counters().delivered)
      .With("waiting", static_cast<uint64_t>(queue_.depth()));
  queue_.Close();
  open_ = false;
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
  ctx_.reset();
  pending_ctx_.reset();
}

UplinkMetrics MqttUplink::metrics() const {
  UplinkMetrics m;
  m.connected = connected_.load();
  m.state = std::string(uplink::LinkStateName(static_cast<LinkState>(state_.load())));
  m.connects = connects_.load();
  m.broker_refusals = refusals_.load();
  std::lock_guard lk(mu_);
  m.queue_depth = queue_.depth();
  m.queue_bytes = queue_.bytes();
  const int64_t oldest = queue_.OldestEnqueuedMs();
  m.oldest_age_ms = oldest == 0 ? 0 : std::max<int64_t>(0, WallMs() - oldest);
  m.in_flight = queue_.in_flight();
  m.delivered = queue_.counters().delivered;
  m.enqueue_errors = enqueue_errors_;
  for (size_t c = 0; c < uplink::kMessageClassCount; ++c)
    m.dropped[c] = queue_.counters().dropped(static_cast<MessageClass>(c));
  m.cert_not_after_unix = identity_.not_after_unix;
  return m;
}

uint64_t MqttUplink::NextSeq() const {
  std::lock_guard lk(mu_);
  return queue_.next_seq();
}

bool MqttUplink::WaitDrained(TimeUs timeout) const {
  const TimeUs end = Now() + timeout;
  for (;;) {
    {
      std::lock_guard lk(mu_);
      if (queue_.depth() == 0) return true;
    }
    if (Now() >= end) return false;
    ::usleep(5000);
  }
}

void MqttUplink::Wake() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
}

// ---- the uplink's thread ---------------------------------------------------------------

void MqttUplink::Run() {
  Apply(link_.Input(LinkInput::kStart, Now()));
  for (;;) {
    bool stop;
    {
      std::lock_guard lk(mu_);
      stop = stopping_;
    }
    if (stop) break;
    Step(false);
  }
  // Drain: say "offline" while the session is up, and give the messages in flight their
  // acknowledgements, for at most drain_.
  TimeUs drain_end;
  {
    std::lock_guard lk(mu_);
    drain_end = Now() + drain_;
  }
  if (link_.state() == LinkState::kOnline) {
    PublishStatus(false);
    while (Now() < drain_end && link_.state() == LinkState::kOnline &&
           (!status_acked_ || link_.in_flight() > 0))
      Step(true);
  }
  CommitAcks();
  Apply(link_.Input(LinkInput::kStop, Now()));
  state_ = static_cast<uint8_t>(link_.state());
}

void MqttUplink::Step(bool draining) {
  TimeUs now = Now();
  SslCtxPtr fresh;
  {
    std::lock_guard lk(mu_);
    fresh = std::move(pending_ctx_);
  }
  if (fresh && !draining) {
    ctx_ = std::move(fresh);
    Apply(link_.Input(LinkInput::kReload, now));
  }
  if (now >= link_.NextDeadline()) Apply(link_.Input(LinkInput::kDeadline, now));
  if (link_.state() == LinkState::kOnline && !draining) {
    Fill();
    if (now >= next_status_) PublishStatus(true);
  }
  CommitAcks();
  LogDrops(now);
  state_ = static_cast<uint8_t>(link_.state());

  // Wait for the socket, a wake-up (new messages, reload, stop) or the next deadline.
  TimeUs until = std::min<TimeUs>(link_.NextDeadline(), now + kSeconds);
  if (link_.state() == LinkState::kOnline && !draining) until = std::min(until, next_status_);
  int timeout_ms = static_cast<int>(std::max<TimeUs>(0, (until - now + 999) / 1000));
  pollfd fds[2];
  nfds_t n = 0;
  fds[n++] = pollfd{wake_fd_, POLLIN, 0};
  const int sock = mosq_ != nullptr ? mosquitto_socket(mosq_) : -1;
  if (sock >= 0) {
    short events = POLLIN;
    if (mosquitto_want_write(mosq_)) events |= POLLOUT;
    fds[n++] = pollfd{sock, events, 0};
  }
  if (::poll(fds, n, timeout_ms) < 0) return;  // EINTR: go round again
  if (fds[0].revents & POLLIN) {
    uint64_t v;
    [[maybe_unused]] ssize_t r = ::read(wake_fd_, &v, sizeof(v));
  }
  if (sock >= 0 && mosq_ != nullptr) {
    int rc = MOSQ_ERR_SUCCESS;
    if (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) rc = mosquitto_loop_read(mosq_, 64);
    if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(mosq_) >= 0 &&
        ((fds[1].revents & POLLOUT) || mosquitto_want_write(mosq_)))
      rc = mosquitto_loop_write(mosq_, 64);
    if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(mosq_) >= 0) rc = mosquitto_loop_misc(mosq_);
    if (rc != MOSQ_ERR_SUCCESS && !disconnected_) {
      disconnected_ = true;
      disconnect_rc_ = rc;
      disconnect_errno_ = errno;
    }
  }
  ProcessCallbacks();
}

void MqttUplink::Apply(LinkAction action) {
  switch (action) {
    case LinkAction::kNone:
      return;
    case LinkAction::kConnect:
      Connect();
      return;
    case LinkAction::kDisconnect:
      Destroy();
      return;
    case LinkAction::kReconnect:
      Destroy();
      Connect();
      return;
  }
}

void MqttUplink::Connect() {
  connect_rc_ = -1;
  disconnected_ = false;
  disconnect_rc_ = 0;
  disconnect_errno_ = 0;
  status_mid_ = -1;
  status_acked_ = false;
  acks_.clear();
  last_client_error_.clear();
  mosq_ = mosquitto_new(settings_.gateway_id.c_str(), true, this);
  int rc = mosq_ != nullptr ? MOSQ_ERR_SUCCESS : MOSQ_ERR_NOMEM;
  if (rc == MOSQ_ERR_SUCCESS) {
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(mosq_, MOSQ_OPT_SEND_MAXIMUM, static_cast<int>(settings_.max_inflight));
    mosquitto_int_option(mosq_, MOSQ_OPT_TCP_NODELAY, 1);
    // Our context, as built: libmosquitto takes a reference and adds nothing to it.
    mosquitto_int_option(mosq_, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
    rc = mosquitto_void_option(mosq_, MOSQ_OPT_SSL_CTX, ctx_.get());
    mosquitto_connect_v5_callback_set(mosq_, &MqttUplink::OnConnect);
    mosquitto_disconnect_v5_callback_set(mosq_, &MqttUplink::OnDisconnect);
    mosquitto_publish_v5_callback_set(mosq_, &MqttUplink::OnPublish);
    mosquitto_log_callback_set(mosq_, &MqttUplink::OnLog);
    if (!command_topic_.empty()) mosquitto_message_v5_callback_set(mosq_, &MqttUplink::OnMessage);
  }
  if (rc == MOSQ_ERR_SUCCESS) {
    const std::string will = StatusPayload(false, WallMs());
    rc = mosquitto_will_set_v5(mosq_, status_topic_.c_str(), static_cast<int>(will.size()),
                               will.data(), 1, true, nullptr);
  }
  if (rc == MOSQ_ERR_SUCCESS)
    rc = mosquitto_connect_async(mosq_, host_.c_str(), port_,
                                 static_cast<int>(settings_.keepalive_s));
  if (rc != MOSQ_ERR_SUCCESS) {
    const int err = errno;
    Log(*log_, "error", "uplink cannot connect")
        .With("broker", settings_.broker)
        .With("error", ConnectionError(rc, err));
    Destroy();
    Apply(link_.Input(LinkInput::kConnectFailed, Now()));
  }
}

void MqttUplink::Destroy() {
  connected_ = false;
  if (mosq_ != nullptr) {
    if (connect_rc_ == 0 && !disconnected_) {
      // A normal DISCONNECT: the broker drops the will (we said "offline" ourselves, or a
      // reconnection follows at once).
      mosquitto_disconnect_v5(mosq_, 0, nullptr);
      for (int k = 0; k < 10 && mosquitto_socket(mosq_) >= 0 && mosquitto_want_write(mosq_); ++k)
        if (mosquitto_loop_write(mosq_, 1) != MOSQ_ERR_SUCCESS) break;
    }
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
  }
  std::lock_guard lk(mu_);
  queue_.ReleaseAll();  // unacknowledged: they wait again, and go out on the next session
}

void MqttUplink::ProcessCallbacks() {
  if (connect_rc_ >= 0 && link_.state() == LinkState::kConnecting) {
    if (connect_rc_ == 0) {
      Apply(link_.Input(LinkInput::kConnected, Now()));
      connected_ = true;
      connects_ = link_.connects();
      refusal_logged_ = false;
      Log(*log_, "info", "uplink connected")
          .With("broker", settings_.broker)
          .With("topic", status_topic_);
      PublishStatus(true);
      if (!command_topic_.empty()) {
        // QoS 1: a command the broker has for this session is delivered at least once;
        // the guard refuses a second execution.
        const int src =
            mosquitto_subscribe_v5(mosq_, nullptr, command_topic_.c_str(), 1, 0, nullptr);
        if (src != MOSQ_ERR_SUCCESS)
          Log(*log_, "error", "uplink cannot subscribe to its command topic")
              .With("topic", command_topic_)
              .With("error", mosquitto_strerror(src));
      }
    } else {
      Log(*log_, "error", "uplink: the broker refused the session")
          .With("broker", settings_.broker)
          .With("reason", mosquitto_reason_string(connect_rc_));
      Apply(link_.Input(LinkInput::kConnectFailed, Now()));
      return;
    }
  }
  for (size_t i = 0; i < acks_.size(); ++i) {
    const Ack a = acks_[i];
    if (a.mid == status_mid_) status_acked_ = true;
    if (a.reason >= 0x80) {
      ++refusals_;
      const auto seq = link_.OnAcked(a.mid);
      if (!refusal_logged_) {
        refusal_logged_ = true;
        Log(*log_, "error", "uplink: the broker refused a message; it stays queued")
            .With("seq", seq ? *seq : 0)
            .With("reason", mosquitto_reason_string(a.reason))
            .With("hint", "check the broker's ACL for this gateway's topics");
      }
      acks_.clear();
      Apply(link_.Input(LinkInput::kRefused, Now()));
      return;
    }
    if (const auto seq = link_.OnAcked(a.mid)) {
      std::lock_guard lk(mu_);
      queue_.Ack(*seq);
    }
  }
  acks_.clear();
  if (disconnected_ && mosq_ != nullptr) {
    const bool was_online = link_.state() == LinkState::kOnline;
    Log(*log_, was_online ? "warning" : "error",
        was_online ? "uplink connection lost" : "uplink cannot connect")
        .With("broker", settings_.broker)
        .With("error", ConnectionError(disconnect_rc_, disconnect_errno_))
        .With("in_flight", static_cast<uint64_t>(link_.in_flight()));
    Apply(link_.Input(was_online ? LinkInput::kLost : LinkInput::kConnectFailed, Now()));
  }
}

std::string MqttUplink::ConnectionError(int rc, int err) const {
  // Our own verdict on the broker's certificate says more than the TLS alert that follows.
  if (mosq_ != nullptr) {
    if (SSL* ssl = static_cast<SSL*>(mosquitto_ssl_get(mosq_))) {
      const long v = SSL_get_verify_result(ssl);
      if (v != X509_V_OK)
        return std::string("broker certificate: ") + X509_verify_cert_error_string(v);
    }
  }
  if (!last_client_error_.empty()) return last_client_error_;
  // A broker that refuses our certificate sends a TLS alert and closes; when the close
  // (a TCP reset, as our CONNECT was still unread) overtakes the alert, all that is left
  // here is a protocol error before any CONNACK. Say what it most likely means.
  // (libmosquitto reports the reset as MOSQ_ERR_ERRNO with errno EPROTO or ECONNRESET.)
  const bool reset = rc == MOSQ_ERR_ERRNO && (err == EPROTO || err == ECONNRESET);
  if (connect_rc_ < 0 && (rc == MOSQ_ERR_PROTOCOL || rc == MOSQ_ERR_CONN_LOST || reset))
    return Describe(rc, err) + kClosedBeforeConnack;
  return Describe(rc, err);
}

void MqttUplink::Fill() {
  const size_t room = link_.Sendable();
  if (room == 0 || mosq_ == nullptr) return;
  lease_.clear();
  {
    std::lock_guard lk(mu_);
    std::string why;
    if (queue_.Lease(room, &lease_, &why) != Error::kOk) {
      Log(*log_, "error", "uplink queue").With("error", why);
      return;
    }
  }
  for (const uplink::OutboxMessage& m : lease_) {
    int mid = 0;
    const int rc =
        mosquitto_publish_v5(mosq_, &mid, m.topic.c_str(), static_cast<int>(m.payload.size()),
                             m.payload.data(), 1, false, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      // The session is gone (the callbacks say why); everything leased waits again.
      if (!disconnected_) {
        disconnected_ = true;
        disconnect_rc_ = rc;
        disconnect_errno_ = errno;
      }
      break;
    }
    link_.OnSent(mid, m.seq);
  }
}

std::string MqttUplink::StatusPayload(bool online, int64_t time_ms) {
  uplink::StatusRecord s;
  s.online = online;
  s.version = version_;
  s.started_ms = started_ms_;
  s.time_ms = time_ms;
  std::lock_guard lk(mu_);
  s.queued = queue_.depth();
  for (size_t c = 0; c < uplink::kMessageClassCount; ++c)
    s.dropped[c] = queue_.counters().dropped(static_cast<MessageClass>(c));
  return uplink::FormatStatus(origin_, s);
}

void MqttUplink::PublishStatus(bool online) {
  next_status_ = Now() + static_cast<TimeUs>(settings_.status_interval_s) * kSeconds;
  if (mosq_ == nullptr) return;
  const std::string payload = StatusPayload(online, WallMs());
  int mid = 0;
  if (mosquitto_publish_v5(mosq_, &mid, status_topic_.c_str(), static_cast<int>(payload.size()),
                           payload.data(), 1, true, nullptr) == MOSQ_ERR_SUCCESS) {
    status_mid_ = mid;
    status_acked_ = false;
  }
}

void MqttUplink::CommitAcks() {
  std::lock_guard lk(mu_);
  std::string why;
  if (queue_.CommitAcks(&why) != Error::kOk) Log(*log_, "error", "uplink queue").With("error", why);
}

void MqttUplink::LogDrops(TimeUs now) {
  if (now < next_drop_log_) return;
  std::array<uint64_t, uplink::kMessageClassCount> d{};
  {
    std::lock_guard lk(mu_);
    for (size_t c = 0; c < uplink::kMessageClassCount; ++c)
      d[c] = queue_.counters().dropped(static_cast<MessageClass>(c));
  }
  if (d == drops_logged_) return;
  // One line per 10 s at most, with the totals: a full queue must not flood the log.
  auto line = Log(*log_, "warning", "uplink queue full: messages dropped (totals by class)");
  for (MessageClass c : uplink::kDrainOrder)
    line.With(uplink::MessageClassName(c), d[uplink::Index(c)]);
  drops_logged_ = d;
  next_drop_log_ = now + 10 * kSeconds;
}

// ---- libmosquitto callbacks: they only record; ProcessCallbacks acts -------------------

void MqttUplink::OnConnect(mosquitto*, void* self, int rc, int, const mosquitto_property*) {
  static_cast<MqttUplink*>(self)->connect_rc_ = rc;
}

void MqttUplink::OnDisconnect(mosquitto*, void* self, int rc, const mosquitto_property*) {
  auto* u = static_cast<MqttUplink*>(self);
  u->disconnected_ = true;
  u->disconnect_rc_ = rc;
  u->disconnect_errno_ = errno;
}

void MqttUplink::OnPublish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
  static_cast<MqttUplink*>(self)->acks_.push_back(Ack{mid, reason});
}

void MqttUplink::OnMessage(mosquitto*, void* self, const struct mosquitto_message* m,
                           const mosquitto_property*) {
  auto* u = static_cast<MqttUplink*>(self);
  if (m == nullptr || m->topic == nullptr || u->command_topic_ != m->topic) return;
  const size_t n = m->payloadlen > 0 ? static_cast<size_t>(m->payloadlen) : 0;
  std::lock_guard lk(u->commands_mu_);
  if (n > uplink::kMaxCommandBytes || u->commands_.size() >= kMaxPendingCommands) {
    ++u->commands_dropped_;
    return;
  }
  u->commands_.emplace_back(static_cast<const char*>(m->payload), n);
}

void MqttUplink::OnLog(mosquitto*, void* self, int level, const char* line) {
  if (level == MOSQ_LOG_ERR || level == MOSQ_LOG_WARNING)
    static_cast<MqttUplink*>(self)->last_client_error_ = line;
}

}  // namespace vigil
