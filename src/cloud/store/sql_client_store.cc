#include "cloud/store/sql_client_store.h"

#include "cloud/store/scope_list.h"

namespace vigil::cloud {

std::optional<auth::ClientRecord> SqlClientStore::Find(std::string_view client_id) const {
  std::vector<Row> rows;
  last_ = db_.Execute("SELECT secret_hash, scopes, disabled FROM oauth_clients WHERE client_id = ?",
                      {Value{std::string(client_id)}}, &rows);
  if (!last_.ok() || rows.empty()) return std::nullopt;
  const Blob hash = rows[0].Bytes(0);
  if (hash.size() != auth::Digest{}.size()) return std::nullopt;
  auth::ClientRecord r;
  r.client_id = std::string(client_id);
  std::copy(hash.begin(), hash.end(), r.secret_hash.begin());
  r.scopes = SplitScopes(rows[0].Text(1));
  r.disabled = rows[0].Int(2) != 0;
  return r;
}

vigil::Error SqlClientStore::Changed(int64_t n) const {
  if (!last_.ok()) return vigil::Error::kIo;
  return n > 0 ? vigil::Error::kOk : vigil::Error::kNotFound;
}

vigil::Error SqlClientStore::Create(const auth::ClientRecord& r, TimeUs now) {
  last_ = db_.Execute(
      "INSERT INTO oauth_clients (client_id, secret_hash, scopes, disabled, created_us) "
      "VALUES (?, ?, ?, ?, ?)",
      {Value{r.client_id}, Value{Blob(r.secret_hash.begin(), r.secret_hash.end())},
       Value{JoinScopes(r.scopes)}, Value{int64_t{r.disabled ? 1 : 0}}, Value{now}});
  if (last_.code == StoreError::kConstraint) return vigil::Error::kInvalidState;
  return last_.ok() ? vigil::Error::kOk : vigil::Error::kIo;
}

vigil::Error SqlClientStore::SetDisabled(std::string_view client_id, bool disabled) {
  int64_t n = 0;
  last_ =
      db_.Execute("UPDATE oauth_clients SET disabled = ? WHERE client_id = ?",
                  {Value{int64_t{disabled ? 1 : 0}}, Value{std::string(client_id)}}, nullptr, &n);
  return Changed(n);
}

vigil::Error SqlClientStore::SetSecret(std::string_view client_id,
                                       const auth::Digest& secret_hash) {
  int64_t n = 0;
  last_ = db_.Execute(
      "UPDATE oauth_clients SET secret_hash = ? WHERE client_id = ?",
      {Value{Blob(secret_hash.begin(), secret_hash.end())}, Value{std::string(client_id)}}, nullptr,
      &n);
  return Changed(n);
}

vigil::Error SqlClientStore::SetScopes(std::string_view client_id,
                                       const std::vector<std::string>& scopes) {
  int64_t n = 0;
  last_ = db_.Execute("UPDATE oauth_clients SET scopes = ? WHERE client_id = ?",
                      {Value{JoinScopes(scopes)}, Value{std::string(client_id)}}, nullptr, &n);
  return Changed(n);
}

vigil::Error SqlClientStore::List(std::vector<std::string>* ids) const {
  std::vector<Row> rows;
  last_ = db_.Execute("SELECT client_id FROM oauth_clients ORDER BY client_id", {}, &rows);
  if (!last_.ok()) return vigil::Error::kIo;
  ids->clear();
  for (const Row& r : rows) ids->push_back(r.Text(0));
  return vigil::Error::kOk;
}

}  // namespace vigil::cloud
