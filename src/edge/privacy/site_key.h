// The per-site pseudonym key: 32 random bytes that never leave the edge. Pseudonyms are
// keyed on it (pseudonym.h), so whoever holds only uplink data cannot recompute a
// patient's pseudonym from an MRN, and two sites' pseudonyms of one patient differ.
//
// Key file: "VGSITE01" || key (32 bytes), 40 bytes, mode 0600, written with the project's
// private-file writer (atomic, never replacing an existing file) and refused when group
// or others can access it. Losing the file changes every pseudonym from then on: back it
// up with the same care as the registry key (docs/privacy.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace vigil::privacy {

inline constexpr size_t kSiteKeySize = 32;
inline constexpr char kSiteKeyFileTag[] = "VGSITE01";  // 8 bytes, no terminator stored
inline constexpr size_t kSiteKeyFileSize = 8 + kSiteKeySize;

// Reads the key at `path`; when no file exists, draws a key from the OS CSPRNG (OpenSSL
// RAND_bytes) and creates the file. `created` (may be null) says which happened. Errors:
// kInvalidState when group or others can access the file, kCorrupt when it is not a site
// key file, kCrypto when the CSPRNG fails, kIo when it cannot be read or written; `why`
// gets one line naming the path.
Error LoadOrCreateSiteKey(const std::string& path, std::array<uint8_t, kSiteKeySize>* key,
                          bool* created, std::string* why);

}  // namespace vigil::privacy
