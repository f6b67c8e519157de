// HOTP one-time passwords (RFC 4226), used by the association exchange of seed 000.
//
// Generic over the HMAC hash: Vigil's protocol uses HMAC-SHA256; SHA-1 is kept only so
// that the RFC 4226 Appendix D vectors can be checked. Dynamic truncation takes its
// offset from the low nibble of the *last* byte of the MAC, which for SHA-1 is byte 19
// as RFC 4226 writes it, and is the usual generalisation for longer hashes (RFC 6238).
#pragma once

#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "connection/crypto/provider.h"

namespace vigil {

inline constexpr int kHotpMinDigits = 6;
inline constexpr int kHotpMaxDigits = 9;  // 10^9 < 2^31: the truncated value has 31 bits

// HOTP(key, moving_factor) = Truncate(HMAC(key, moving_factor)) mod 10^digits.
// For RFC 4226 the moving factor is the 8-byte big-endian counter (see HotpCounter).
// Errors: kInvalidArgument if digits is outside [6, 9]; kCrypto from the provider.
Result<uint32_t> Hotp(CryptoProvider& c, HashAlg alg, ByteSpan key, ByteSpan moving_factor,
                      int digits);

// RFC 4226 HOTP with the counter encoded as 8 bytes, big-endian.
Result<uint32_t> HotpCounter(CryptoProvider& c, HashAlg alg, ByteSpan key, uint64_t counter,
                             int digits);

}  // namespace vigil
