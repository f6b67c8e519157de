#include "cloud/backup/backup_writer.h"

#include "cloud/backup/catalogue.h"
#include "cloud/backup/chunk_cipher.h"
#include "cloud/backup/dump_codec.h"

namespace vigil::cloud::backup {
namespace {

BackupStatus FromStore(const Status& s, const std::string& what) {
  return BackupFail(BackupError::kDatabase, what + ": " + s.ToString());
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Streams one table's rows, page by page, into `dump`.
BackupStatus DumpTable(Database& db, const TableInfo& t, DumpWriter* dump, uint64_t* rows) {
  if (BackupStatus s = dump->BeginTable(t.name, t.columns); !s.ok()) return s;
  const std::string select = "SELECT " + Join(t.columns) + " FROM " + t.name;
  std::vector<size_t> key_at;
  for (const std::string& k : t.key)
    for (size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i] == k) key_at.push_back(i);
  const bool keyset = !t.key.empty() && key_at.size() == t.key.size();
  const std::string order = " ORDER BY " + Join(keyset ? t.key : t.columns);
  const std::string limit = " LIMIT " + std::to_string(kPageRows);
  std::string after;
  if (keyset) {
    std::string marks;
    for (size_t i = 0; i < t.key.size(); ++i) marks += i ? ", ?" : "?";
    after = " WHERE (" + Join(t.key) + ") > (" + marks + ")";
  }
  std::vector<Value> last;
  uint64_t offset = 0;
  std::vector<Row> page;
  for (;;) {
    page.clear();
    Status s;
    if (!keyset)
      s = db.Execute(select + order + limit + " OFFSET " + std::to_string(offset), {}, &page);
    else if (last.empty())
      s = db.Execute(select + order + limit, {}, &page);
    else
      s = db.Execute(select + after + order + limit, std::span<const Value>(last), &page);
    if (!s.ok()) return FromStore(s, "reading " + t.name);
    for (const Row& r : page)
      if (BackupStatus b = dump->Row(r.cols); !b.ok()) return b;
    *rows += page.size();
    offset += page.size();
    if (page.size() < kPageRows) break;
    if (keyset) {
      last.clear();
      for (size_t i : key_at) last.push_back(page.back().cols[i]);
    }
  }
  return dump->EndTable();
}

}  // namespace

BackupStatus WriteBackup(Database& db, const BackupKey& key, int64_t now_ms, ByteSink* sink,
                         BackupSummary* summary, uint32_t chunk_size) {
  // The snapshot: on SQLite a plain BEGIN (deferred: it takes no write lock, unlike
  // Database::Begin), whose first read fixes what every later read sees.
  const bool sqlite = db.backend() == Backend::kSqlite;
  if (Status s =
          db.ExecScript(sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      !s.ok())
    return FromStore(s, "starting the snapshot");
  struct EndSnapshot {
    Database& db;
    ~EndSnapshot() { db.ExecScript("ROLLBACK"); }  // read only: nothing to keep
  } end{db};

  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}, &rows);
      !s.ok())
    return BackupFail(BackupError::kSchema,
                      "not a migrated cloud database (schema_migrations: " + s.message + ")");
  std::vector<TableInfo> tables;
  if (Status s = ReadCatalogue(db, &tables); !s.ok()) return FromStore(s, "reading the catalogue");

  Header h;
  h.backend = sqlite ? SourceBackend::kSqlite : SourceBackend::kPostgres;
  h.chunk_size = chunk_size;
  h.schema_version = rows.at(0).Int(0);
  h.created_ms = now_ms;
  ChunkWriter out;
  if (BackupStatus s = out.Start(key, h, sink); !s.ok()) return s;
  DumpWriter dump(&out);
  BackupSummary sum;
  sum.backend = std::string(SourceBackendName(h.backend));
  sum.schema_version = h.schema_version;
  for (const TableInfo& t : tables) {
    uint64_t n = 0;
    if (BackupStatus s = DumpTable(db, t, &dump, &n); !s.ok()) return s;
    sum.tables.emplace_back(t.name, n);
    sum.rows += n;
  }
  if (BackupStatus s = dump.End(); !s.ok()) return s;
  if (BackupStatus s = out.Finish(); !s.ok()) return s;
  sum.content_bytes = out.plain_bytes();
  sum.file_bytes = out.file_bytes();
  sum.chunks = out.chunks();
  if (summary != nullptr) *summary = std::move(sum);
  return BackupStatus::Ok();
}

}  // namespace vigil::cloud::backup
