// Versioned schema migrations, applied at start on both back-ends (docs/cloud.md,
// "Schema and migrations").
//
// A migration is a numbered script. Migrate applies, in order, every migration whose
// number is above the database's, each in its own transaction together with its row in
// schema_migrations (version, name, applied_ms): a migration is applied once or not at
// all. Two processes migrating at the same time serialise (SQLite's write lock; a
// PostgreSQL advisory lock) and the second finds the work done.
//
// A database whose highest applied version is above the highest this binary knows was
// migrated by a newer release: Migrate refuses it with kTooNew and changes nothing.
//
// Scripts are written once for both back-ends; three tokens stand for the types that
// differ: @BLOB@ (BLOB / BYTEA), @REAL@ (REAL / DOUBLE PRECISION) and @ID@ (an integer
// key the database assigns: INTEGER PRIMARY KEY / BIGSERIAL PRIMARY KEY).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cloud/store/database.h"

namespace vigil::cloud {

struct Migration {
  int64_t version;        // 1, 2, 3 ...: strictly increasing
  std::string_view name;  // short, for the table and the log
  std::string_view sql;   // with the tokens above
};

struct MigrateReport {
  int64_t from = 0;  // the database's version before
  int64_t to = 0;    // after
  int applied = 0;
};

// `sql` with the tokens replaced for `db`'s back-end.
std::string ExpandSchemaSql(std::string_view sql, const Database& db);

// REQUIRES: no transaction open on `db`; `migrations` sorted by version.
// Errors: kTooNew (database newer than `migrations`), kSchema (a migration failed: its
// transaction was rolled back; the message names it), or the database's error.
Status Migrate(Database& db, std::span<const Migration> migrations, int64_t now_ms,
               MigrateReport* report);

// The highest version applied (0 for an empty database).
Status SchemaVersion(Database& db, int64_t* version);

}  // namespace vigil::cloud
