// `vigil gateway`: the CPAN as a UDP daemon. It only drives the sans-IO coordinator core
// and the IDS engine: bytes and `now` in; frames, deadlines and events out. No protocol
// logic lives here.
//
// Transport (docs/protocol.md, "Reaching the real device over UDP"): a radio lets every
// device hear what the CPAN sends; over UDP the gateway emulates that for the frames that
// matter: a frame addressed to a Uid goes to the endpoint the request came from *and* to
// the endpoint where that Uid last authenticated (or its static endpoint hint from the
// registry), so that a device learns of associations made in its name and can answer.
// Broadcasts go to every associated device.
//
// Bad input (malformed, truncated, oversized, wrong tag, unknown Uid, replay) is counted
// by the core's events, fed to the IDS, and never stops the loop.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/error.h"
#include "connection/coordinator_core.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_directory.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "daemon/management.h"
#include "daemon/registry_directory.h"
#include "daemon/rotating_file.h"
#include "daemon/udp.h"
#include "edge/edge_node.h"
#include "edge/privacy/pseudonym.h"
#include "edge/privacy/site_key.h"
#include "edge/uplink/envelope.h"

namespace vigil {

namespace ids {
class Engine;
struct Alert;
}  // namespace ids
class Registry;
class MqttUplink;

class Gateway {
 public:
  struct Stats {
    uint64_t frames_in = 0;
    uint64_t frames_out = 0;
    uint64_t data_frames = 0;
    uint64_t security_events = 0;
    uint64_t alerts = 0;
    uint64_t associations = 0;
    uint64_t blocked_dropped = 0;  // frames from blocked sources, dropped
    uint64_t persist_failures = 0;
    uint64_t uplink_errors = 0;  // records the uplink queue could not commit
    size_t receive_buffer = 0;   // bytes the kernel granted
  };
  // Called for every alert with its EVE JSON line (after it was written to the sink).
  using AlertHook = std::function<void(const ids::Alert&, const std::string& eve)>;
  // Called for every alarm event of the edge (after the log, feed and uplink had it).
  using AlarmHook = std::function<void(const clinical::AlarmEvent&)>;
  // Called for every authenticated payload a device sent.
  using DataHook = std::function<void(uint64_t uid, const std::string& payload)>;

  Gateway();
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Opens the registry (which must hold a CPAN identity: `vigil enroll` creates it),
  // loads enrolled devices (with their current common function) and the persisted
  // broadcast state, binds the socket. A move of a device's common function is written
  // to the registry before the grant that depends on it is sent (RegistryDirectory).
  Error Open(const DaemonConfig& config, Logger& log, std::string* why);
  // One turn of the loop: waits up to `max_wait_ms` for input or the next deadline.
  void Poll(int max_wait_ms);
  // Logs the last summary and the totals (Run does it when it returns).
  void Stop();
  // Reopens the alert file by its path (after logrotate moved it: SIGHUP).
  Error ReopenFiles(std::string* why = nullptr);
  // Runs until `stop` becomes true.
  void Run(const std::atomic<bool>& stop);

  Endpoint local() const { return socket_.local(); }
  const Stats& stats() const { return stats_; }
  // The management port's bound port (0 when off).
  uint16_t management_port() const { return management_ ? management_->port() : 0; }
  CoordinatorCore& core() { return *core_; }
  TimeUs now() const;
  void set_alert_hook(AlertHook h) { alert_hook_ = std::move(h); }
  void set_data_hook(DataHook h) { data_hook_ = std::move(h); }
  void set_alarm_hook(AlarmHook h) { alarm_hook_ = std::move(h); }
  // Where readings, alarms and IDS alerts go up (not owned; null: nowhere). Set before
  // the first Poll().
  void set_uplink(MqttUplink* u) { uplink_ = u; }
  // The edge pipeline (null before Open()).
  edge::EdgeNode* edge() { return edge_.get(); }
  // Re-reads the registry: new enrollments are accepted, revocations end the session and
  // rotate the broadcast key. Called every few seconds by Poll().
  Error Reload();
  // Revokes the device as `vigil registry revoke` does (the registry marks it) and applies
  // it now: its session ends and the broadcast key rotates. The registry's errors
  // (kNotFound for an unknown uid), with `why`.
  Error RevokeDevice(uint64_t uid, std::string* why);
  // An alert raised outside the IDS engine (the downlink's refusals): written to the
  // alert file and handed to the alert hook like the engine's own.
  void RaiseAlert(const ids::Alert& a);
  // The inventory entry of one enrolled device now (state, ward, last heard, the
  // pseudonym its unassigned readings carry). False for a uid not enrolled.
  bool DeviceReport(uint64_t uid, uplink::DeviceRecord* out);

