// One-time recovery codes for a person who lost the phone with their authenticator: ten
// codes made at TOTP enrolment, shown once, stored only as hashes, each accepted once in
// place of a TOTP code.
//
// A code is 16 characters of Crockford's base32 (80 random bits) written in groups of
// four, "k7m2-x9qa-...". What is typed is normalised before it is hashed: case folded,
// blanks and dashes dropped, and i, l, o read as 1, 1, 0 (Crockford's decoding), so that a
// code read off paper types back right. The hash is SHA-256 under a domain tag and the user id:
// with 80 bits of entropy a slow hash buys nothing (2^80 guesses per code), and binding the user
// means a row copied to another account does not work there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/auth/secrets.h"

namespace vigil::auth {

inline constexpr size_t kRecoveryCodeCount = 10;
inline constexpr size_t kRecoveryCodeChars = 16;

// kRecoveryCodeCount fresh codes, formatted for display. nullopt when the RNG fails.
std::optional<std::vector<std::string>> GenerateRecoveryCodes();

// The normalised form (16 alphabet characters), or nullopt if `typed` is not a code.
std::optional<std::string> NormaliseRecoveryCode(std::string_view typed);

// The stored hash of a normalised code of `user_id`.
Digest RecoveryCodeHash(std::string_view user_id, std::string_view normalised);

}  // namespace vigil::auth
