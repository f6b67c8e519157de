// Frame crafting for attackers: protocol messages and MAC frames built with the very
// codec and tag functions the cores use (wire::Encode, wire::EncodeMacFrame,
// session_crypto.h), keyed with whatever secrets the attacker holds, or with a guess.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/bytes.h"
#include "connection/crypto/provider.h"
#include "connection/session_crypto.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil::sim::forge {

using Bytes = std::vector<uint8_t>;

struct Mac {
  uint16_t pan = 0;
  uint64_t src = 0;
  uint64_t dst = 0;
  uint8_t seq = 0;
};

// A MAC frame around `payload` (ACK requested for unicast). Empty on error.
Bytes Frame(const Mac& mac, ByteSpan payload);

// Encodes `m` and lets `tag` fill the trailing tag from the covered prefix. `tag` may be
// empty (leaves zeros). Empty result on error.
using TagFn = std::function<void(ByteSpan prefix, MutableByteSpan tag)>;
Bytes Build(const Mac& mac, const wire::Message& m, const wire::WireParams& params,
            const TagFn& tag);

// A data frame (uplink or downlink) with `counter` and `payload`, protected with `keys`
// when given (as the cores do), else with a random tag of the right size.
Bytes Data(const Mac& mac, wire::Version v, const wire::WireParams& params, uint32_t counter,
           ByteSpan payload, bool encrypt, CryptoProvider& crypto, const SessionKeys* keys,
           wire::Direction dir, uint64_t random_seed);

// Parses a frame; the message views `frame`. False if it is not a protocol message.
bool Parse(ByteSpan frame, const wire::WireParams& params, wire::MacFrame* mf, wire::Message* m);

// The same frame with its payload changed by `edit` and a valid FCS.
Bytes Edit(ByteSpan frame, const std::function<void(Bytes& payload, wire::MacFrame& mac)>& edit);

// Fills `out` with bytes derived from `seed` (guesses; not cryptographic).
void Guess(uint64_t seed, MutableByteSpan out);

}  // namespace vigil::sim::forge
