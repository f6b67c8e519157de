// The audit hash chain (docs/audit.md, "The chain" and "Verify"). Record n carries
// seq = n (1, 2, 3 ...), prev_hash = the hash of record n-1 (kGenesisHash for record 1)
// and hash = SHA-256(prev_hash || Canonical(seq, record)). Changing, inserting, removing
// or moving a record breaks a hash or a link; cutting the tail, or rewriting a suffix with
// recomputed hashes, is caught against a signed head (chain_head.h).
//
// This module holds no database: the store calls Link to make the next entry and hands
// Verify the entries it reads back.
//
// ## The append contract (what the store must give, for any number of service replicas)
//
// One chain, not one per replica, so appends are serialised by the database:
//   1. In one transaction: read the tail (seq, hash) of the chain, call Link(tail,
//      record), insert the entry, commit. The read must see every committed append and
//      block or fail concurrent appenders until commit:
//        - SQLite: BEGIN IMMEDIATE (one writer at a time for the whole file);
//        - PostgreSQL: a one-row table `audit_tail(seq, hash)` read with SELECT ... FOR
//          UPDATE and updated in the same transaction (or pg_advisory_xact_lock on a
//          fixed key before reading MAX(seq)); READ COMMITTED is enough with the row lock.
//   2. `seq` is UNIQUE (the primary key): if two appenders ever read the same tail, the
//      second insert fails instead of forking the chain. On that error (or a
//      serialisation failure) the store rolls back and retries from step 1 with the
//      same record; the record's content does not depend on seq, so a retry is safe.
//   3. The entry is stored as it came out of Link: seq, prev_hash, hash and either the
//      canonical bytes or every field (Canonical must reproduce them exactly on read).
//   4. Entries are read back in ascending seq for Verify; nothing is ever updated or
//      deleted (retention is by archiving a verified prefix with its signed head, never
//      by deleting rows in place).
//   5. The service answers a request only after its record committed (an access that
//      cannot be audited does not happen).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cloud/audit/audit_chain_types.h"
#include "cloud/audit/audit_record.h"
#include "cloud/audit/chain_head.h"
#include "common/error.h"

namespace vigil::audit {

struct ChainEntry {
  uint64_t seq = 0;
  AuditRecord record;
  Hash prev_hash = kGenesisHash;
  Hash hash = kGenesisHash;
  bool operator==(const ChainEntry&) const = default;
};

// SHA-256(prev || Canonical(seq, r)) into *out. REQUIRES: CheckRecord(r) == kOk, seq >= 1.
// kCrypto if OpenSSL failed.
Error EntryHash(const Hash& prev, uint64_t seq, const AuditRecord& r, Hash* out);

// The entry that follows `tail`: seq = tail.seq + 1, prev_hash = tail.hash.
// kInvalidArgument if CheckRecord(r) fails (`why` names the field), kCrypto if hashing
// failed; *out is set only on kOk.
Error Link(const ChainHead& tail, AuditRecord r, ChainEntry* out, std::string* why = nullptr);

// What Verify found first. Positions are indexes into the span given to Verify.
enum class Finding : uint8_t {
  kIntact = 0,  // every entry checks, and the signed head (if given) matches
  // The entry at `seq` does not hold what was hashed: a field was changed (its hash no
  // longer matches), or it was rewritten with a recomputed hash (its successor's
  // prev_hash, or the signed head, names another hash), or a field holds a value no
  // record may hold.
  kAltered,
  // The entry at `position` is not part of the chain: it repeats a seq already taken
  // (a forged record slipped in beside the genuine one, or a copy of an earlier one) and
  // the genuine chain goes on without it. A missing first record is kDeleted with seq 1.
  kInserted,
  // Entries from `seq` up to `seq + count - 1` are missing inside the chain.
  kDeleted,
  // The entry with `seq` is not at its place: it appears later in the sequence than a
  // greater seq.
  kReordered,
  // The chain stops at `seq - 1`, before the signed head's seq: the tail was cut.
  kTruncated,
  // The signed head does not verify under the key: forged or damaged.
  kHeadForged,
  // The entry at the head's seq (`seq`) has another hash than the signed head: the chain
  // up to there was rewritten with recomputed hashes (which record was changed first is
  // not known: only an earlier signed head could narrow it).
  kHeadMismatch,
  kCrypto,  // hashing failed on this side: no verdict
};
std::string_view FindingName(Finding f);

struct VerifyOptions {
  // Where the entries start: the genesis (seq 0) by default, or a verified earlier head
  // when checking the part of the chain after an archived prefix.
  ChainHead start;
  // The latest signed head and the key to check it, or none (then the tail is not
  // protected: a cut tail, or a suffix rewritten with recomputed hashes, goes unseen).
  const SignedHead* head = nullptr;
  const HeadVerifier* verifier = nullptr;  // REQUIRES: ready() when head is given
};

struct VerifyReport {
  Finding finding = Finding::kIntact;
  uint64_t seq = 0;           // the record concerned (see Finding)
  uint64_t count = 0;         // kDeleted: how many records are missing; else 0 or 1
  size_t position = 0;        // index of the entry concerned in the input (or its size)
  uint64_t verified = 0;      // entries checked good before the finding
  bool head_checked = false;  // true if a signed head was verified and matched
  std::string detail;         // one line for an operator
  bool ok() const { return finding == Finding::kIntact; }
};

// Walks `entries` (as the store reads them, ascending seq) from options.start and
// reports the first problem, in the order: seq order, then each entry's own hash, then
// its link to the one before; then the tail against the signed head. Where a broken link
// leaves two candidates (the entry before was rewritten, or this one was), the successor
// decides: the entry the next one links to (or the signed head names) is the genuine one.
// Entries after the signed head's seq (appended since it was signed) are checked for
// hashes and links only. An empty span with no head is intact.
VerifyReport Verify(std::span<const ChainEntry> entries, const VerifyOptions& options = {});

}  // namespace vigil::audit
