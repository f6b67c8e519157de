// Fuzzes the reader of the audit record's canonical form (docs/audit.md, "The canonical
// form"): ParseCanonical must refuse what is not a version 1 record without crashing and
// without touching its outputs; whatever it accepts passes CheckRecord and is exactly the
// canonical form of what it read (one record, one byte string), so its chain hash is
// well defined. The same input is also read as the text line of a signed head
// (chain_head.h): what ParseSignedHead accepts formats back to the same line.
// Input: the bytes a store would hand back as a record's blob, or a head's line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cloud/audit/audit_canonical.h"
#include "cloud/audit/audit_chain.h"
#include "cloud/audit/chain_head.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

void CheckHeadLine(std::string_view in) {
  using namespace vigil::audit;
  SignedHead h;
  h.head.seq = 77;
  if (!ParseSignedHead(in, &h)) {
    Require(h.head.seq == 77);
    return;
  }
  std::string_view line = in;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Require(FormatSignedHead(h) == line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::audit;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckHeadLine(in);
  uint64_t seq = 0;
  AuditRecord r;
  r.actor_id = "untouched";
  size_t offset = 0;
  const RecordError e = ParseCanonical(in, &seq, &r, &offset);
  Require(offset <= in.size());
  if (e != RecordError::kOk) {
    Require(seq == 0 && r.actor_id == "untouched");
    return 0;
  }
  Require(seq >= 1 && in.size() <= kMaxCanonicalBytes);
  Require(CheckRecord(r) == RecordError::kOk);
  Require(Canonical(seq, r) == in);
  vigil::audit::ChainEntry entry;
  Require(Link({seq - 1, kGenesisHash}, r, &entry) == vigil::Error::kOk && entry.seq == seq);
  return 0;
}
