// The error type of the cloud's store (src/cloud/store/): what went wrong, and the
// database's own message, so that an operator reads SQLite's or PostgreSQL's words.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vigil::cloud {

enum class StoreError : uint8_t {
  kOk = 0,
  kBadUrl,      // the --db value names no back-end this build has, or is malformed
  kConnect,     // the database cannot be opened or reached
  kQuery,       // a statement failed (syntax, type, I/O inside the database)
  kConstraint,  // a constraint refused the change (unique, not null, foreign key)
  kBusy,        // locked by another writer past the busy timeout, or a serialisation failure
  kSchema,      // the schema is not one this binary can use
  kTooNew,      // the database was migrated by a newer binary: refused, left as it is
  kCrypto,      // a value did not decrypt (wrong key, moved, tampered, truncated)
  kNotFound,    // the row asked for does not exist
  kMisuse,      // the caller broke a documented contract (wrong parameter count, state)
};

std::string_view StoreErrorName(StoreError e);

// A StoreError with the database's message (empty when ok).
struct Status {
  StoreError code = StoreError::kOk;
  std::string message;

  bool ok() const { return code == StoreError::kOk; }
  static Status Ok() { return {}; }
  // "constraint: UNIQUE constraint failed: ingest_dedup.message_id"
  std::string ToString() const;
};

inline Status Fail(StoreError code, std::string message) { return {code, std::move(message)}; }

}  // namespace vigil::cloud
