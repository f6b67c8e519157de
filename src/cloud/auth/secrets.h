// The few primitives every credential here needs, all from OpenSSL: random secrets,
// SHA-256 and a constant-time comparison.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"

namespace vigil::auth {

using Digest = std::array<uint8_t, 32>;

// `n` bytes from OpenSSL's CSPRNG (RAND_bytes); nullopt when it fails (never silently
// weaker randomness).
std::optional<std::vector<uint8_t>> RandomBytes(size_t n);

// A random token: `n` random bytes, base64url. nullopt when the RNG fails.
std::optional<std::string> RandomToken(size_t n);

// SHA-256 over the concatenation of `parts`.
Digest Sha256(std::initializer_list<std::string_view> parts);

// CRYPTO_memcmp: time depends on the length only.
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace vigil::auth
