// `vigil restore`: a backup (backup_writer.h) into an empty database of either back-end
// (docs/backup.md, "Restore").
//
// Order of work, so that a refused backup changes nothing:
//   1. the header and the first chunk authenticate (ChunkReader::Open);
//   2. the target is empty: no table but schema_migrations holds a row (kNotEmpty names
//      the first that does), and its schema is not above the backup's (kSchema);
//   3. the target is migrated to the backup's schema version, with `migrations` (a
//      backup newer than every migration given is refused: kSchema);
//   4. in one transaction: what step 3 wrote is cleared (schema_migrations, rows a
//      migration seeds), every row is inserted in batches (BulkInsert: COPY on
//      PostgreSQL), table by table in the dump's order; on PostgreSQL every serial
//      column's sequence is set past its
//      largest value; then it commits. Any refusal on the way (a chunk that does not
//      authenticate, a table or column the target lacks, a constraint) rolls it back:
//      the target is left migrated and empty, and the restore can be run again.
// The master key is not in a backup: the restored database needs the master key file
// of the database it came from to open its sealed values (the data keys are in it,
// wrapped).
//
// REQUIRES: no transaction open on `db`; `migrations` sorted by version.
#pragma once

#include <cstdint>
#include <span>

#include "cloud/backup/verify.h"
#include "cloud/store/database.h"
#include "cloud/store/migrations.h"

namespace vigil::cloud::backup {

inline constexpr size_t kRestoreBatchRows = 1000;

BackupStatus RestoreBackup(Database& db, const BackupKey& key, ByteSource* src,
                           std::span<const Migration> migrations, int64_t now_ms,
                           ContentSummary* summary);

}  // namespace vigil::cloud::backup
