// The attacker of `vigil flood` (docs/flood.md): one thread that holds no secret at all,
// K UDP sockets on 127.0.0.1, and sends forged frames at a gateway as fast as one core
// can (sendmmsg batches, round-robin across its sockets), draining and counting whatever
// the gateway sends back. It is a measuring instrument, not a tool: the target must be
// 127.0.0.1, and every run is bounded in packets and in seconds and stops by itself.
//
// What it forges (every tag, proof and nonce is random: it knows no key):
//   kRandomUids    ASSOC_REQ from random uids that are not enrolled
//   kEnrolledUids  per enrolled uid, in turn: ASSOC_REQ (random Nd), AUTH_RESP (random
//                  tag) and CONFIRM_RESP (random proof), from one socket: the lock-out
//                  attack (failed answers counted against the device's identity)
//   kPorts         ASSOC_REQ for enrolled uids from ever new source ports: sockets are
//                  replaced over the run so that `ports` sockets are opened in all
//   kData          DATA frames with random tags and counters for enrolled uids
//
// Thread-safety: Run() is called from one thread; `stop` may be set from another.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/time.h"
#include "connection/protocol_config.h"
#include "daemon/udp.h"

namespace vigil {

enum class AttackKind : uint8_t { kRandomUids, kEnrolledUids, kPorts, kData };

struct AttackPlan {
  AttackKind kind = AttackKind::kRandomUids;
  Endpoint target;  // the gateway: must be 127.0.0.1
  uint64_t cpan_uid = 0;
  ProtocolConfig protocol;            // PAN id, version, data tag size, encryption flag
  std::vector<uint64_t> targets;      // enrolled uids (every mode but kRandomUids)
  std::vector<uint64_t> enrolled;     // every enrolled uid (kRandomUids never draws one)
  int sockets = 1000;                 // K, open at once
  int ports = 31000;                  // kPorts: sockets opened over the whole run
  int batch = 32;                     // datagrams per sendmmsg call
  TimeUs duration = 10 * kSeconds;    // T
  uint64_t max_packets = 20'000'000;  // P
  uint64_t rate = 0;                  // packets per second at most; 0: as fast as it can
  uint64_t seed = 1;                  // of the attacker's (non-cryptographic) generator
};

struct AttackResult {
  uint64_t sent = 0;            // datagrams the kernel accepted
  uint64_t send_errors = 0;     // sendmmsg calls refused (EAGAIN, ENOBUFS...)
  uint64_t replies = 0;         // datagrams received back on the attacker's sockets
  uint64_t sockets_opened = 0;  // over the run (kPorts: > sockets)
  uint64_t distinct_ports = 0;  // source ports used
  TimeUs elapsed = 0;           // from the first send to the last
  double cpu_seconds = 0;       // the attacker thread's own CPU time
  std::string error;            // set if it could not start
};

// Opens the sockets, sends until `duration`, `max_packets` or `stop`, closes them.
// Refuses a target other than 127.0.0.1 (result.error).
AttackResult RunAttack(const AttackPlan& plan, const std::atomic<bool>& stop);

// True for an IPv4 endpoint on 127.0.0.1.
bool IsLoopback127(const Endpoint& e);

const char* AttackKindName(AttackKind k);

}  // namespace vigil
