// auth::SessionStore in the database (table `sessions`, migration 2): a session created,
// touched or revoked by one replica is seen by every other on its next request, so a
// logout ends the session everywhere at once (docs/cloud.md, "Shared state").
//
// Rows are keyed by the SHA-256 of the session id (sessions.h says why); no cookie value
// is ever stored.
//
// Fail closed: Find reads a database failure as "no such session" (the request is
// refused as unauthenticated). Touch, Revoke and RevokeUser cannot return an error
// through the interface; they set last_status(), and the caller that must know that a
// logout took effect (the logout route) checks it. RevokeUser returns 0 on failure.
//
// Thread-safety: one store per Database connection; neither is thread-safe.
#pragma once

#include "cloud/auth/sessions.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

class SqlSessionStore final : public auth::SessionStore {
 public:
  explicit SqlSessionStore(Database& db) : db_(db) {}

  // kInvalidState when a session with that id hash exists, kIo when the database fails.
  vigil::Error Put(const auth::SessionRecord& r) override;
  std::optional<auth::SessionRecord> Find(const auth::Digest& id_hash) const override;
  void Touch(const auth::Digest& id_hash, TimeUs now) override;
  void Revoke(const auth::Digest& id_hash) override;
  size_t RevokeUser(std::string_view user_id) override;
  size_t RevokeOthers(std::string_view user_id, const auth::Digest& keep) override;

  // Housekeeping: deletes sessions idle since before `idle_before` or created before
  // `created_before` (both past every timeout). Returns how many, 0 on failure.
  size_t DeleteExpired(TimeUs idle_before, TimeUs created_before);

  const Status& last_status() const { return last_; }

 private:
  Database& db_;
  mutable Status last_;
};

}  // namespace vigil::cloud
