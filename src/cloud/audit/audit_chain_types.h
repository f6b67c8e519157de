// The chain's value types, shared by the chain (audit_chain.h) and its signed head
// (chain_head.h).
#pragma once

#include <array>
#include <cstdint>

namespace vigil::audit {

using Hash = std::array<uint8_t, 32>;  // SHA-256

// The hash before the first record: 32 zero bytes.
inline constexpr Hash kGenesisHash{};

// A position in the chain: the last record's seq and hash. seq 0 with kGenesisHash is
// the empty chain.
struct ChainHead {
  uint64_t seq = 0;
  Hash hash = kGenesisHash;
  bool operator==(const ChainHead&) const = default;
};

}  // namespace vigil::audit
