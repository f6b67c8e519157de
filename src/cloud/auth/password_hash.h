// Password hashing for the login to come: scrypt (RFC 7914), memory-hard, from OpenSSL 3's
// EVP_KDF. (Argon2id would need OpenSSL 3.2 or libargon2; Debian 12's OpenSSL is 3.0.)
//
// Encoded as "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>" (salt 16 random bytes; 8 to
// 64 accepted; hash 32 bytes; both base64url), so that the parameters travel with each hash and can
// be raised later: NeedsRehash says when a hash was made with weaker ones, and the login re-hashes
// on the next success.
//
// Defaults: N = 2^15, r = 8, p = 1: 32 MiB and 0.1 to 0.3 s per hash on one core, which
// bounds a stolen table to a few guesses per second per core and is affordable at a
// clinician's login. Verify refuses stored parameters outside sane bounds (ln 10..20,
// r 1..16, p 1..4, at most 256 MiB), so a tampered row cannot make a login burn memory.
//
// Verify compares in constant time. For an unknown user the caller runs
// VerifyAgainstDummy with the same parameters, so that the answer takes as long as for a
// known one (no user enumeration by timing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::auth {

struct ScryptParams {
  uint32_t log2_n = 15;
  uint32_t r = 8;
  uint32_t p = 1;
};

inline constexpr size_t kMaxPasswordBytes = 1024;

enum class PasswordCheck : uint8_t { kMatch, kMismatch, kMalformedHash, kCrypto, kTooLong };

// nullopt when the RNG or the KDF fails, or the password is longer than kMaxPasswordBytes,
// or the parameters are outside the bounds above.
std::optional<std::string> HashPassword(std::string_view password, const ScryptParams& params);

PasswordCheck VerifyPassword(std::string_view password, std::string_view encoded);

// True when `encoded` is malformed or was made with parameters weaker than `params`.
bool NeedsRehash(std::string_view encoded, const ScryptParams& params);

// Spends the time of a Verify with `params` and returns false.
bool VerifyAgainstDummy(std::string_view password, const ScryptParams& params);

}  // namespace vigil::auth
