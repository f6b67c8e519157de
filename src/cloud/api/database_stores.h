// The API's store interfaces (api_stores.h) over the database's shared state (src/cloud/
// store/: staff directory, audit log, notes, signing keys), so that every replica of
// `vigil cloud serve` on one database sees the same users, writes one audit chain and
// signs tokens that every other replica accepts (docs/cloud.md, "Shared state").
//
// Each takes the API thread's Database connection (not thread-safe: one thread).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cloud/api/api_stores.h"
#include "cloud/audit/chain_head.h"
#include "cloud/store/audit_log.h"
#include "cloud/store/notes_store.h"
#include "cloud/store/sql_signing_keys.h"
#include "cloud/store/staff_directory.h"

namespace vigil::cloud::api {

class DatabaseDirectory final : public Directory {
 public:
  explicit DatabaseDirectory(Database& db) : db_(db), staff_(db) {}
  Status Find(std::string_view user_id, std::optional<UserAccount>* out) override;
  Status List(std::vector<UserAccount>* out) override;
  Status Create(const UserAccount& account) override;
  Status Disable(std::string_view user_id) override;
  Status SetPasswordHash(std::string_view user_id, std::string_view hash) override;
  Status CareTeamsOf(int64_t patient_id, std::vector<std::string>* out) override;
  Status Update(std::string_view user_id, const AccountChange& change) override;
  Status SetCareTeams(int64_t patient_id, const std::vector<std::string>& teams) override;

 private:
  Status Duties(std::string_view user_id, UserAccount* a);
  Database& db_;
  StaffDirectory staff_;
};

// The one audit chain in the database. Signs a new head (chain_head.h) after every
// `sign_every` appends, so that a cut tail is caught by `vigil audit verify`.
class DatabaseAuditSink final : public AuditSink {
 public:
  DatabaseAuditSink(Database& db, const audit::HeadSigner* signer, uint64_t sign_every = 100)
      : db_(db), log_(db), signer_(signer), sign_every_(sign_every) {}
  Status Append(const audit::AuditRecord& record, audit::ChainEntry* out) override;
  Status Read(uint64_t from_seq, size_t limit, std::vector<audit::ChainEntry>* out) override;

 private:
  Database& db_;
  AuditLog log_;
  const audit::HeadSigner* signer_;
  uint64_t sign_every_;
};

class DatabaseNotes final : public NotesStore {
 public:
  DatabaseNotes(Database& db, const Keyring& keys) : notes_(db, keys) {}
  Status Add(const Note& note, Note* out) override;
  Status ForPatient(int64_t patient_id, size_t limit, std::vector<Note>* out) override;

 private:
  cloud::NotesStore notes_;
};

// Token keys from the jwt_signing_keys table: the newest signs, every key not retired
// within a token's lifetime verifies. Reloaded every `reload` so that a rotation on one
// replica reaches the others.
class DatabaseTokenKeys final : public TokenKeys {
 public:
  DatabaseTokenKeys(Database& db, const Keyring& keys, auth::JwtConfig config,
                    TimeUs reload = 30 * kSeconds)
      : keys_(db, keys), config_(std::move(config)), reload_(reload) {}
  // Loads (creating the first key on a fresh database). Errors: the store's.
  Status Load(TimeUs now);
  const auth::JwtIssuer* issuer() const override;
  const auth::JwtVerifier* verifier() const override;
  Status Rotate(TimeUs now, std::string* new_kid) override;

 private:
  void MaybeReload() const;
  Status Reload(TimeUs now) const;  // the keys and caches it fills are mutable
  mutable SqlSigningKeys keys_;
  auth::JwtConfig config_;
  TimeUs reload_;
  mutable TimeUs loaded_ = 0;
  mutable std::unique_ptr<auth::JwtIssuer> issuer_;
  mutable std::unique_ptr<auth::JwtVerifier> verifier_;
};

}  // namespace vigil::cloud::api
