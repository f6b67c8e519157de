#include "cloud/store/postgres_database.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <unordered_map>

namespace vigil::cloud {
namespace {

// Type OIDs of the columns the schema uses (pg_type.h).
constexpr Oid kBoolOid = 16, kByteaOid = 17, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23,
              kFloat4Oid = 700, kFloat8Oid = 701, kNumericOid = 1700;

std::string Trim(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

Status FromResult(PGresult* r, PGconn* c) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = Trim(r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(c));
  if (msg.empty()) msg = Trim(PQerrorMessage(c));
  if (state != nullptr) {
    if (std::strncmp(state, "23", 2) == 0) return Fail(StoreError::kConstraint, msg);
    if (std::strcmp(state, "40001") == 0 || std::strcmp(state, "40P01") == 0 ||
        std::strcmp(state, "55P03") == 0)
      return Fail(StoreError::kBusy, msg);
  }
  if (PQstatus(c) != CONNECTION_OK) return Fail(StoreError::kConnect, msg);
  return Fail(StoreError::kQuery, msg);
}

// `?` -> `$n` outside quoted literals and identifiers.
std::string Placeholders(std::string_view sql, int* count) {
  std::string out;
  out.reserve(sql.size() + 16);
  char quote = 0;
  int n = 0;
  for (char ch : sql) {
    if (quote != 0) {
      if (ch == quote) quote = 0;
      out += ch;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
    } else if (ch == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += ch;
    }
  }
  *count = n;
  return out;
}

std::string DoubleText(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, r.ptr);
}

// COPY's text format: backslash escapes for the delimiter, newlines and backslash.
void CopyText(std::string_view s, std::string* out) {
  for (char ch : s) {
    switch (ch) {
      case '\\':
        *out += "\\\\";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      default:
        *out += ch;
    }
  }
}

void CopyValue(const Value& v, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (std::holds_alternative<std::nullptr_t>(v)) {
    *out += "\\N";
  } else if (const auto* n = std::get_if<int64_t>(&v)) {
    *out += std::to_string(*n);
  } else if (const auto* d = std::get_if<double>(&v)) {
    *out += DoubleText(*d);
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    CopyText(*s, out);
  } else if (const auto* b = std::get_if<Blob>(&v)) {
    *out += "\\\\x";  // bytea hex input, its backslash escaped for COPY
    for (uint8_t x : *b) {
      *out += kHex[x >> 4];
      *out += kHex[x & 15];
    }
  }
}

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PGconn* c) : c_(c) {}
  ~PostgresDatabase() override { PQfinish(c_); }

  Backend backend() const override { return Backend::kPostgres; }

  Status Execute(std::string_view sql, std::span<const Value> params, std::vector<Row>* rows,
                 int64_t* changes) override {
    const Prepared* p = nullptr;
    if (Status s = Prepare(sql, &p); !s.ok()) return s;
    if (static_cast<size_t>(p->params) != params.size())
      return Fail(StoreError::kMisuse, "statement takes " + std::to_string(p->params) +
                                           " parameters, " + std::to_string(params.size()) +
                                           " given");
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        values[i] = nullptr;
      } else if (const auto* b = std::get_if<Blob>(&v)) {
        // Never a null pointer (libpq's NULL) for an empty value.
        values[i] = b->empty() ? "" : reinterpret_cast<const char*>(b->data());
        lengths[i] = static_cast<int>(b->size());
        formats[i] = 1;
      } else {
        if (const auto* n = std::get_if<int64_t>(&v))
          text[i] = std::to_string(*n);
        else if (const auto* d = std::get_if<double>(&v))
          text[i] = DoubleText(*d);
        else
          text[i] = std::get<std::string>(v);
        values[i] = text[i].c_str();
        lengths[i] = static_cast<int>(text[i].size());
      }
    }
    PGresult* r = PQexecPrepared(c_, p->name.c_str(), static_cast<int>(params.size()),
                                 values.data(), lengths.data(), formats.data(), 0);
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Status s = FromResult(r, c_);
      PQclear(r);
      return s;
    }
    if (rows != nullptr && st == PGRES_TUPLES_OK) ReadRows(r, rows);
    if (changes != nullptr) {
      const char* t = PQcmdTuples(r);
      *changes = (t != nullptr && *t != 0) ? std::strtoll(t, nullptr, 10) : 0;
    }
    PQclear(r);
    return Status::Ok();
  }

  Status ExecScript(std::string_view sql) override {
    const std::string text(sql);
    PGresult* r = PQexec(c_, text.c_str());
    const ExecStatusType st = PQresultStatus(r);
    Status s = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? Status::Ok() : FromResult(r, c_);
    PQclear(r);
    return s;
  }

  Status Begin() override {
    if (in_tx_) return Fail(StoreError::kMisuse, "a transaction is already open");
    if (Status s = ExecScript("BEGIN"); !s.ok()) return s;
    in_tx_ = true;
    return Status::Ok();
  }
  Status Commit() override {
    if (!in_tx_) return Fail(StoreError::kMisuse, "no open transaction");
    in_tx_ = false;
    return ExecScript("COMMIT");  // a failed transaction's COMMIT reports it rolled back
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
    std::string sql = "COPY " + std::string(table) + " (";
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) sql += ',';
      sql += columns[c];
    }
    sql += ") FROM STDIN";
    std::string data;
    data.reserve(rows.size() * 96);
    for (const auto& r : rows) {
      if (r.size() != columns.size())
        return Fail(StoreError::kMisuse, "a bulk row has the wrong number of values");
      for (size_t c = 0; c < r.size(); ++c) {
        if (c) data += '\t';
        CopyValue(r[c], &data);
      }
      data += '\n';
    }
    return WithinTransaction(*this, [&] { return Copy(sql, data); });
  }

  std::string_view BlobType() const override { return "BYTEA"; }
  std::string_view RealType() const override { return "DOUBLE PRECISION"; }
  std::string_view IdentityKey() const override { return "BIGSERIAL PRIMARY KEY"; }

 private:
  struct Prepared {
    std::string name;
    int params = 0;
  };

  Status Copy(const std::string& sql, const std::string& data) {
    PGresult* r = PQexec(c_, sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) {
      Status s = FromResult(r, c_);
      PQclear(r);
      return s;
    }
    PQclear(r);
    if (PQputCopyData(c_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(c_, nullptr) != 1)
      return Fail(StoreError::kConnect, Trim(PQerrorMessage(c_)));
    Status s = Status::Ok();
    while ((r = PQgetResult(c_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK && s.ok()) s = FromResult(r, c_);
      PQclear(r);
    }
    return s;
  }

  Status Prepare(std::string_view sql, const Prepared** out) {
    std::string key(sql);
    if (auto it = cache_.find(key); it != cache_.end()) {
      *out = &it->second;
      return Status::Ok();
    }
    Prepared p;
    const std::string text = Placeholders(sql, &p.params);
    p.name = "v" + std::to_string(cache_.size() + 1);
    PGresult* r = PQprepare(c_, p.name.c_str(), text.c_str(), 0, nullptr);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      Status s = FromResult(r, c_);
      PQclear(r);
      return s;
    }
    PQclear(r);
    auto [it, _] = cache_.emplace(std::move(key), std::move(p));
    *out = &it->second;
    return Status::Ok();
  }

  static void ReadRows(PGresult* r, std::vector<Row>* rows) {
    const int nr = PQntuples(r), nc = PQnfields(r);
    for (int i = 0; i < nr; ++i) {
      Row row;
      row.cols.reserve(static_cast<size_t>(nc));
      for (int c = 0; c < nc; ++c) {
        if (PQgetisnull(r, i, c)) {
          row.cols.emplace_back(nullptr);
          continue;
        }
        const char* v = PQgetvalue(r, i, c);
        const size_t len = static_cast<size_t>(PQgetlength(r, i, c));
        switch (PQftype(r, c)) {
          case kInt8Oid:
          case kInt4Oid:
          case kInt2Oid:
            row.cols.emplace_back(int64_t{std::strtoll(v, nullptr, 10)});
            break;
          case kBoolOid:
            row.cols.emplace_back(int64_t{v[0] == 't' ? 1 : 0});
            break;
          case kFloat4Oid:
          case kFloat8Oid:
          case kNumericOid:
            row.cols.emplace_back(std::strtod(v, nullptr));
            break;
          case kByteaOid: {
            size_t n = 0;
            unsigned char* b = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &n);
            row.cols.emplace_back(Blob(b, b + n));
            PQfreemem(b);
            break;
          }
          default:
            row.cols.emplace_back(std::string(v, len));
        }
      }
      rows->push_back(std::move(row));
    }
  }

  PGconn* c_;
  bool in_tx_ = false;
  std::unordered_map<std::string, Prepared> cache_;
};

}  // namespace

Status OpenPostgres(const std::string& conninfo, std::unique_ptr<Database>* out) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (c == nullptr) return Fail(StoreError::kConnect, "out of memory");
  if (PQstatus(c) != CONNECTION_OK) {
    Status s = Fail(StoreError::kConnect, Trim(PQerrorMessage(c)));
    PQfinish(c);
    return s;
  }
  auto d = std::make_unique<PostgresDatabase>(c);
  // Notices (for example "relation already exists, skipping") are not errors here.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  if (Status s = d->ExecScript("SET client_min_messages = warning"); !s.ok()) return s;
  *out = std::move(d);
  return Status::Ok();
}

}  // namespace vigil::cloud
