#include "cloud/audit/audit_chain.h"

#include <openssl/evp.h>

#include "cloud/audit/audit_canonical.h"

namespace vigil::audit {

Error EntryHash(const Hash& prev, uint64_t seq, const AuditRecord& r, Hash* out) {
  const std::string body = Canonical(seq, r);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  Hash h{};
  const bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, prev.data(), prev.size()) == 1 &&
                  EVP_DigestUpdate(ctx, body.data(), body.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, h.data(), &len) == 1 && len == h.size();
  EVP_MD_CTX_free(ctx);
  if (!ok) return Error::kCrypto;
  *out = h;
  return Error::kOk;
}

Error Link(const ChainHead& tail, AuditRecord r, ChainEntry* out, std::string* why) {
  std::string_view field;
  if (RecordError e = CheckRecord(r, &field); e != RecordError::kOk) {
    if (why != nullptr) *why = std::string(field) + ": " + std::string(RecordErrorName(e));
    return Error::kInvalidArgument;
  }
  ChainEntry entry;
  entry.seq = tail.seq + 1;
  entry.prev_hash = tail.hash;
  if (Error e = EntryHash(entry.prev_hash, entry.seq, r, &entry.hash); e != Error::kOk) {
    if (why != nullptr) *why = "sha-256 failed";
    return e;
  }
  entry.record = std::move(r);
  *out = std::move(entry);
  return Error::kOk;
}

std::string_view FindingName(Finding f) {
  switch (f) {
    case Finding::kIntact:
      return "intact";
    case Finding::kAltered:
      return "altered";
    case Finding::kInserted:
      return "inserted";
    case Finding::kDeleted:
      return "deleted";
    case Finding::kReordered:
      return "reordered";
    case Finding::kTruncated:
      return "truncated";
    case Finding::kHeadForged:
      return "head_forged";
    case Finding::kHeadMismatch:
      return "head_mismatch";
    case Finding::kCrypto:
      return "crypto";
  }
  return "unknown";
}

namespace {

std::string Seq(uint64_t s) { return std::to_string(s); }

class Walker {
 public:
  Walker(std::span<const ChainEntry> entries, const VerifyOptions& o)
      : entries_(entries), options_(o) {
    head_valid_ = o.head != nullptr && o.verifier != nullptr && o.verifier->ready() &&
                  o.verifier->Verify(*o.head);
  }

  VerifyReport Run() {
    ChainHead prev = options_.start;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const ChainEntry& e = entries_[i];
      if (e.seq <= prev.seq) return Misplaced(i, prev);
      if (e.seq > prev.seq + 1) return Gap(i, prev);
      if (!SelfConsistent(e)) {
        if (crypto_failed_) return Report(Finding::kCrypto, e.seq, i, "sha-256 failed");
        return Report(Finding::kAltered, e.seq, i,
                      "record " + Seq(e.seq) + " does not match its hash" + why_);
      }
      if (e.prev_hash != prev.hash) {
        // Two candidates: the record before was rewritten (content and hash), or this one
        // was. The one the next record (or the signed head) links to is genuine.
        if (i > 0 && Vouched(i))
          return Report(Finding::kAltered, prev.seq, i - 1,
                        "record " + Seq(prev.seq) + " was rewritten: record " + Seq(e.seq) +
                            " links to another hash");
        return Report(Finding::kAltered, e.seq, i,
                      "record " + Seq(e.seq) + " does not link to record " + Seq(prev.seq));
      }
      prev = {e.seq, e.hash};
      ++verified_;
    }
    return Tail(prev);
  }

 private:
  VerifyReport Report(Finding f, uint64_t seq, size_t position, std::string detail,
                      uint64_t count = 1) {
    VerifyReport r;
    r.finding = f;
    r.seq = seq;
    r.count = f == Finding::kIntact ? 0 : count;
    r.position = position;
    r.verified = verified_;
    r.detail = std::move(detail);
    return r;
  }

  bool SelfConsistent(const ChainEntry& e) {
    std::string_view field;
    if (RecordError err = CheckRecord(e.record, &field); err != RecordError::kOk) {
      why_ = " (" + std::string(field) + ": " + std::string(RecordErrorName(err)) + ")";
      return false;
    }
    why_.clear();
    Hash h{};
    if (EntryHash(e.prev_hash, e.seq, e.record, &h) != Error::kOk) {
      crypto_failed_ = true;
      return false;
    }
    return h == e.hash;
  }

