// The cloud's master keys (docs/cloud.md, "Encryption at rest"): 32-byte AES-256 keys
// that wrap the data keys and are never stored in the database.
//
// Sources, first found wins:
//   - the environment variable VIGIL_CLOUD_MASTER_KEY: 64 hex digits, or several
//     separated by commas;
//   - a key file of mode 0600 (refused if group or others can access it): one key per
//     line as 64 hex digits; '#' lines and blank lines are ignored.
// The first key is the current one (it wraps new data keys and is what rotate-keys
// re-wraps under); the others are older generations, accepted for unwrapping only, so
// that readers keep working while `vigil cloud rotate-keys` runs.
//
// A key's id is the first 8 bytes of HMAC-SHA-256(key, "vigil cloud master key id"), in
// hex: stored beside each wrapped data key to find its master key; it reveals nothing of
// the key.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace vigil::cloud {

inline constexpr size_t kMasterKeySize = 32;
inline constexpr char kMasterKeyEnv[] = "VIGIL_CLOUD_MASTER_KEY";

struct MasterKey {
  std::array<uint8_t, kMasterKeySize> key{};
  std::string id;  // 16 hex digits
};

// Parses keys as the environment variable or the file holds them. kMalformed (with
// `why`, never the key) for a bad line.
Error ParseMasterKeys(std::string_view text, std::vector<MasterKey>* out, std::string* why);

// The environment variable if set, else `key_file`. kNotFound when neither exists;
// kInvalidState for a file group or others can read; kMalformed for bad contents.
Error LoadMasterKeys(const std::string& key_file, std::vector<MasterKey>* out, std::string* why);

// A new random key (OpenSSL's RNG) written to `path` with mode 0600; refuses to replace
// an existing file (kInvalidState).
Error CreateMasterKeyFile(const std::string& path, MasterKey* out, std::string* why);

std::string MasterKeyId(const std::array<uint8_t, kMasterKeySize>& key);
std::string MasterKeyHex(const MasterKey& k);

}  // namespace vigil::cloud
