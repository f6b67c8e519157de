// The per-minute history of vital signs (docs/cloud.md, "History and retention"):
// vitals_minute holds, per patient, vital and minute, the count, minimum, maximum and sum
// of the raw readings, sealed (owner: the patient; row: "<vital>/<minute_ms>").
//
// RollUp merges the readings stored since its last run, in vital_row order past a cursor
// kept in cloud_state ("rollup_row"), into their minutes; it reads each minute's stats,
// adds, and writes them back, in one transaction with the new cursor, so a reading is
// merged once. A reading without a patient yet is passed over; the admission that links
// it merges it (LinkPseudonym, in the admission's transaction), so it is merged
// exactly once too. Prune deletes raw readings older than the retention that were merged.
//
// Not thread-safe (one Database connection).
#pragma once

#include <cstdint>
#include <string>

#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

struct MinuteStats {
  int64_t n = 0;
  double min = 0, max = 0, sum = 0;
};

Blob EncodeMinuteStats(const MinuteStats& s);
bool DecodeMinuteStats(ByteSpan plain, MinuteStats* s);
std::string MinuteRowKey(std::string_view vital, int64_t minute_ms);

// Merges up to `limit` readings past the cursor. `merged` (may be null): how many.
Status RollUp(Database& db, const Keyring& keys, size_t limit, size_t* merged);

// Inside the caller's transaction: gives the readings and alarms of `pseudonym_hash` that
// have no patient yet to `patient_id`, and merges those readings the cursor already
// passed into the history. `linked` (may be null): rows linked.
Status LinkPseudonym(Database& db, const Keyring& keys, const Blob& pseudonym_hash,
                     int64_t patient_id, size_t* linked);

// Deletes merged raw readings with time_ms < now_ms - retention_ms.
Status Prune(Database& db, int64_t now_ms, int64_t retention_ms, size_t* deleted);

}  // namespace vigil::cloud
