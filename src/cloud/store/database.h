// The cloud's database abstraction: one interface, two back-ends (SQLite, the default,
// one file in WAL mode; PostgreSQL through libpq), so that the schema, the ingest and the
// queries above it are written once (docs/cloud.md, "The store").
//
// Statements: SQL text with `?` placeholders and bound parameters only; values are never
// spliced into SQL. Each distinct SQL text is prepared once per connection and cached
// (the PostgreSQL back-end rewrites `?` to `$1..$n` when it prepares). Write SQL that both
// back-ends accept: ON CONFLICT ... DO NOTHING / DO UPDATE, RETURNING, partial indexes
// are common to SQLite >= 3.35 and PostgreSQL.
//
// Transactions: Begin/Commit/Rollback; one at a time per connection. Without Begin, each
// statement commits on its own.
//
// Bulk: BulkInsert writes many rows of one table: a multi-row INSERT (chunks of rows per
// statement) on SQLite, COPY ... FROM STDIN on PostgreSQL. Inside an open transaction it
// joins it; otherwise it runs in its own.
//
// Errors: every call returns a Status with the database's own message; a failed
// statement inside a transaction leaves the transaction for the caller to roll back.
//
// Thread-safety: a Database is one connection; not thread-safe. Open one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cloud/store/store_error.h"

namespace vigil::cloud {

using Blob = std::vector<uint8_t>;
// NULL, INTEGER (64 bit), REAL (double), TEXT (UTF-8), BLOB / BYTEA.
using Value = std::variant<std::nullptr_t, int64_t, double, std::string, Blob>;

// One result row. Accessors convert leniently (a NULL reads as 0 or empty) so that a
// caller that checked IsNull where NULL is possible gets what it expects.
struct Row {
  std::vector<Value> cols;

  bool IsNull(size_t i) const;
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  std::string Text(size_t i) const;
  Blob Bytes(size_t i) const;
};

enum class Backend : uint8_t { kSqlite, kPostgres };
std::string_view BackendName(Backend b);

class Database {
 public:
  virtual ~Database() = default;

  virtual Backend backend() const = 0;

  // Runs one statement with `params` bound to its `?` placeholders in order. Rows, if
  // any, are appended to `rows` (may be null); `changes` (may be null) receives the
  // number of rows inserted, updated or deleted.
  // Errors: kMisuse (parameter count), kConstraint, kBusy, kQuery.
  virtual Status Execute(std::string_view sql, std::span<const Value> params,
                         std::vector<Row>* rows = nullptr, int64_t* changes = nullptr) = 0;
  Status Execute(std::string_view sql, std::initializer_list<Value> params,
                 std::vector<Row>* rows = nullptr, int64_t* changes = nullptr) {
    return Execute(sql, std::span<const Value>(params.begin(), params.size()), rows, changes);
  }

  // Runs a script of statements without parameters (DDL of the migrations).
  virtual Status ExecScript(std::string_view sql) = 0;

  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;  // a no-op without an open transaction
  virtual bool in_transaction() const = 0;

  // Inserts `rows` (each with one value per column, in `columns` order) into `table`.
  // `table` and `columns` are identifiers chosen by the code, never input.
  virtual Status BulkInsert(std::string_view table, std::span<const std::string_view> columns,
                            std::span<const std::vector<Value>> rows) = 0;

  // The SQL type names that differ between the back-ends, for the migrations.
  virtual std::string_view BlobType() const = 0;     // BLOB / BYTEA
  virtual std::string_view RealType() const = 0;     // REAL / DOUBLE PRECISION
  virtual std::string_view IdentityKey() const = 0;  // INTEGER PRIMARY KEY / BIGSERIAL ...
};

// Opens the database that `url` names:
//   sqlite:///abs/path/cloud.db, sqlite://rel/path.db or a plain path: SQLite (created
//     with mode 0600 if missing; WAL journal, synchronous=FULL unless `sqlite_sync_normal`);
//   postgresql://... or postgres://...: PostgreSQL (libpq's URI syntax, unix sockets via
//     ?host=/dir).
// Errors: kBadUrl, kConnect (with the database's message).
struct OpenOptions {
  bool sqlite_sync_normal = false;
  int busy_timeout_ms = 5000;
};
Status OpenDatabase(std::string_view url, const OpenOptions& options,
                    std::unique_ptr<Database>* out);

// A transaction that rolls back unless committed: for code paths with early returns.
class Transaction {
 public:
  explicit Transaction(Database& db) : db_(db) {}
  ~Transaction() {
    if (open_) db_.Rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Begin() {
    Status s = db_.Begin();
    open_ = s.ok();
    return s;
  }
  Status Commit() {
    Status s = db_.Commit();
    if (s.ok()) open_ = false;
    return s;
  }

 private:
  Database& db_;
  bool open_ = false;
};

// Runs `body` inside the caller's open transaction, or in one of its own (committed if
// `body` succeeds, rolled back if not) when none is open: what a bulk write needs so that
// it is whole on its own and part of a larger transaction when called within one.
Status WithinTransaction(Database& db, const std::function<Status()>& body);

}  // namespace vigil::cloud
