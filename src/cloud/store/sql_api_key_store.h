// auth::ApiKeyStore in the database (table `api_keys`, migration 2): a key revoked on one
// replica is refused by every other on its next call.
//
// Stored: the public key id, the domain-separated hash of the secret (api_keys.h), the
// owner, the scopes (space-separated), created, revoked (0 while valid) and last-used
// times. Touch is coalesced to one write per key per `touch_interval` (a minute by
// default), as api_keys.h allows, so that a busy gateway does not write on every call.
//
// Fail closed: Find reads a database failure as "no such key" (the call gets 401). Put
// and Revoke return kIo when the database fails; Touch sets last_status() only.
//
// Thread-safety: one store per Database connection; neither is thread-safe.
#pragma once

#include "cloud/auth/api_keys.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

class SqlApiKeyStore final : public auth::ApiKeyStore {
 public:
  explicit SqlApiKeyStore(Database& db, TimeUs touch_interval = 60 * kSeconds)
      : db_(db), touch_interval_(touch_interval) {}

  vigil::Error Put(const auth::ApiKeyRecord& r) override;  // kInvalidState if the id exists
  std::optional<auth::ApiKeyRecord> Find(std::string_view key_id) const override;
  vigil::Error Revoke(std::string_view key_id, TimeUs now) override;  // kNotFound
  void Touch(std::string_view key_id, TimeUs now) override;

  const Status& last_status() const { return last_; }

 private:
  Database& db_;
  TimeUs touch_interval_;
  mutable Status last_;
};

}  // namespace vigil::cloud
