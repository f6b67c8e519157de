// An in-memory PAN: one coordinator and any number of device cores (honest devices and
// intruders alike) on a shared medium, on a virtual clock.
//
// Every frame a node sends is offered to every other node, as on a radio: the cores
// themselves filter by destination. The driver loop is the same one the daemons and the
// simulator run (drain events, drain frames, sleep to the next deadline), without I/O.
// Used by the unit tests, the benchmarks, the fuzzers and the test-vector generator.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "connection/coordinator_core.h"
#include "connection/crypto/openssl_provider.h"
#include "connection/device_core.h"
#include "connection/device_directory.h"

namespace vigil {

class LoopbackPan {
 public:
  struct Node {
    std::unique_ptr<DeviceCore> core;
    DeviceSecrets secrets;
    uint64_t link = 0;   // the token the coordinator sees for this node
    bool online = true;  // offline nodes neither send nor hear
    std::vector<Event> events;
  };

  // `seed` drives every random choice (nonces, keys): a run is reproducible.
  LoopbackPan(const ProtocolConfig& config, uint64_t seed);
  ~LoopbackPan();

  // Enrolls a new device with fresh secrets and adds it. Returns its node index.
  size_t AddDevice();
  // Adds a node that runs a device core with the given (possibly stolen or partial)
  // secrets, not enrolled: how intruders are modelled. `image` is what a copy of a
  // device read from its flash besides the secrets. Returns its node index.
  // `device_config` (optional) gives this node other parameters than the coordinator's
  // (a misconfigured or downgrading device).
  size_t AddNode(const DeviceSecrets& secrets, const DevicePersisted& image = {},
                 const ProtocolConfig* device_config = nullptr);
  // Enrolls fresh secrets and adds them as a node (AddDevice with `device_config`).
  size_t AddDevice(const ProtocolConfig& device_config);
  // Secrets an attacker holds at a capability level (see sim/attacker.h).
  DeviceSecrets StolenCredentials(size_t victim) const;  // Uid, username, password
  DeviceSecrets StolenWithKd(size_t victim) const;       // ... plus Kd

  // Delivers frames and fires deadlines until no work is left or `until` is reached.
  void Run(TimeUs until);
  // Runs until the virtual clock has advanced by `d`.
  void RunFor(TimeUs d) { Run(now_ + d); }
  TimeUs now() const { return now_; }

  CoordinatorCore& coordinator() { return *coordinator_; }
  Node& node(size_t i) { return nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  std::vector<Event>& coordinator_events() { return cpan_events_; }
  MemoryDirectory& directory() { return directory_; }
  CryptoProvider& crypto() { return crypto_; }
  const CoordinatorIdentity& identity() const { return identity_; }

  // Link options. `latency` is added to every delivery. `drop(frame, from, to)` returns
  // true to lose that copy (from/to: node index, or kCpan).
  static constexpr size_t kCpan = SIZE_MAX;
  TimeUs latency = 200;
  std::function<bool(const OutFrame&, size_t from, size_t to)> drop;
  // Sees every frame put on the medium (a passive sniffer).
  std::function<void(const OutFrame&, size_t from)> tap;
  // Lets a test inject raw bytes as if `from` had sent them.
  void Inject(ByteSpan frame, size_t from);
  // Counts of frames and payload bytes put on the medium.
  uint64_t frames_sent = 0;
  uint64_t bytes_sent = 0;

 private:
  struct InFlight {
    TimeUs at;
    uint64_t seq;
    size_t from;
    size_t to;
    OutFrame frame;
  };
  void Drain(TimeUs now);
  void Broadcast(const OutFrame& f, size_t from, TimeUs now);
  DeviceSecrets FreshSecrets();

  ProtocolConfig config_;
  OpenSslCrypto crypto_;
  SeededRandom random_;
  CoordinatorIdentity identity_;
  MemoryDirectory directory_;
  std::unique_ptr<CoordinatorCore> coordinator_;
  std::vector<Node> nodes_;
  std::vector<Event> cpan_events_;
  std::vector<InFlight> in_flight_;
  uint64_t seq_ = 0;
  TimeUs now_ = 0;
};

}  // namespace vigil
