// What handling one protocol message costs a node's CPU, from exact counts of the
// primitives the protocol code runs for it (session_crypto.cc, device_core.cc,
// coordinator_core.cc) and a DeviceProfile that prices each primitive.
//
// The protocol code itself runs on the host at host speed; the simulator charges this
// cost in virtual time before the node's answer goes on air, so that association times
// reflect a constrained device (Cortex-M4 profile) and a gateway-class CPAN (Cortex-A53).
//
// Counting rules (docs/simulator.md, "Processing cost"):
//  - every message taken in or put out costs the profile's per-message overhead;
//  - HMAC-SHA256 over m bytes costs HmacSha256Blocks(m) compressions; importing a MAC key
//    (the provider prepares the keyed pads) costs 2 compressions, an AES key 1 block;
//  - AES-128-CCM over p bytes with a bytes of associated data costs AesCcmBlocks(p, a);
//  - a retransmission (the same bytes resent) costs the overhead only.
// Message sizes are those of the actual frames; the fixed labels and implicit
// associated data are those of session_crypto.cc.
#pragma once

#include <cstdint>

#include "common/time.h"
#include "connection/wire/codec.h"
#include "sim/device_profile.h"

namespace vigil::sim {

struct Work {
  uint32_t sha256_blocks = 0;
  uint32_t aes_blocks = 0;
  uint32_t ed25519_sign = 0;
  uint32_t ed25519_verify = 0;
  uint32_t messages = 0;
  Work& operator+=(const Work& o);
};

// Virtual time the work takes on a profile (rounded up to whole microseconds).
TimeUs CostOf(const DeviceProfile& profile, const Work& w);

// A device taking in a message addressed to it. `own_attempt`: the device was waiting
// for this answer (it derives session keys), as opposed to an unsolicited request.
Work DeviceRxWork(const wire::Message& m, bool own_attempt);
// A device producing a message (the crypto that the answer itself needs; session keys
// of its own attempt are charged on receipt of the request).
Work DeviceTxWork(const wire::Message& m);

// The coordinator taking in a message (verification only).
Work CoordinatorRxWork(const wire::Message& m);
// The coordinator producing a message (proofs, grants with key derivation, protection,
// broadcast signatures). `authenticated`: the PAN runs with authentication (a grant
// then derives session keys).
Work CoordinatorTxWork(const wire::Message& m, bool authenticated);

}  // namespace vigil::sim