 private:
  uint64_t LinkFor(const Endpoint& e, TimeUs now);
  const Endpoint* EndpointOf(uint64_t link) const;
  // Forgets the least recently heard endpoints that nothing refers to (no session, no
  // block, no device's last endpoint). Link ids are never reused: a forgotten endpoint
  // that comes back is a new link, and what the core knew of the old one stays with it.
  void ForgetIdleLinks(TimeUs now);
  // Events, then the durable write they ask for (Commit), then the frames queued.
  void Drain();
  // The core's events: stats, log, IDS, hooks. A kPersist only marks a write as owed.
  void DrainEvents();
  // Writes what a kPersist asked for (the directory's staged moves, the state file if it
  // changed) and tells the core (Persisted / PersistFailed). Call before TransmitQueued.
  void Commit(TimeUs now);
  // Flushes the directory and writes the state file if persisted() changed. False if
  // either failed (logged).
  bool WriteDurable();
  void TransmitQueued();
  void Transmit(const OutFrame& f);
  void Queue(const OutFrame& f, const Endpoint& to);  // into tx_, flushed when full
  void Flush();
  // Writes the core's persisted() with the atomic private-file writer. False (and logged)
  // if it could not: the caller tells the core, which then sends nothing that depends on it.
  bool SaveState(std::string* why = nullptr);
  Error LoadState(CoordinatorPersisted* out, std::string* why);
  // Counts what the core refused or dropped, and logs one summary line per interval
  // instead of a line per packet (a flood must not flood the log).
  void Account(const Event& ev);
  void LogSummary(TimeUs now);
  // Renders the metrics and readiness for the management port (gateway_status.cc).
  void PublishStatus(TimeUs now);
  // The edge (gateway_edge.cc): the site key, the pseudonymiser and the EdgeNode; each
  // verified payload into it; what comes out to the alarm feed, log, IDS and uplink.
  Error OpenEdge(std::string* why);
  void DeliverData(const Event& ev);
  void FlushEdge(TimeUs now);
  std::string ActiveAlarmsJson() const;
  // The uplink's inventory (gateway_devices.cc): every device once per session, then on
  // every change of state, and all of them again every 10 minutes (last heard).
  void ReportDevices(TimeUs now);

  DaemonConfig config_;
  Logger* log_ = nullptr;
  OpenSslCrypto crypto_;
  OsRandom random_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<RegistryDirectory> directory_;  // over *registry_
  std::unique_ptr<CoordinatorCore> core_;
  std::unique_ptr<ids::Engine> ids_;
  UdpSocket socket_;
  RotatingFile alert_file_;  // closed (no path) when alerts go to stdout
  std::string state_path_;
  int64_t start_mono_ = 0;
  int64_t start_unix_ = 0;
  TimeUs next_reload_ = 0;
  TimeUs next_ids_tick_ = 0;

  struct LinkEntry {
    Endpoint endpoint;
    TimeUs heard = 0;
  };
  static constexpr size_t kMaxLinks = 65536;
  std::unordered_map<Endpoint::IntKey, uint64_t, Endpoint::IntKeyHash> link_of_;
  std::unordered_map<uint64_t, LinkEntry> endpoints_;  // link token -> endpoint
  uint64_t next_link_ = 1;                             // never reused
  std::unordered_map<uint64_t, uint64_t> known_link_;  // uid -> last authenticated link
  DatagramBatch rx_;
  DatagramBatch tx_;
  TimeUs next_persist_retry_ = 0;
  bool persist_owed_ = false;     // a kPersist was drained and nothing written since
  CoordinatorPersisted saved_{};  // as last written to state_path_ (holds Kb)
  bool saved_valid_ = false;
  std::unordered_map<uint64_t, TimeUs> reprovision_logged_;  // uid -> last log line
  // Per-interval accounting (Account / LogSummary).
  TimeUs summary_at_ = 0;
  std::array<uint64_t, 64> dropped_{};            // by EventKind: counts this interval
  uint64_t refusals_logged_ = 0;                  // individual lines this interval
  std::unordered_map<uint64_t, Endpoint> hints_;  // uid -> static endpoint hint
  std::unordered_map<uint64_t, bool> revoked_;
  Stats stats_;
  std::array<uint64_t, 64> events_total_{};                // by EventKind, since start
  std::unordered_map<int, uint64_t> alerts_by_signature_;  // signature id -> alerts
  std::unique_ptr<ManagementServer> management_;           // null when off
  std::array<uint8_t, privacy::kSiteKeySize> site_key_{};
  std::unique_ptr<privacy::Pseudonymiser> pseudonymiser_;
  std::unique_ptr<edge::EdgeNode> edge_;
  std::unordered_map<uint64_t, DeviceKind> kinds_;              // uid -> enrolled kind
  std::unordered_map<uint64_t, std::string> wards_;             // uid -> enrolled ward
  std::unordered_map<uint64_t, int64_t> last_seen_ms_;          // uid -> last association or data
  std::unordered_set<uint64_t> tampered_;                       // named by a high or medium alert
  std::unordered_map<uint64_t, uplink::DeviceState> reported_;  // what the uplink was told
  TimeUs next_inventory_ = 0;
  std::function<void(const ids::Alert&)> alert_sink_;
  MqttUplink* uplink_ = nullptr;
  TimeUs next_status_ = 0;
  AlertHook alert_hook_;
  AlarmHook alarm_hook_;
  DataHook data_hook_;
};

}  // namespace vigil
