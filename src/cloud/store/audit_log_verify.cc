#include "cloud/store/audit_log_verify.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

namespace vigil::cloud {
namespace {

Status NextPage(AuditLog& log, int64_t* from, size_t page, std::vector<StoredAuditEntry>* out) {
  out->clear();
  if (*from == std::numeric_limits<int64_t>::max()) return Status::Ok();
  if (Status s = log.ReadRange(*from, page, out); !s.ok()) return s;
  if (!out->empty()) {
    const int64_t last = out->back().row_seq;
    *from = last == std::numeric_limits<int64_t>::max() ? last : last + 1;
  }
  return Status::Ok();
}

}  // namespace

Status VerifyStoredChain(AuditLog& log, const audit::VerifyOptions& options, size_t page,
                         audit::VerifyReport* report) {
  if (page < 2) page = 2;
  // From the lowest key: a row forged below seq 1 must be seen too.
  int64_t from = options.start.seq == 0 ? std::numeric_limits<int64_t>::min()
                                        : static_cast<int64_t>(options.start.seq) + 1;
  std::vector<StoredAuditEntry> cur, next;
  if (Status s = NextPage(log, &from, page, &cur); !s.ok()) return s;
  if (Status s = NextPage(log, &from, page, &next); !s.ok()) return s;

  audit::ChainHead start = options.start;
  size_t offset = 0;
  std::optional<audit::Hash> seen_at_head;  // the hash of the entry at head.seq, once passed
  const audit::SignedHead* head = options.head;
  std::vector<audit::ChainEntry> window;
  std::vector<const StoredAuditEntry*> rows;

  for (;;) {
    const bool last = next.empty();
    window.clear();
    rows.clear();
    for (const auto* part : {&cur, &next})
      for (const StoredAuditEntry& e : *part) {
        window.push_back(e.entry);
        rows.push_back(&e);
      }
    audit::VerifyOptions o;
    o.start = start;
    o.head = last ? head : nullptr;
    o.verifier = options.verifier;
    audit::VerifyReport r = audit::Verify(window, o);

    const bool concerns_cur = r.verified < cur.size() || r.position < cur.size();
    if (last || (!r.ok() && concerns_cur)) {
      if (r.finding == audit::Finding::kAltered && r.position < rows.size() &&
          rows[r.position]->parse != audit::RecordError::kOk)
        r.detail += std::string(" (its bytes do not parse: ") +
                    std::string(audit::RecordErrorName(rows[r.position]->parse)) + ")";
      // A head in an earlier page: Verify saw only entries after it.
      if (r.ok() && head != nullptr && head->head.seq > 0 && head->head.seq < start.seq) {
        if (!seen_at_head.has_value() || *seen_at_head != head->head.hash) {
          r.finding = audit::Finding::kHeadMismatch;
          r.seq = head->head.seq;
          r.count = 1;
          r.detail =
              "record " + std::to_string(head->head.seq) + " has another hash than the signed head";
          r.head_checked = false;
        } else {
          r.head_checked = true;
        }
      }
      r.position += offset;
      r.verified += offset;
      if (r.ok())
        r.detail = std::to_string(r.verified) + " records intact" +
                   (r.head_checked ? ", signed head at " + std::to_string(head->head.seq)
                                   : std::string(" (no signed head checked)"));
      *report = std::move(r);
      return Status::Ok();
    }
    for (const StoredAuditEntry& e : cur)
      if (head != nullptr && e.entry.seq == head->head.seq) seen_at_head = e.entry.hash;
    start = {cur.back().entry.seq, cur.back().entry.hash};
    offset += cur.size();
    cur.swap(next);
    if (Status s = NextPage(log, &from, page, &next); !s.ok()) return s;
  }
}

}  // namespace vigil::cloud
