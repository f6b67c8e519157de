// `vigil backup`: one consistent, encrypted logical dump of the cloud's database
// (docs/backup.md).
//
// Consistency while ingest runs: every table is read inside one read-only snapshot: on
// SQLite a deferred read transaction (WAL gives it a snapshot and writers go on; the
// checkpoint cannot pass it, so the -wal file grows while the backup runs), on PostgreSQL
// one REPEATABLE READ READ ONLY transaction. A transaction that committed rows in two
// tables is in the backup whole or not at all.
//
// Memory: rows are read in pages of kPageRows by their primary key (keyset paging inside
// the snapshot), so a backup holds one page and one chunk, whatever the database's size.
// A table without a primary key is paged by LIMIT/OFFSET over all its columns (slower,
// still exact inside the snapshot).
//
// Sealed values stay sealed: blobs are copied as the database holds them, so a backup
// holds the data keys only wrapped under the master key, and no master key.
//
// REQUIRES: no transaction open on `db`; `sink` receives the whole file (the caller makes
// it durable). Errors: kDatabase (with its message), kSchema (no schema_migrations: not a
// migrated cloud database), kIo from the sink, kCrypto.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cloud/backup/backup_key.h"
#include "cloud/backup/byte_stream.h"
#include "cloud/store/database.h"

namespace vigil::cloud::backup {

inline constexpr size_t kPageRows = 2000;

struct BackupSummary {
  std::string backend;
  int64_t schema_version = 0;
  std::vector<std::pair<std::string, uint64_t>> tables;  // in dump order, with row counts
  uint64_t rows = 0;
  uint64_t content_bytes = 0;  // the dump's plaintext
  uint64_t file_bytes = 0;
  uint32_t chunks = 0;
};

BackupStatus WriteBackup(Database& db, const BackupKey& key, int64_t now_ms, ByteSink* sink,
                         BackupSummary* summary, uint32_t chunk_size = kDefaultChunkSize);

}  // namespace vigil::cloud::backup
