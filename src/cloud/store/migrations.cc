#include "cloud/store/migrations.h"

namespace vigil::cloud {
namespace {

// Any constant: the key of the advisory lock PostgreSQL migrations serialise on.
constexpr int64_t kMigrationLock = 0x5647434c4f5544;  // "VGCLOUD"

constexpr std::string_view kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)";

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  for (size_t p = s->find(from); p != std::string::npos; p = s->find(from, p + to.size()))
    s->replace(p, from.size(), to);
}

}  // namespace

std::string ExpandSchemaSql(std::string_view sql, const Database& db) {
  std::string s(sql);
  ReplaceAll(&s, "@BLOB@", db.BlobType());
  ReplaceAll(&s, "@REAL@", db.RealType());
  ReplaceAll(&s, "@ID@", db.IdentityKey());
  return s;
}

Status SchemaVersion(Database& db, int64_t* version) {
  if (Status s = db.ExecScript(kMigrationsTable); !s.ok()) return s;
  std::vector<Row> rows;
  if (Status s = db.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}, &rows);
      !s.ok())
    return s;
  *version = rows.empty() ? 0 : rows[0].Int(0);
  return Status::Ok();
}

Status Migrate(Database& db, std::span<const Migration> migrations, int64_t now_ms,
               MigrateReport* report) {
  if (db.in_transaction()) return Fail(StoreError::kMisuse, "Migrate inside a transaction");
  const int64_t latest = migrations.empty() ? 0 : migrations.back().version;
  int64_t current = 0;
  if (Status s = SchemaVersion(db, &current); !s.ok()) return s;
  MigrateReport r;
  r.from = current;
  auto too_new = [&](int64_t v) {
    return Fail(StoreError::kTooNew, "the database is at schema version " + std::to_string(v) +
                                         ", newer than this binary's " + std::to_string(latest) +
                                         ": run a release that knows it (nothing was changed)");
  };
  if (current > latest) return too_new(current);
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Transaction tx(db);
    if (Status s = tx.Begin(); !s.ok()) return s;
    if (db.backend() == Backend::kPostgres) {
      if (Status s = db.Execute("SELECT pg_advisory_xact_lock(?)", {Value{kMigrationLock}});
          !s.ok())
        return s;
    }
    // Read again under the lock: another process may have applied it meanwhile.
    std::vector<Row> rows;
    if (Status s = db.Execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}, &rows);
        !s.ok())
      return s;
    const int64_t now_version = rows.empty() ? 0 : rows[0].Int(0);
    if (now_version > latest) return too_new(now_version);
    if (now_version >= m.version) {
      current = now_version;
      continue;  // tx rolls back: nothing was written
    }
    if (Status s = db.ExecScript(ExpandSchemaSql(m.sql, db)); !s.ok())
      return Fail(StoreError::kSchema, "migration " + std::to_string(m.version) + " (" +
                                           std::string(m.name) + "): " + s.message);
    if (Status s =
            db.Execute("INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)",
                       {Value{m.version}, Value{std::string(m.name)}, Value{now_ms}});
        !s.ok())
      return s;
    if (Status s = tx.Commit(); !s.ok()) return s;
    current = m.version;
    ++r.applied;
  }
  r.to = current;
  if (report != nullptr) *report = r;
  return Status::Ok();
}

}  // namespace vigil::cloud
