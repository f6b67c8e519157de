// auth::ClientStore in the database (table `oauth_clients`, migration 2): the OAuth 2.0
// clients every replica answers for, with what an administrator needs to create, disable,
// re-enable and re-key them (the secret itself is shown once by GenerateClientSecret and
// never stored; the row holds ClientSecretHash).
//
// Fail closed: Find reads a database failure as "no such client" (invalid_client, the
// same answer as a wrong secret). The admin calls return kInvalidState (client id taken),
// kNotFound (no such client) or kIo (the database failed; last_status() has its message).
//
// Thread-safety: one store per Database connection; neither is thread-safe.
#pragma once

#include <string>
#include <vector>

#include "cloud/auth/client_credentials.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

class SqlClientStore final : public auth::ClientStore {
 public:
  explicit SqlClientStore(Database& db) : db_(db) {}

  std::optional<auth::ClientRecord> Find(std::string_view client_id) const override;

  vigil::Error Create(const auth::ClientRecord& r, TimeUs now);
  vigil::Error SetDisabled(std::string_view client_id, bool disabled);
  // A new secret: the old one stops working at once, on every replica.
  vigil::Error SetSecret(std::string_view client_id, const auth::Digest& secret_hash);
  vigil::Error SetScopes(std::string_view client_id, const std::vector<std::string>& scopes);
  // Every client id, sorted (for the admin listing).
  vigil::Error List(std::vector<std::string>* ids) const;

  const Status& last_status() const { return last_; }

 private:
  vigil::Error Changed(int64_t n) const;

  Database& db_;
  mutable Status last_;
};

}  // namespace vigil::cloud