  // True if the chain after entry i confirms it: the next entry links to it, or, for the
  // last entry, the valid signed head names it.
  bool Vouched(size_t i) {
    const ChainEntry& e = entries_[i];
    if (i + 1 < entries_.size()) {
      const ChainEntry& next = entries_[i + 1];
      return next.seq == e.seq + 1 && next.prev_hash == e.hash;
    }
    return head_valid_ && options_.head->head.seq == e.seq && options_.head->head.hash == e.hash;
  }

  // entries_[i].seq <= prev.seq: a repeated seq, or one that belongs before the start.
  VerifyReport Misplaced(size_t i, const ChainHead& prev) {
    const ChainEntry& e = entries_[i];
    if (i > 0 && e.seq == prev.seq) {
      // Two entries claim one place; the genuine one hashes right and is linked to.
      if (SelfConsistent(e) && Vouched(i)) {
        --verified_;  // the earlier one was counted
        return Report(Finding::kInserted, e.seq, i - 1,
                      "a second record " + Seq(e.seq) + " precedes the one the chain links to");
      }
      return Report(Finding::kInserted, e.seq, i,
                    "a second record " + Seq(e.seq) + " that the chain does not link to");
    }
    return Report(Finding::kInserted, e.seq, i,
                  "record " + Seq(e.seq) + " appears again after record " + Seq(prev.seq));
  }

  // entries_[i].seq > prev.seq + 1: missing records, or records out of order.
  VerifyReport Gap(size_t i, const ChainHead& prev) {
    const uint64_t missing = prev.seq + 1;
    for (size_t j = i + 1; j < entries_.size(); ++j)
      if (entries_[j].seq == missing)
        return Report(Finding::kReordered, missing, j,
                      "record " + Seq(missing) + " appears after record " + Seq(entries_[i].seq));
    const uint64_t count = entries_[i].seq - missing;
    return Report(
        Finding::kDeleted, missing, i,
        count == 1 ? "record " + Seq(missing) + " is missing"
                   : "records " + Seq(missing) + " to " + Seq(entries_[i].seq - 1) + " are missing",
        count);
  }

  VerifyReport Tail(const ChainHead& last) {
    const size_t n = entries_.size();
    if (options_.head == nullptr)
      return Report(Finding::kIntact, 0, n, Seq(verified_) + " records intact (no signed head)");
    const SignedHead& h = *options_.head;
    if (!head_valid_)
      return Report(Finding::kHeadForged, h.head.seq, n,
                    "the signed head (seq " + Seq(h.head.seq) + ") does not verify");
    if (h.head.seq > last.seq)
      return Report(
          Finding::kTruncated, last.seq + 1, n,
          "the chain ends at " + Seq(last.seq) + ", the signed head is at " + Seq(h.head.seq),
          h.head.seq - last.seq);
    const uint64_t start = options_.start.seq;
    bool matches = false;
    size_t at = n;
    if (h.head.seq == start) {
      matches = h.head.hash == options_.start.hash;
    } else if (h.head.seq > start) {
      at = static_cast<size_t>(h.head.seq - start - 1);  // seqs are contiguous from start
      matches = entries_[at].hash == h.head.hash;
    } else {
      matches = true;  // a head older than the start says nothing about these entries
    }
    if (!matches)
      return Report(Finding::kHeadMismatch, h.head.seq, at,
                    "record " + Seq(h.head.seq) + " has another hash than the signed head");
    VerifyReport r = Report(Finding::kIntact, 0, n,
                            Seq(verified_) + " records intact, signed head at " + Seq(h.head.seq));
    r.head_checked = h.head.seq >= start;
    return r;
  }

  std::span<const ChainEntry> entries_;
  const VerifyOptions& options_;
  bool head_valid_ = false;
  bool crypto_failed_ = false;
  uint64_t verified_ = 0;
  std::string why_;
};

}  // namespace

VerifyReport Verify(std::span<const ChainEntry> entries, const VerifyOptions& options) {
  return Walker(entries, options).Run();
}

}  // namespace vigil::audit
