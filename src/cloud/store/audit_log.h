// The audit chain in the database (docs/audit.md, "The chain"; docs/cloud.md, "Shared
// state"): one chain for every replica of the service, following the append contract of
// audit_chain.h.
//
// Tables (migration 2): audit_log (seq primary key, time_ms, the record's canonical bytes
// as hashed, prev_hash, hash), audit_tail (one row: the last appended seq and hash, the
// row every appender locks) and audit_heads (signed heads, with their text line).
//
// Append: in one transaction, read audit_tail (SELECT ... FOR UPDATE on PostgreSQL; the
// BEGIN IMMEDIATE write lock on SQLite), Link, insert the entry, update the tail, commit.
// Concurrent appenders on any number of connections therefore wait for each other and
// build one chain. If an insert still collides on seq (the tail row was restored behind
// the log, or a lock was lost) or the database reports a serialisation failure, the whole
// transaction is rolled back and retried with the same record, up to `max_attempts`,
// sleeping 0.2 ms times the attempt number in between (so colliding appenders fall out of
// step).
// Called inside the caller's open transaction (the record must commit with the change it
// audits), Append joins it and does not retry: a kBusy or kConstraint is the caller's to
// roll back and repeat.
//
// Why canonical bytes and not one column per field: Verify must hash exactly what was
// hashed at append, and the bytes carry their own seq, so a row moved or copied under
// another primary key is seen for what it is (inserted, reordered) rather than silently
// renumbered.
//
// Errors (Status): kMisuse when the record is refused by CheckRecord (the message names
// the field; nothing is written), kBusy when the retries ran out, kCrypto when hashing or
// signing failed, kSchema when the tail row disagrees with the log in a way a retry cannot
// fix, otherwise the database's error. Nothing is ever updated or deleted in audit_log.
//
// Thread-safety: one AuditLog per Database connection; neither is thread-safe. Give each
// thread its own connection and AuditLog.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "cloud/audit/audit_chain.h"
#include "cloud/audit/audit_record.h"
#include "cloud/audit/chain_head.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

struct AuditLogOptions {
  int max_attempts = 16;
};

// One row of audit_log as read back. `entry.seq` is the seq inside the canonical bytes
// (what was hashed); `row_seq` is the primary key the row sits under. When the bytes do
// not parse, `parse` says why, `entry.seq` is `row_seq` and `entry.record` is empty (it
// fails CheckRecord, so Verify reports the row as altered).
struct StoredAuditEntry {
  int64_t row_seq = 0;
  audit::ChainEntry entry;
  audit::RecordError parse = audit::RecordError::kOk;
};

class AuditLog {
 public:
  explicit AuditLog(Database& db, AuditLogOptions options = {}) : db_(db), options_(options) {}

  // Appends `record` as the next entry of the chain; *out (may be null) receives it as
  // stored. REQUIRES: the schema migrated.
  Status Append(const audit::AuditRecord& record, audit::ChainEntry* out = nullptr);

  // The last appended (seq, hash); seq 0 with the genesis hash for an empty chain.
  Status Tail(audit::ChainHead* out);

  // Up to `limit` rows with primary key >= `from_seq`, ascending, appended to *out.
  Status ReadRange(int64_t from_seq, size_t limit, std::vector<StoredAuditEntry>* out);

  // Signs the current tail with `signer` at `now_ms`, stores the signed head in
  // audit_heads and returns it. REQUIRES: signer.ready().
  Status SignHead(const audit::HeadSigner& signer, int64_t now_ms, audit::SignedHead* out);

  // The signed head of the highest seq (the latest signed among equals), or nullopt when
  // none was stored. kCrypto when the stored line does not parse (damaged or forged).
  Status LatestHead(std::optional<audit::SignedHead>* out);

 private:
  Status AppendOnce(const audit::AuditRecord& record, audit::ChainEntry* out);
  Status LockTail(audit::ChainHead* out);

  Database& db_;
  AuditLogOptions options_;
};

}  // namespace vigil::cloud
