// The cloud's ingest (docs/cloud.md, "Ingest"): batches of uplink messages in, one
// transaction per batch out.
//
// Per batch, in one transaction:
//   1. each message is checked (envelope_check.h); a refused one goes to dead_letters
//      (its reason, the field, the topic, the payload sealed) and is counted: it never
//      stops the batch. A dead letter is keyed by a digest of topic and payload, so a
//      redelivered bad message is kept once;
//   2. the accepted ids are inserted into ingest_dedup with ON CONFLICT DO NOTHING ...
//      RETURNING: an id already there (an earlier batch, an earlier process, another
//      ingester on the same PostgreSQL) is a duplicate, counted and not stored again.
//      Ids are inserted in sorted order, so two ingesters lock them in the same order;
//   3. the new messages are stored: readings by BulkInsert (COPY on PostgreSQL), alarms
//      by an upsert that keeps each alarm_id's life (the newest message wins; `raised_ms`
//      the earliest seen, `cleared_ms` set once cleared), security alerts, and the
//      gateway's latest status.
// If the database fails, the whole batch rolls back and IngestBatch returns the error:
// nothing of it is stored and the caller must not acknowledge it (it is redelivered).
//
// Pseudonyms: a reading or alarm is stored with the blind index of its pseudonym and,
// when the pseudonym is admitted (pseudonyms table), its patient id; otherwise with a
// NULL patient, until LinkPending (or an admission) links it. Sealed values are bound to
// the pseudonym's index (the owner) and the message id (the row), so linking changes no
// ciphertext.
//
// Not thread-safe: one Ingester per database connection.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "cloud/crypto/keyring.h"
#include "cloud/ingest/committed.h"
#include "cloud/ingest/envelope_check.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

struct IngestMessage {
  std::string topic;
  std::string payload;
  int64_t received_ms = 0;
};

struct IngestCounters {
  uint64_t batches = 0;
  uint64_t stored = 0;      // new messages stored
  uint64_t duplicates = 0;  // refused by id (this batch, or already in the database)
  uint64_t dead_letters = 0;
  std::array<uint64_t, kRejectCount> rejected{};      // by reason
  std::array<uint64_t, kKindCount> stored_by_kind{};  // by Kind
  uint64_t failed_batches = 0;                        // rolled back on a database error

  void Add(const IngestCounters& o);
};

// The sealed-value layout of the tables the ingest writes (also what readers open).
inline constexpr std::string_view kVitalsTable = "vitals";
inline constexpr std::string_view kAlarmsTable = "alarms";
inline constexpr std::string_view kDeadLettersTable = "dead_letters";

Blob EncodeVitalValue(double v);
bool DecodeVitalValue(ByteSpan plain, double* v);

class Ingester {
 public:
  // `db` and `keys` must outlive the Ingester; `keys` is open.
  Ingester(Database& db, const Keyring& keys) : db_(db), keys_(keys) {}

  // See the top of this file. `counters` (may be null) receives this batch's counts,
  // which are also added to totals() once committed.
  Status IngestBatch(std::span<const IngestMessage> batch, IngestCounters* counters);

  // Links stored readings and alarms whose pseudonym has been admitted since. Returns the
  // number of rows linked.
  Status LinkPending(size_t* linked);

  const IngestCounters& totals() const { return totals_; }

  // After each committed batch with readings or alarms of admitted patients, `observer`
  // receives them (committed.h). Set before the first batch; empty: none. Costs one
  // admissions lookup per such batch.
  void set_observer(CommitObserver observer) { observer_ = std::move(observer); }

 private:
  // The observer's batch: the patients' current wards and beds, looked up after commit.
  void Notify(CommittedBatch batch);

  CommitObserver observer_;
  Database& db_;
  const Keyring& keys_;
  IngestCounters totals_;
  std::map<Blob, int64_t> patient_cache_;  // pseudonym index -> patient (never changes)
};

}  // namespace vigil::cloud
