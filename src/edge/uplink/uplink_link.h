// The uplink's link to the broker, sans-IO (docs/uplink.md, "Connection"): when to
// connect, when to give up on an attempt, how long to wait before the next one, and how
// many messages may be in flight. The driver (daemon/mqtt_uplink.h) runs the MQTT client,
// reports what happened with Input(), does the action it gets back, and calls
// Input(kDeadline) once NextDeadline() has passed. The link never reads a clock.
//
// Timing rules: inputs carry `now` on the driver's monotonic axis and must not go back
// in time. Backoff after a failed or lost connection doubles from `backoff_min` up to
// `backoff_max`, each delay drawn uniformly from its upper half (so that gateways that
// lost the same broker do not come back in step); a connection that reached kOnline
// starts the sequence again, unless the broker refused a message and has acknowledged
// none since (a broker that accepts the session and refuses every message is retried
// with growing delays, not every backoff_min).
//
// The transitions are one table, at the top of uplink_link.cc. An input that has no row
// for the current state is ignored (counted in ignored()): a late callback of a client
// that was already closed changes nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "common/time.h"

namespace vigil::uplink {

enum class LinkState : uint8_t { kIdle, kConnecting, kOnline, kBackoff, kStopped };

enum class LinkInput : uint8_t {
  kStart,          // the uplink starts
  kConnected,      // the broker accepted the session (CONNACK success)
  kConnectFailed,  // TCP, TLS or CONNACK failed
  kLost,           // an established connection ended
  kRefused,        // the broker refused a message (PUBACK reason code >= 0x80)
  kReload,         // new TLS material: reconnect with it now
  kStop,           // the uplink stops
  kDeadline,       // NextDeadline() has passed
};

enum class LinkAction : uint8_t {
  kNone,
  kConnect,     // create a client and start connecting
  kDisconnect,  // close the client; messages in flight wait again
  kReconnect,   // kDisconnect, then kConnect
};

struct LinkOptions {
  TimeUs backoff_min = 500 * kMillis;
  TimeUs backoff_max = 30 * kSeconds;
  TimeUs connect_timeout = 10 * kSeconds;  // TCP + TLS + CONNACK
  uint32_t max_inflight = 64;              // messages published and not yet acknowledged
};

std::string_view LinkStateName(LinkState s);
std::string_view LinkInputName(LinkInput in);

class UplinkLink {
 public:
  // REQUIRES: 0 < backoff_min <= backoff_max, connect_timeout > 0, max_inflight >= 1.
  // `jitter_seed` seeds the backoff's draws (a driver passes OS randomness; tests fix it).
  UplinkLink(const LinkOptions& options, uint64_t jitter_seed);

  // Applies `in` at `now` and returns what the driver must do now.
  LinkAction Input(LinkInput in, TimeUs now);
  LinkState state() const { return state_; }
  // When the driver must feed kDeadline: the connect timeout or the end of the backoff;
  // kNever otherwise.
  TimeUs NextDeadline() const { return deadline_; }

  // How many more messages may be published now (0 unless kOnline).
  size_t Sendable() const;
  // A message was published with packet id `mid`. REQUIRES: Sendable() > 0.
  void OnSent(int mid, uint64_t seq);
  // The broker acknowledged `mid`: the message's seq, or nullopt for a packet id that
  // is not in flight (a status message, or one from a closed connection).
  std::optional<uint64_t> OnAcked(int mid);
  size_t in_flight() const { return in_flight_.size(); }

  uint64_t connects() const { return connects_; }  // times kOnline was reached
  uint32_t failures() const { return failures_; }  // consecutive, since the last kOnline
  TimeUs last_backoff() const { return last_backoff_; }
  uint64_t ignored() const { return ignored_; }

 private:
  TimeUs NextBackoff();

  LinkOptions options_;
  uint64_t rng_;
  LinkState state_ = LinkState::kIdle;
  TimeUs deadline_ = kNever;
  std::unordered_map<int, uint64_t> in_flight_;  // packet id -> seq
  uint64_t connects_ = 0;
  uint32_t failures_ = 0;
  TimeUs last_backoff_ = 0;
  uint64_t ignored_ = 0;
  bool refusing_ = false;  // a message was refused and none acknowledged since
};

}  // namespace vigil::uplink
