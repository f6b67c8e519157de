#include "cloud/backup/restore.h"

#include <algorithm>
#include <map>

#include "cloud/backup/catalogue.h"
#include "cloud/backup/dump_codec.h"

namespace vigil::cloud::backup {
namespace {

constexpr std::string_view kMigrationsTable = "schema_migrations";

BackupStatus FromStore(const Status& s, const std::string& what) {
  return BackupFail(BackupError::kDatabase, what + ": " + s.ToString());
}

// Sets each serial column's sequence of `table` past its largest value, so that the next
// row the database numbers does not collide with a restored one.
BackupStatus AdvanceSequences(Database& db, const TableInfo& t) {
  for (const std::string& c : t.columns) {
    std::vector<Row> seq;
    if (Status s = db.Execute("SELECT pg_get_serial_sequence(?, ?)", {t.name, c}, &seq); !s.ok())
      return FromStore(s, "sequence of " + t.name + "." + c);
    if (seq.empty() || seq[0].IsNull(0)) continue;
    if (Status s = db.Execute("SELECT setval(CAST(? AS regclass), (SELECT COALESCE(MAX(" + c +
                                  "), 0) + 1 FROM " + t.name + "), false)",
                              {seq[0].Text(0)});
        !s.ok())
      return FromStore(s, "sequence of " + t.name + "." + c);
  }
  return BackupStatus::Ok();
}

BackupStatus CheckEmpty(Database& db) {
  std::vector<TableInfo> tables;
  if (Status s = ReadCatalogue(db, &tables); !s.ok()) return FromStore(s, "target catalogue");
  for (const TableInfo& t : tables) {
    if (t.name == kMigrationsTable) continue;
    std::vector<Row> any;
    if (Status s = db.Execute("SELECT 1 FROM " + t.name + " LIMIT 1", {}, &any); !s.ok())
      return FromStore(s, "target table " + t.name);
    if (!any.empty())
      return BackupFail(BackupError::kNotEmpty,
                        "the target's table " + t.name +
                            " already holds rows: a backup restores only into an empty "
                            "database (a new one, or one only migrated)");
  }
  return BackupStatus::Ok();
}

}  // namespace

BackupStatus RestoreBackup(Database& db, const BackupKey& key, ByteSource* src,
                           std::span<const Migration> migrations, int64_t now_ms,
                           ContentSummary* summary) {
  ChunkReader in;
  if (BackupStatus s = in.Open(key, src); !s.ok()) return s;
  const Header& h = in.header();
  const auto known = static_cast<size_t>(
      std::count_if(migrations.begin(), migrations.end(),
                    [&](const Migration& m) { return m.version <= h.schema_version; }));
  const int64_t newest = migrations.empty() ? 0 : migrations.back().version;
  if (h.schema_version > newest)
    return BackupFail(BackupError::kSchema,
                      "the backup is of schema " + std::to_string(h.schema_version) +
                          ", newer than this binary's (" + std::to_string(newest) +
                          "): restore it with the release that made it, or a later one");
  if (known == 0 || migrations[known - 1].version != h.schema_version)
    return BackupFail(BackupError::kSchema, "the backup's schema version " +
                                                std::to_string(h.schema_version) +
                                                " is none of this binary's migrations");
  if (BackupStatus s = CheckEmpty(db); !s.ok()) return s;
  int64_t target = 0;
  if (Status s = SchemaVersion(db, &target); !s.ok()) return FromStore(s, "target schema");
  if (target > h.schema_version)
    return BackupFail(BackupError::kSchema,
                      "the target is at schema " + std::to_string(target) +
                          ", above the backup's " + std::to_string(h.schema_version) +
                          ": restore into a new database (it is migrated to the backup's "
                          "schema, and later migrations run at the next start)");
  MigrateReport report;
  if (Status s = Migrate(db, migrations.first(known), now_ms, &report); !s.ok())
    return FromStore(s, "migrating the target");
  std::vector<TableInfo> tables;
  if (Status s = ReadCatalogue(db, &tables); !s.ok()) return FromStore(s, "target catalogue");
  std::map<std::string, const TableInfo*> by_name;
  for (const TableInfo& t : tables) by_name[t.name] = &t;

  // SQLite's page cache (2 MiB by default) is far smaller than the indexes a restore
  // fills in one transaction; each index insert would then go to disk. 64 MiB for this
  // connection only.
  if (db.backend() == Backend::kSqlite)
    if (Status s = db.ExecScript("PRAGMA cache_size = -65536"); !s.ok())
      return FromStore(s, "cache size");
  Transaction tx(db);
  if (Status s = tx.Begin(); !s.ok()) return FromStore(s, "starting the restore");
  // The target was empty before step 3: whatever is in it now, the migrations just wrote
  // (schema_migrations, and any rows a migration seeds), and the backup holds it as the
  // source had it. Cleared children first.
  for (auto t = tables.rbegin(); t != tables.rend(); ++t)
    if (Status s = db.ExecScript("DELETE FROM " + t->name); !s.ok())
      return FromStore(s, "clearing " + t->name);
  DumpReader dump(&in);
  ContentSummary sum;
  sum.header = h;
  std::vector<std::string_view> columns;
  std::vector<std::vector<Value>> batch;
  batch.reserve(kRestoreBatchRows);
  const TableInfo* current = nullptr;
  auto flush = [&]() -> BackupStatus {
    if (batch.empty()) return BackupStatus::Ok();
    Status s = db.BulkInsert(current->name, columns, batch);
    batch.clear();
    if (!s.ok()) return FromStore(s, "inserting into " + current->name);
    return BackupStatus::Ok();
  };
  for (;;) {
    DumpItem item{};
    if (BackupStatus s = dump.Next(&item); !s.ok()) return s;
    if (item == DumpItem::kEnd) break;
    switch (item) {
      case DumpItem::kTable: {
        auto it = by_name.find(dump.table());
        if (it == by_name.end())
          return BackupFail(BackupError::kSchema, "the backup's table " + dump.table() +
                                                      " is not in the target's schema");
        current = it->second;
        columns.clear();
        for (const std::string& c : dump.columns()) {
          if (std::find(current->columns.begin(), current->columns.end(), c) ==
              current->columns.end())
            return BackupFail(BackupError::kSchema, "the backup's column " + dump.table() + "." +
                                                        c + " is not in the target's table");
          columns.push_back(c);
        }
        break;
      }
      case DumpItem::kRow:
        batch.push_back(std::move(dump.row()));
        if (batch.size() >= kRestoreBatchRows)
          if (BackupStatus s = flush(); !s.ok()) return s;
        break;
      case DumpItem::kEndTable:
        if (BackupStatus s = flush(); !s.ok()) return s;
        sum.tables.emplace_back(dump.table(), dump.table_rows());
        if (db.backend() == Backend::kPostgres)
          if (BackupStatus s = AdvanceSequences(db, *current); !s.ok()) return s;
        break;
      case DumpItem::kEnd:
        break;
    }
  }
  if (Status s = tx.Commit(); !s.ok()) return FromStore(s, "committing the restore");
  sum.rows = dump.rows();
  sum.file_bytes = in.file_bytes();
  sum.chunks = in.chunks();
  if (summary != nullptr) *summary = std::move(sum);
  return BackupStatus::Ok();
}

}  // namespace vigil::cloud::backup
