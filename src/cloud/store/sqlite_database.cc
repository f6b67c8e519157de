#include "cloud/store/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

namespace vigil::cloud {
namespace {

// Rows per multi-row INSERT: SQLite binds at most 32766 parameters per statement; 128
// rows keep the statement small and amortise its step.
constexpr size_t kBulkRows = 128;

Status FromSqlite(sqlite3* db, int rc) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Fail(StoreError::kConstraint, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Fail(StoreError::kBusy, msg);
    default:
      return Fail(StoreError::kQuery, msg);
  }
}

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override {
    for (auto& [sql, st] : cache_) sqlite3_finalize(st);
    sqlite3_close_v2(db_);
  }

  Backend backend() const override { return Backend::kSqlite; }

  Status Execute(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows,
                 int64_t* changes) override {
    sqlite3_stmt* st = nullptr;
    if (Status s = Prepare(sql, &st); !s.ok()) return s;
    if (static_cast<size_t>(sqlite3_bind_parameter_count(st)) != params.size())
      return Fail(StoreError::kMisuse,
                  "statement takes " + std::to_string(sqlite3_bind_parameter_count(st)) +
                      " parameters, " + std::to_string(params.size()) + " given");
    if (Status s = Bind(st, params, 0); !s.ok()) return s;
    return Step(st, rows, changes);
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      Status s = FromSqlite(db_, rc);
      if (err != nullptr) {
        s.message = err;
        sqlite3_free(err);
      }
      return s;
    }
    return Status::Ok();
  }

  Status Begin() override {
    if (in_tx_) return Fail(StoreError::kMisuse, "a transaction is already open");
    // IMMEDIATE: take the write lock now, so that two writers wait on the busy timeout
    // instead of failing at their first write with a lock upgrade deadlock.
    if (Status s = ExecScript("BEGIN IMMEDIATE"); !s.ok()) return s;
    in_tx_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    if (!in_tx_) return Fail(StoreError::kMisuse, "no open transaction");
    Status s = ExecScript("COMMIT");
    if (s.ok()) in_tx_ = false;
    return s;
  }
  Status Rollback() override {
    if (!in_tx_) return Status::Ok();
    in_tx_ = false;
    return ExecScript("ROLLBACK");
  }
  bool in_transaction() const override { return in_tx_; }

  Status BulkInsert(std::string_view table, std::span<const std::string_view> columns,
                    std::span<const std::vector<Value>> rows) override {
    if (rows.empty()) return Status::Ok();
    for (const auto& r : rows)
      if (r.size() != columns.size())
        return Fail(StoreError::kMisuse, "a bulk row has the wrong number of values");
    return WithinTransaction(*this, [&] { return BulkChunks(table, columns, rows); });
  }

  std::string_view BlobType() const override { return "BLOB"; }
  std::string_view RealType() const override { return "REAL"; }
  std::string_view IdentityKey() const override { return "INTEGER PRIMARY KEY"; }

 private:
  Status BulkChunks(std::string_view table, std::span<const std::string_view> columns,
                    std::span<const std::vector<Value>> rows) {
    size_t i = 0;
    while (i < rows.size()) {
      const size_t n = std::min(kBulkRows, rows.size() - i);
      std::string sql = "INSERT INTO " + std::string(table) + " (";
      for (size_t c = 0; c < columns.size(); ++c) {
        if (c) sql += ',';
        sql += columns[c];
      }
      sql += ") VALUES ";
      std::string one = "(";
      for (size_t c = 0; c < columns.size(); ++c) one += c ? ",?" : "?";
      one += ')';
      for (size_t r = 0; r < n; ++r) {
        if (r) sql += ',';
        sql += one;
      }
      sqlite3_stmt* st = nullptr;
      if (Status s = Prepare(sql, &st); !s.ok()) return s;
      int index = 0;
      for (size_t r = 0; r < n; ++r) {
        if (Status s = Bind(st, rows[i + r], index); !s.ok()) return s;
        index += static_cast<int>(columns.size());
      }
      if (Status s = Step(st, nullptr, nullptr); !s.ok()) return s;
      i += n;
    }
    return Status::Ok();
  }

  Status Prepare(std::string_view sql, sqlite3_stmt** out) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) {
      *out = it->second;
      return Status::Ok();
    }
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                      SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) return FromSqlite(db_, rc);
    cache_.emplace(std::move(key), st);
    *out = st;
    return Status::Ok();
  }

  Status Bind(sqlite3_stmt* st, std::span<const Value> params, int offset) {
    for (size_t i = 0; i < params.size(); ++i) {
      const int k = offset + static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(st, k);
      } else if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(st, k, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(st, k, *d);
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        rc = sqlite3_bind_text64(st, k, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else if (const auto* b = std::get_if<Blob>(&v)) {
        // An empty vector's data() may be null, which SQLite would bind as NULL.
        rc = b->empty() ? sqlite3_bind_zeroblob(st, k, 0)
                        : sqlite3_bind_blob64(st, k, b->data(), b->size(), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) {
        sqlite3_reset(st);
        return FromSqlite(db_, rc);
      }
    }
    return Status::Ok();
  }

  Status Step(sqlite3_stmt* st, std::vector<Row>* rows, int64_t* changes) {
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Status s = FromSqlite(db_, rc);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return s;
      }
      if (rows == nullptr) continue;
      Row row;
      const int n = sqlite3_column_count(st);
      row.cols.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_INTEGER:
            row.cols.emplace_back(int64_t{sqlite3_column_int64(st, c)});
            break;
          case SQLITE_FLOAT:
            row.cols.emplace_back(sqlite3_column_double(st, c));
            break;
          case SQLITE_TEXT:
            row.cols.emplace_back(
                std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, c)),
                            static_cast<size_t>(sqlite3_column_bytes(st, c))));
            break;
          case SQLITE_BLOB: {
            const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, c));
            row.cols.emplace_back(Blob(p, p + sqlite3_column_bytes(st, c)));
            break;
          }
          default:
            row.cols.emplace_back(nullptr);
        }
      }
      rows->push_back(std::move(row));
    }
    if (changes != nullptr) *changes = sqlite3_changes64(db_);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return Status::Ok();
  }

  sqlite3* db_;
  bool in_tx_ = false;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Status OpenSqlite(const std::string& path, const OpenOptions& options,
                  std::unique_ptr<Database>* out) {
  // Create the file with mode 0600 before SQLite does (it would use 0644 and the umask):
  // ciphertext only, but the row structure still tells who was measured when.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(StoreError::kConnect, "cannot open " + path + ": " + strerror(errno));
  ::close(fd);
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Fail(StoreError::kConnect, path + ": " + sqlite3_errmsg(db));
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto d = std::make_unique<SqliteDatabase>(db);
  const std::string pragmas =
      std::string("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=") +
      (options.sqlite_sync_normal ? "NORMAL" : "FULL") + ";";
  if (Status s = d->ExecScript(pragmas); !s.ok()) {
    s.code = StoreError::kConnect;
    s.message = path + ": " + s.message;
    return s;
  }
  *out = std::move(d);
  return Status::Ok();
}

}  // namespace vigil::cloud
