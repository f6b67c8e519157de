#include "cloud/store/database.h"

#include <charconv>

#include "cloud/store/postgres_database.h"
#include "cloud/store/sqlite_database.h"

namespace vigil::cloud {

bool Row::IsNull(size_t i) const {
  return i >= cols.size() || std::holds_alternative<std::nullptr_t>(cols[i]);
}

int64_t Row::Int(size_t i) const {
  if (i >= cols.size()) return 0;
  if (const auto* v = std::get_if<int64_t>(&cols[i])) return *v;
  if (const auto* d = std::get_if<double>(&cols[i])) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&cols[i])) {
    int64_t out = 0;
    std::from_chars(s->data(), s->data() + s->size(), out);
    return out;
  }
  return 0;
}

double Row::Real(size_t i) const {
  if (i >= cols.size()) return 0;
  if (const auto* d = std::get_if<double>(&cols[i])) return *d;
  if (const auto* v = std::get_if<int64_t>(&cols[i])) return static_cast<double>(*v);
  return 0;
}

std::string Row::Text(size_t i) const {
  if (i >= cols.size()) return {};
  if (const auto* s = std::get_if<std::string>(&cols[i])) return *s;
  if (const auto* v = std::get_if<int64_t>(&cols[i])) return std::to_string(*v);
  if (const auto* b = std::get_if<Blob>(&cols[i])) return std::string(b->begin(), b->end());
  return {};
}

Blob Row::Bytes(size_t i) const {
  if (i >= cols.size()) return {};
  if (const auto* b = std::get_if<Blob>(&cols[i])) return *b;
  if (const auto* s = std::get_if<std::string>(&cols[i])) return Blob(s->begin(), s->end());
  return {};
}

std::string_view BackendName(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgresql"; }

Status OpenDatabase(std::string_view url, const OpenOptions& options,
                    std::unique_ptr<Database>* out) {
  if (url.empty()) return Fail(StoreError::kBadUrl, "empty database address");
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return OpenPostgres(std::string(url), out);
  std::string path(url);
  if (url.starts_with("sqlite:")) {
    std::string_view rest = url.substr(7);
    if (!rest.starts_with("//"))
      return Fail(StoreError::kBadUrl, "expected sqlite:///path or sqlite://path");
    path = std::string(rest.substr(2));
  } else if (url.find("://") != std::string_view::npos) {
    return Fail(StoreError::kBadUrl, "unknown database scheme in '" + std::string(url) +
                                         "' (sqlite://, postgresql:// or a path)");
  }
  if (path.empty()) return Fail(StoreError::kBadUrl, "empty SQLite path");
  return OpenSqlite(path, options, out);
}

Status WithinTransaction(Database& db, const std::function<Status()>& body) {
  if (db.in_transaction()) return body();
  if (Status s = db.Begin(); !s.ok()) return s;
  Status s = body();
  if (s.ok()) return db.Commit();
  db.Rollback();
  return s;
}

}  // namespace vigil::cloud
