// The backup key (docs/backup.md, "The backup key"): one 32-byte AES-256 key, apart from
// the cloud's master key, so that whoever keeps the backups need not hold the key that
// opens the patient data, and the other way round.
//
// Sources: the key file named by --key (mode 0600, refused if group or others can access
// it, as for the master key: one line of 64 hex digits, '#' and blank lines ignored), or,
// when no file is named, the environment variable VIGIL_BACKUP_KEY (64 hex digits).
//
// The key id is the first 8 bytes of HMAC-SHA-256(key, "vigil backup key id"): written
// in each backup's header, so that a wrong key is named as such before any decryption.
// It reveals nothing of the key.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "cloud/backup/backup_error.h"
#include "cloud/backup/backup_format.h"

namespace vigil::cloud::backup {

inline constexpr size_t kBackupKeySize = 32;
inline constexpr char kBackupKeyEnv[] = "VIGIL_BACKUP_KEY";

struct BackupKey {
  std::array<uint8_t, kBackupKeySize> key{};
  std::array<uint8_t, kKeyIdSize> id{};
  ~BackupKey();
};

std::array<uint8_t, kKeyIdSize> BackupKeyId(const std::array<uint8_t, kBackupKeySize>& key);
std::string KeyIdHex(const std::array<uint8_t, kKeyIdSize>& id);

// Exactly one key in `text`. kBadKey (never echoing the key) otherwise.
BackupStatus ParseBackupKey(std::string_view text, BackupKey* out);

// `key_file` if not empty, else VIGIL_BACKUP_KEY. kBadKey for a missing source, a file
// group or others can access, or bad contents; the message names the file.
BackupStatus LoadBackupKey(const std::string& key_file, BackupKey* out);

// A new random key (OpenSSL's RNG) written to `path` with mode 0600; refuses to replace
// an existing file (kIo, naming it).
BackupStatus CreateBackupKeyFile(const std::string& path, BackupKey* out);

}  // namespace vigil::cloud::backup
