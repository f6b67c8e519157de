#include "cloud/backup/backup_error.h"

namespace vigil::cloud::backup {

std::string_view BackupErrorName(BackupError e) {
  switch (e) {
    case BackupError::kOk:
      return "ok";
    case BackupError::kIo:
      return "io";
    case BackupError::kNotABackup:
      return "not-a-backup";
    case BackupError::kUnsupported:
      return "unsupported";
    case BackupError::kWrongKey:
      return "wrong-key";
    case BackupError::kCorrupt:
      return "corrupt";
    case BackupError::kTruncated:
      return "truncated";
    case BackupError::kBadKey:
      return "bad-key";
    case BackupError::kNotEmpty:
      return "not-empty";
    case BackupError::kSchema:
      return "schema";
    case BackupError::kDatabase:
      return "database";
    case BackupError::kCrypto:
      return "crypto";
  }
  return "unknown";
}

std::string BackupStatus::ToString() const {
  if (ok()) return "ok";
  return std::string(BackupErrorName(code)) + ": " + message;
}

}  // namespace vigil::cloud::backup
