// The error type of the cloud's backups (src/cloud/backup/, docs/backup.md): what went
// wrong, and a message that names where (the chunk, the file offset, the table) so that
// an operator knows which backup, and which part of it, to distrust.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::cloud::backup {

enum class BackupError : uint8_t {
  kOk = 0,
  kIo,           // a file could not be read or written (the system's message)
  kNotABackup,   // the file does not start with a backup header
  kUnsupported,  // a format version or parameter this binary does not read
  kWrongKey,     // the backup was made under another backup key
  kCorrupt,      // a chunk or a record does not authenticate or parse: damaged or altered
  kTruncated,    // the file ends before the backup does: chunks are missing
  kBadKey,       // the backup key file or variable is missing, unsafe or malformed
  kNotEmpty,     // restore refused: the target database already holds rows
  kSchema,       // the backup's schema does not fit the target (version, tables, columns)
  kDatabase,     // the database refused a statement (its own message follows)
  kCrypto,       // OpenSSL failed (not the file's fault)
};

std::string_view BackupErrorName(BackupError e);

struct BackupStatus {
  BackupError code = BackupError::kOk;
  std::string message;

  bool ok() const { return code == BackupError::kOk; }
  static BackupStatus Ok() { return {}; }
  // "corrupt: chunk 3 at offset 196672 does not authenticate ..."
  std::string ToString() const;
};

inline BackupStatus BackupFail(BackupError code, std::string message) {
  return {code, std::move(message)};
}

}  // namespace vigil::cloud::backup
