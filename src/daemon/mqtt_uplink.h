// The gateway's uplink to the cloud (docs/uplink.md): what the edge produces (vital signs,
// clinical alarms, IDS alerts) goes into a durable queue (uplink::OutboxQueue) and from
// there to an MQTT broker over mutual TLS 1.3, at least once, with QoS 1.
//
// The Publish* calls return once their messages are committed to the queue file (a crash
// of the gateway after that loses nothing); they never wait for the network. A thread of
// the uplink drains the queue: it connects (MQTT 5, libmosquitto driven by its own poll
// loop), publishes up to `max_inflight` messages at a time, deletes a message when the
// broker acknowledges it (PUBACK), and reconnects with backoff when the link is lost
// (uplink::UplinkLink, sans-IO, decides when). A message the broker refuses (PUBACK
// reason code >= 0x80: the ACL does not allow the topic) is kept, logged and retried with
// growing delays: it is never deleted unacknowledged.
//
// Status: on connect the uplink publishes, retained, "online" with its version and start
// time on vigil/v1/<site>/<gateway>/status, and registers the same topic's "offline" as
// its last will, so that the broker announces a gateway that died; a clean Stop publishes
// "offline" itself. The status repeats every status_interval_s with the queue's counters.
//
// Downlink (settings.command_key set): on every session the uplink subscribes, QoS 1, to
// vigil/down/v1/<site>/<gateway>/command and keeps the lines it receives for the gateway
// (TakeCommands), which verifies them (gateway_downlink.h); nothing here acts on them.
//
// Reload (SIGHUP): reads the CA, certificate, key and CRL again; if they are good, the
// uplink reconnects with them at once, else it keeps the current ones and says why.
//
// Thread-safety: every public method may be called from any thread, except that Open and
// Stop must not race with each other. The Publish* calls serialise on the queue (a commit
// with sync = "full" costs one fsync per call: give batches).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "daemon/log.h"
#include "daemon/tls_client.h"
#include "daemon/uplink_settings.h"
#include "edge/uplink/envelope.h"
#include "edge/uplink/outbox_queue.h"
#include "edge/uplink/uplink_link.h"

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace vigil {

// For a /metrics endpoint: gauges and counters of the uplink, read at one instant.
struct UplinkMetrics {
  bool connected = false;
  std::string state;             // uplink::LinkStateName
  uint64_t queue_depth = 0;      // messages in the queue (waiting + in flight)
  uint64_t queue_bytes = 0;      // their topic + payload bytes
  int64_t oldest_age_ms = 0;     // age of the oldest queued message; 0 when empty
  uint64_t in_flight = 0;        // published, not yet acknowledged
  uint64_t delivered = 0;        // acknowledged by the broker, since Open
  uint64_t connects = 0;         // sessions established, since Open
  uint64_t broker_refusals = 0;  // messages the broker refused (kept, retried)
  uint64_t enqueue_errors = 0;   // Publish* calls whose commit failed (kIo)
  // Evicted or refused under the queue's bound, by class (uplink::MessageClass order),
  // since the queue file was created.
  std::array<uint64_t, uplink::kMessageClassCount> dropped{};
  int64_t cert_not_after_unix = 0;  // expiry of the certificate in use
};

// Appended to a connection error seen before the broker answered CONNECT, where the
// broker's TLS alert (the reason it refused the gateway) was lost with the connection.
inline constexpr const char* kClosedBeforeConnack =
    " before the broker answered CONNECT (if it refused this gateway's certificate, its "
    "TLS alert was lost with the connection: the broker's log says why)";

class MqttUplink {
 public:
  MqttUplink();
  ~MqttUplink();  // Stop()
  MqttUplink(const MqttUplink&) = delete;
  MqttUplink& operator=(const MqttUplink&) = delete;

  // Checks the settings, builds the TLS context (the certificate's CN must be the
  // gateway id: the broker's ACL knows the gateway by it), opens the queue and starts the
  // uplink's thread, which connects in the background. An expired certificate is logged
  // and used all the same (the broker refuses it; a Reload with a renewed one recovers).
  // Errors: those of ValidateUplinkSettings (kInvalidArgument), of BuildTlsClientContext
  // and of OutboxQueue::Open, with `why` set; nothing is started then.
  // `version` goes into the status message.
  Error Open(const UplinkSettings& settings, Logger& log, std::string* why,
             std::string version = "0.1.0");

  // Queue records; kOk once they are committed. A record that breaks the contract
  // (uplink::Check*) fails the call with kInvalidArgument naming it, and nothing of the
  // batch is queued; kIo when the commit failed (nothing queued: retry or count it);
  // kInvalidState before Open or after Stop. Messages refused under the queue's bound
  // are not errors: they are counted (metrics().dropped) and logged.
  Error PublishTelemetry(std::span<const uplink::TelemetryRecord> batch, std::string* why);
  Error PublishAlarm(const uplink::AlarmRecord& record, std::string* why);
  Error PublishSecurity(const uplink::SecurityRecord& record, std::string* why);
  // A device's state or a command's answer, on .../device, queued in the security class.
  Error PublishDevice(const uplink::DeviceRecord& record, std::string* why);

  // Downlink (settings.command_key set): the lines received on the gateway's command
  // topic since the last call, oldest first, at most kMaxPendingCommands (more are
  // dropped and counted: the cloud re-sends what it does not hear acknowledged). The
  // caller verifies them (uplink::CommandGuard): nothing here trusts a line.
  static constexpr size_t kMaxPendingCommands = 64;
  std::vector<std::string> TakeCommands();
  uint64_t commands_dropped() const { return commands_dropped_.load(); }

  // Re-reads the TLS files. kOk: the uplink reconnects with them now. Otherwise the
  // error of BuildTlsClientContext (or kInvalidArgument for a CN that is not the gateway
  // id) and the current connection and files stay in use.
  Error Reload(std::string* why);

  // Publishes "offline" (retained), waits up to `drain` for the messages in flight to be
  // acknowledged, disconnects, stops the thread and closes the queue. Messages not yet
  // delivered stay in the queue for the next start. Idempotent.
  void Stop(TimeUs drain = 2 * kSeconds);

  UplinkMetrics metrics() const;
  // For tools and tests: waits until the queue is empty (true) or `timeout` passed.
  bool WaitDrained(TimeUs timeout) const;
  const uplink::Origin& origin() const { return origin_; }
  // The sequence number the next queued message gets (OutboxQueue::next_seq).
  uint64_t NextSeq() const;

 private:
  struct Ack {
    int mid;
    int reason;
  };

  template <typename Record, typename Format>
  Error Enqueue(std::span<const Record> records, uplink::MessageClass cls, Format format,
                std::string* why, const std::string* topic = nullptr);
  void Run();
  void Step(bool draining);
  void Apply(uplink::LinkAction action);
  void Connect();
  // Closes the client (with a DISCONNECT while the session is up); in flight: waiting.
  void Destroy();
  void ProcessCallbacks();
  // Why the connection failed, for the log; err: errno when rc was returned (what
  // MOSQ_ERR_ERRNO means).
  std::string ConnectionError(int rc, int err) const;
  void Fill();
  void PublishStatus(bool online);
  void CommitAcks();
  void LogDrops(TimeUs now);
  void Wake();
  TimeUs Now() const;
  static int64_t WallMs();
  std::string StatusPayload(bool online, int64_t time_ms);

  static void OnConnect(mosquitto*, void*, int rc, int flags, const mqtt5__property*);
  static void OnDisconnect(mosquitto*, void*, int rc, const mqtt5__property*);
  static void OnPublish(mosquitto*, void*, int mid, int reason, const mqtt5__property*);
  static void OnLog(mosquitto*, void*, int level, const char* line);
  static void OnMessage(mosquitto*, void*, const mosquitto_message*, const mqtt5__property*);

  UplinkSettings settings_;
  Logger* log_ = nullptr;
  std::string version_;
  uplink::Origin origin_;
  std::array<std::string, uplink::kMessageClassCount> topics_;
  std::string status_topic_;
  std::string device_topic_;
  std::string command_topic_;  // empty: no downlink
  std::string host_;
  uint16_t port_ = 0;
  int64_t started_ms_ = 0;

  mutable std::mutex mu_;  // guards everything below it up to the thread's own state
  uplink::OutboxQueue queue_;
  std::vector<uplink::OutboxItem> items_;  // scratch of Enqueue
  SslCtxPtr pending_ctx_;                  // from Reload, taken by the thread
  TlsIdentity identity_;
  bool open_ = false;
  bool stopping_ = false;
  TimeUs drain_ = 0;
  uint64_t enqueue_errors_ = 0;

  // The uplink thread's own state (no lock).
  std::thread thread_;
  int wake_fd_ = -1;
  SslCtxPtr ctx_;
  uplink::UplinkLink link_;
  mosquitto* mosq_ = nullptr;
  std::vector<uplink::OutboxMessage> lease_;
  std::vector<Ack> acks_;  // from callbacks, handled after each libmosquitto call
  int connect_rc_ = -1;    // CONNACK reason of this connection, -1: none yet
  bool disconnected_ = false;
  int disconnect_rc_ = 0;
  int disconnect_errno_ = 0;       // errno when disconnect_rc_ was set
  std::string last_client_error_;  // the last error libmosquitto or OpenSSL logged
  int status_mid_ = -1;
  bool status_acked_ = false;
  TimeUs next_status_ = 0;
  TimeUs next_drop_log_ = 0;
  std::array<uint64_t, uplink::kMessageClassCount> drops_logged_{};
  bool refusal_logged_ = false;

  std::mutex commands_mu_;  // guards commands_ (filled by the uplink thread)
  std::vector<std::string> commands_;
  std::atomic<uint64_t> commands_dropped_{0};

  std::atomic<bool> connected_{false};
  std::atomic<uint8_t> state_{0};
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> refusals_{0};
};

}  // namespace vigil
