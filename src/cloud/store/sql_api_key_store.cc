#include "cloud/store/sql_api_key_store.h"

#include <vector>

#include "cloud/store/scope_list.h"

namespace vigil::cloud {

vigil::Error SqlApiKeyStore::Put(const auth::ApiKeyRecord& r) {
  last_ = db_.Execute(
      "INSERT INTO api_keys (key_id, secret_hash, owner, scopes, created_us, revoked_us, "
      "last_used_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
      {Value{r.key_id}, Value{Blob(r.secret_hash.begin(), r.secret_hash.end())}, Value{r.owner},
       Value{JoinScopes(r.scopes)}, Value{r.created}, Value{r.revoked}, Value{r.last_used}});
  if (last_.code == StoreError::kConstraint) return vigil::Error::kInvalidState;
  return last_.ok() ? vigil::Error::kOk : vigil::Error::kIo;
}

std::optional<auth::ApiKeyRecord> SqlApiKeyStore::Find(std::string_view key_id) const {
  std::vector<Row> rows;
  last_ = db_.Execute(
      "SELECT secret_hash, owner, scopes, created_us, revoked_us, last_used_us FROM api_keys "
      "WHERE key_id = ?",
      {Value{std::string(key_id)}}, &rows);
  if (!last_.ok() || rows.empty()) return std::nullopt;
  const Blob hash = rows[0].Bytes(0);
  // A hash of the wrong size cannot verify; reading it as absent keeps the answer 401.
  if (hash.size() != auth::Digest{}.size()) return std::nullopt;
  auth::ApiKeyRecord r;
  r.key_id = std::string(key_id);
  std::copy(hash.begin(), hash.end(), r.secret_hash.begin());
  r.owner = rows[0].Text(1);
  r.scopes = SplitScopes(rows[0].Text(2));
  r.created = rows[0].Int(3);
  r.revoked = rows[0].Int(4);
  r.last_used = rows[0].Int(5);
  return r;
}

vigil::Error SqlApiKeyStore::Revoke(std::string_view key_id, TimeUs now) {
  int64_t n = 0;
  // The first revocation time stays: it is when the key stopped being valid.
  last_ = db_.Execute("UPDATE api_keys SET revoked_us = ? WHERE key_id = ? AND revoked_us = 0",
                      {Value{now}, Value{std::string(key_id)}}, nullptr, &n);
  if (!last_.ok()) return vigil::Error::kIo;
  if (n > 0) return vigil::Error::kOk;
  std::vector<Row> rows;
  last_ =
      db_.Execute("SELECT 1 FROM api_keys WHERE key_id = ?", {Value{std::string(key_id)}}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  return rows.empty() ? vigil::Error::kNotFound : vigil::Error::kOk;
}

void SqlApiKeyStore::Touch(std::string_view key_id, TimeUs now) {
  last_ = db_.Execute("UPDATE api_keys SET last_used_us = ? WHERE key_id = ? AND last_used_us <= ?",
                      {Value{now}, Value{std::string(key_id)}, Value{now - touch_interval_}});
}

}  // namespace vigil::cloud
