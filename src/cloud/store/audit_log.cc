#include "cloud/store/audit_log.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "cloud/audit/audit_canonical.h"

namespace vigil::cloud {
namespace {

Blob ToBlob(const audit::Hash& h) { return Blob(h.begin(), h.end()); }

// A stored hash of the wrong length cannot be genuine; it is read as far as it goes (the
// rest zero), which no SHA-256 output matches in practice, so Verify names the row.
bool ToHash(const Blob& b, audit::Hash* out) {
  *out = audit::kGenesisHash;
  std::copy_n(b.begin(), std::min(b.size(), out->size()), out->begin());
  return b.size() == out->size();
}

}  // namespace

Status AuditLog::LockTail(audit::ChainHead* out) {
  const std::string lock = std::string("SELECT seq, hash FROM audit_tail WHERE id = 1") +
                           (db_.backend() == Backend::kPostgres ? " FOR UPDATE" : "");
  std::vector<Row> rows;
  if (Status s = db_.Execute(lock, {}, &rows); !s.ok()) return s;
  if (rows.empty()) {
    // The first append creates the row; a concurrent first appender waits on its key
    // and then finds it, so both go on to lock the same row.
    if (Status s = db_.Execute(
            "INSERT INTO audit_tail (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING",
            {Value{ToBlob(audit::kGenesisHash)}});
        !s.ok())
      return s;
    if (Status s = db_.Execute(lock, {}, &rows); !s.ok()) return s;
    if (rows.empty()) return Fail(StoreError::kSchema, "audit_tail has no row after creating it");
  }
  out->seq = static_cast<uint64_t>(rows[0].Int(0));
  if (!ToHash(rows[0].Bytes(1), &out->hash))
    return Fail(StoreError::kSchema, "audit_tail.hash is not 32 bytes");
  return Status::Ok();
}

Status AuditLog::AppendOnce(const audit::AuditRecord& record, audit::ChainEntry* out) {
  audit::ChainHead tail;
  if (Status s = LockTail(&tail); !s.ok()) return s;
  audit::ChainEntry entry;
  std::string why;
  if (Error e = audit::Link(tail, record, &entry, &why); e != Error::kOk)
    return Fail(e == Error::kCrypto ? StoreError::kCrypto : StoreError::kMisuse,
                "audit record refused: " + why);
  const std::string bytes = audit::Canonical(entry.seq, entry.record);
  if (Status s = db_.Execute(
          "INSERT INTO audit_log (seq, time_ms, record, prev_hash, hash) VALUES (?, ?, ?, ?, ?)",
          {Value{static_cast<int64_t>(entry.seq)}, Value{entry.record.time_ms},
           Value{Blob(bytes.begin(), bytes.end())}, Value{ToBlob(entry.prev_hash)},
           Value{ToBlob(entry.hash)}});
      !s.ok())
    return s;
  if (Status s = db_.Execute("UPDATE audit_tail SET seq = ?, hash = ? WHERE id = 1",
                             {Value{static_cast<int64_t>(entry.seq)}, Value{ToBlob(entry.hash)}});
      !s.ok())
    return s;
  if (out != nullptr) *out = std::move(entry);
  return Status::Ok();
}

Status AuditLog::Append(const audit::AuditRecord& record, audit::ChainEntry* out) {
  if (db_.in_transaction()) return AppendOnce(record, out);
  Status last;
  for (int attempt = 0; attempt < std::max(1, options_.max_attempts); ++attempt) {
    last = WithinTransaction(db_, [&] { return AppendOnce(record, out); });
    if (last.ok()) return last;
    if (last.code != StoreError::kBusy && last.code != StoreError::kConstraint) return last;
    // Back off a little more each time so that two colliding appenders fall out of step.
    std::this_thread::sleep_for(std::chrono::microseconds(200 * (attempt + 1)));
  }
  if (last.code == StoreError::kConstraint)
    return Fail(StoreError::kSchema,
                "audit_tail is behind audit_log (the seq after it is taken): " + last.message);
  return Fail(StoreError::kBusy, "audit append gave up after " +
                                     std::to_string(options_.max_attempts) +
                                     " attempts: " + last.message);
}

Status AuditLog::Tail(audit::ChainHead* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute("SELECT seq, hash FROM audit_tail WHERE id = 1", {}, &rows); !s.ok())
    return s;
  *out = {};
  if (rows.empty()) return Status::Ok();
  out->seq = static_cast<uint64_t>(rows[0].Int(0));
  if (!ToHash(rows[0].Bytes(1), &out->hash))
    return Fail(StoreError::kSchema, "audit_tail.hash is not 32 bytes");
  return Status::Ok();
}

Status AuditLog::ReadRange(int64_t from_seq, size_t limit, std::vector<StoredAuditEntry>* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute(
          "SELECT seq, record, prev_hash, hash FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
          {Value{from_seq}, Value{static_cast<int64_t>(limit)}}, &rows);
      !s.ok())
    return s;
  out->reserve(out->size() + rows.size());
  for (const Row& row : rows) {
    StoredAuditEntry e;
    e.row_seq = row.Int(0);
    const Blob bytes = row.Bytes(1);
    uint64_t seq = 0;
    e.parse = audit::ParseCanonical(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), &seq,
        &e.entry.record);
    e.entry.seq = e.parse == audit::RecordError::kOk ? seq : static_cast<uint64_t>(e.row_seq);
    ToHash(row.Bytes(2), &e.entry.prev_hash);
    ToHash(row.Bytes(3), &e.entry.hash);
    out->push_back(std::move(e));
  }
  return Status::Ok();
}

Status AuditLog::SignHead(const audit::HeadSigner& signer, int64_t now_ms, audit::SignedHead* out) {
  audit::ChainHead tail;
  if (Status s = Tail(&tail); !s.ok()) return s;
  audit::SignedHead h;
  if (signer.Sign(tail, now_ms, &h) != Error::kOk)
    return Fail(StoreError::kCrypto, "signing the audit head failed");
  if (Status s = db_.Execute(
          "INSERT INTO audit_heads (seq, hash, time_ms, signature, line) VALUES (?, ?, ?, ?, ?)",
          {Value{static_cast<int64_t>(h.head.seq)}, Value{ToBlob(h.head.hash)}, Value{h.time_ms},
           Value{Blob(h.signature.begin(), h.signature.end())}, Value{audit::FormatSignedHead(h)}});
      !s.ok())
    return s;
  *out = h;
  return Status::Ok();
}

Status AuditLog::LatestHead(std::optional<audit::SignedHead>* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute(
          "SELECT line FROM audit_heads ORDER BY seq DESC, time_ms DESC, head_id DESC LIMIT 1", {},
          &rows);
      !s.ok())
    return s;
  out->reset();
  if (rows.empty()) return Status::Ok();
  audit::SignedHead h;
  if (!audit::ParseSignedHead(rows[0].Text(0), &h))
    return Fail(StoreError::kCrypto, "the latest stored audit head does not parse");
  *out = h;
  return Status::Ok();
}

}  // namespace vigil::cloud
