// Verifying the stored audit chain without holding it in memory: audit::Verify over the
// rows of audit_log, read in pages of primary-key order (docs/audit.md, "Verify").
//
// Each call of audit::Verify sees two pages (the page being judged and the next one as
// look-ahead), so every finding that depends on the record after (which of two
// conflicting records the chain links to) is decided as if the whole chain were given;
// the signed head is given with the last pages. A head whose seq lies in an earlier page
// is compared with the hash seen there. Memory: two pages of entries.
//
// The report is audit::Verify's, with `position` and `verified` counted over the whole
// chain. A reordering farther apart than one page is reported as the records missing at
// the first place (kDeleted), since the look-ahead does not reach the moved record.
#pragma once

#include <cstddef>

#include "cloud/audit/audit_chain.h"
#include "cloud/store/audit_log.h"

namespace vigil::cloud {

// REQUIRES: page >= 2; options.verifier ready when options.head is given.
// Errors: the database's (the report is then not set).
Status VerifyStoredChain(AuditLog& log, const audit::VerifyOptions& options, size_t page,
                         audit::VerifyReport* report);

}  // namespace vigil::cloud
