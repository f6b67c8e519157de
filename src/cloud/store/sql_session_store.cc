#include "cloud/store/sql_session_store.h"

#include <algorithm>
#include <vector>

namespace vigil::cloud {
namespace {

Value HashValue(const auth::Digest& d) { return Value{Blob(d.begin(), d.end())}; }

}  // namespace

vigil::Error SqlSessionStore::Put(const auth::SessionRecord& r) {
  last_ = db_.Execute(
      "INSERT INTO sessions (id_hash, user_id, csrf_token, created_us, last_seen_us, revoked) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {HashValue(r.id_hash), Value{r.user_id}, Value{r.csrf_token}, Value{r.created},
       Value{r.last_seen}, Value{int64_t{r.revoked ? 1 : 0}}});
  if (last_.code == StoreError::kConstraint) return vigil::Error::kInvalidState;
  return last_.ok() ? vigil::Error::kOk : vigil::Error::kIo;
}

std::optional<auth::SessionRecord> SqlSessionStore::Find(const auth::Digest& id_hash) const {
  std::vector<Row> rows;
  last_ = db_.Execute(
      "SELECT user_id, csrf_token, created_us, last_seen_us, revoked FROM sessions "
      "WHERE id_hash = ?",
      {HashValue(id_hash)}, &rows);
  if (!last_.ok() || rows.empty()) return std::nullopt;
  auth::SessionRecord r;
  r.id_hash = id_hash;
  r.user_id = rows[0].Text(0);
  r.csrf_token = rows[0].Text(1);
  r.created = rows[0].Int(2);
  r.last_seen = rows[0].Int(3);
  r.revoked = rows[0].Int(4) != 0;
  return r;
}

void SqlSessionStore::Touch(const auth::Digest& id_hash, TimeUs now) {
  // Only forwards: two replicas touching out of order never move the idle timer back.
  last_ = db_.Execute("UPDATE sessions SET last_seen_us = ? WHERE id_hash = ? AND last_seen_us < ?",
                      {Value{now}, HashValue(id_hash), Value{now}});
}

void SqlSessionStore::Revoke(const auth::Digest& id_hash) {
  last_ = db_.Execute("UPDATE sessions SET revoked = 1 WHERE id_hash = ?", {HashValue(id_hash)});
}

size_t SqlSessionStore::RevokeUser(std::string_view user_id) {
  int64_t n = 0;
  last_ = db_.Execute("UPDATE sessions SET revoked = 1 WHERE user_id = ? AND revoked = 0",
                      {Value{std::string(user_id)}}, nullptr, &n);
  return last_.ok() ? static_cast<size_t>(std::max<int64_t>(n, 0)) : 0;
}

size_t SqlSessionStore::RevokeOthers(std::string_view user_id, const auth::Digest& keep) {
  int64_t n = 0;
  last_ = db_.Execute(
      "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND revoked = 0 AND id_hash <> ?",
      {Value{std::string(user_id)}, HashValue(keep)}, nullptr, &n);
  return last_.ok() ? static_cast<size_t>(std::max<int64_t>(n, 0)) : 0;
}

size_t SqlSessionStore::DeleteExpired(TimeUs idle_before, TimeUs created_before) {
  int64_t n = 0;
  last_ = db_.Execute("DELETE FROM sessions WHERE last_seen_us < ? OR created_us < ?",
                      {Value{idle_before}, Value{created_before}}, nullptr, &n);
  return last_.ok() ? static_cast<size_t>(std::max<int64_t>(n, 0)) : 0;
}

}  // namespace vigil::cloud
