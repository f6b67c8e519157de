// Password hashing for people's logins: Argon2id (RFC 9106) from libargon2, memory-hard,
// in the PHC string format libargon2 itself writes and reads:
//
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
//
// (salt 16 random bytes, hash 32 bytes, both standard base64 without padding), so that the
// parameters travel with each hash and can be raised later: NeedsRehash says when a hash
// was made with weaker ones (or with the older scheme), and the login re-hashes on the
// next success.
//
// The older scheme, scrypt (RFC 7914) from OpenSSL 3's EVP_KDF, still verifies:
//   $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>   (base64url; salt 8..64 bytes, hash 32)
// Hashes made before Argon2id are scrypt; the first successful login after the upgrade
// replaces each with an Argon2id hash (NeedsRehash is true for every scrypt hash).
//
// Defaults (Argon2Params{}): m = 19 MiB, t = 2, p = 1, OWASP's first recommended Argon2id
// setting: the API answers on one thread, so a login's hash holds every other request up
// for its time, and RFC 9106's 64 MiB, t = 3 costs about three times as much.
// docs/access-control.md gives the cost measured with `vigil_bench
// --benchmark_filter=Argon2`; `vigil cloud serve --argon2-*` raises them. Verify refuses stored
// parameters outside sane bounds (m 1 MiB..1 GiB, t 1..16, p 1..8; scrypt ln 10..20,
// r 1..16, p 1..4, at most 256 MiB), so a tampered row cannot make a login burn memory.
//
// Verify compares in constant time. For an unknown user the caller runs
// VerifyAgainstDummy with the configured parameters, so that the answer takes as long as
// for a known one (no user enumeration by timing).
//
// Thread-safety: every function is pure (the RNG is OpenSSL's, which is thread-safe).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::auth {

struct Argon2Params {
  uint32_t memory_kib = 19 * 1024;
  uint32_t iterations = 2;
  uint32_t lanes = 1;
};

// The legacy scheme's parameters (hashes still verify; new ones are Argon2id).
struct ScryptParams {
  uint32_t log2_n = 15;
  uint32_t r = 8;
  uint32_t p = 1;
};

inline constexpr size_t kMaxPasswordBytes = 1024;

enum class PasswordCheck : uint8_t { kMatch, kMismatch, kMalformedHash, kCrypto, kTooLong };

// True when `params` lie within the bounds above.
bool InBounds(const Argon2Params& params);

// An Argon2id PHC string. nullopt when the RNG or libargon2 fails, the password is longer
// than kMaxPasswordBytes, or the parameters are outside the bounds above.
std::optional<std::string> HashPassword(std::string_view password, const Argon2Params& params);

// A legacy scrypt hash (tests of the upgrade path and the benchmark make them).
std::optional<std::string> HashScryptPassword(std::string_view password,
                                              const ScryptParams& params);

// Either scheme, by the string's prefix.
PasswordCheck VerifyPassword(std::string_view password, std::string_view encoded);

// True when `encoded` is malformed, is not Argon2id, or was made with parameters weaker
// than `params` (any of the three lower).
bool NeedsRehash(std::string_view encoded, const Argon2Params& params);

// Spends the time of a Verify with `params` and returns false.
bool VerifyAgainstDummy(std::string_view password, const Argon2Params& params);

}  // namespace vigil::auth
