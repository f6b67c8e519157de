// What a new password must be (NIST SP 800-63B section 5.1.1.2, as far as a hospital's
// staff accounts need it): long enough, not too long to hash, not the account's name, and
// not a known breached or common password. No composition rules (they make passwords
// worse, not stronger) and no expiry.
//
// The breached-password list ships in the binary: Openwall's password.lst (Debian's
// john-data; its header says it is assumed to be in the public domain), each entry lower-cased and
// hashed with SHA-256, the first 8 bytes kept, sorted (breached_passwords.inc, built by
// scripts/breached-passwords.py; 8 bytes an entry). A password matches when one of these forms is
// on the list:
//   - the password, lower-cased;
//   - the same without leading and trailing digits and punctuation ("Password2024!" is
//     "password");
//   - its repeating unit, if the password is one string repeated ("qwertyqwerty");
// and a password of one or two characters repeated is refused outright.
// A false positive needs a 64-bit prefix collision: with n entries the chance that a
// given password is refused wrongly is n / 2^64 (about 2e-16 for 3,410 entries).
//
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::auth {

struct PasswordPolicy {
  size_t min_chars = 12;    // Unicode code points (as NIST counts), not bytes
  size_t max_bytes = 1024;  // password_hash.h's kMaxPasswordBytes
  bool check_breached = true;
};

// nullopt when `password` is acceptable for `account` (the user id); otherwise the reason,
// for the person choosing it ("at least 12 characters", "on a list of breached passwords").
std::optional<std::string> CheckPasswordPolicy(std::string_view password, std::string_view account,
                                               const PasswordPolicy& policy);

// True when `password` (in any of the forms above) is on the shipped list.
bool IsBreachedPassword(std::string_view password);

// How many entries the shipped list has.
size_t BreachedListSize();

}  // namespace vigil::auth
