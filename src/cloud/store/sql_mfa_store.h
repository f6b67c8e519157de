// auth::MfaStore in the database (tables `mfa_totp`, `mfa_recovery_codes`, `mfa_tickets`,
// migration 4), so that every replica sees an accepted TOTP step, a used recovery code or
// a used login ticket at once (docs/access-control.md, "Second factor").
//
// At rest: the TOTP secret is sealed under the keyring's field key (table mfa_totp,
// column secret, owner "user:<id>", row the user id: keyring.h), so a copy of the database
// yields no secret and a sealed secret moved to another user's row does not open there.
// Recovery codes and tickets are stored as hashes only (recovery_codes.h, mfa.h).
//
// Each of AcceptStep, UseRecoveryCode and TakeTicket is one conditional UPDATE or DELETE,
// atomic on both back-ends.
//
// Errors: kIo with the database's message in last_status(); kCrypto when a sealed secret
// does not open (wrong master key, a row tampered with).
// Thread-safety: one store per Database connection; neither is thread-safe.
#pragma once

#include "cloud/auth/mfa_store.h"
#include "cloud/crypto/keyring.h"
#include "cloud/store/database.h"

namespace vigil::cloud {

class SqlMfaStore final : public auth::MfaStore {
 public:
  SqlMfaStore(Database& db, const Keyring& keys) : db_(db), keys_(keys) {}

  vigil::Error FindTotp(std::string_view user_id, std::optional<auth::TotpRecord>* out) override;
  vigil::Error PutPendingTotp(std::string_view user_id, ByteSpan secret, TimeUs now) override;
  vigil::Error PutConfirmedTotp(std::string_view user_id, ByteSpan secret, int64_t step,
                                TimeUs now) override;
  vigil::Error ConfirmTotp(std::string_view user_id, int64_t step) override;
  vigil::Error AcceptStep(std::string_view user_id, int64_t step, bool* accepted) override;
  vigil::Error SetRecoveryCodes(std::string_view user_id,
                                const std::vector<auth::Digest>& hashes) override;
  vigil::Error UseRecoveryCode(std::string_view user_id, const auth::Digest& hash, TimeUs now,
                               bool* used) override;
  vigil::Error UnusedRecoveryCodes(std::string_view user_id, size_t* n) override;
  vigil::Error PutTicket(const auth::MfaTicket& t) override;
  vigil::Error FindTicket(const auth::Digest& hash, std::optional<auth::MfaTicket>* out) override;
  vigil::Error CountTicketFailure(const auth::Digest& hash) override;
  vigil::Error TakeTicket(const auth::Digest& hash, bool* taken) override;

  // Housekeeping: deletes tickets expired before `now`. Returns how many, 0 on failure.
  size_t DeleteExpiredTickets(TimeUs now);

  const Status& last_status() const { return last_; }

 private:
  vigil::Error Io(Status s);
  vigil::Error PutTotp(std::string_view user_id, ByteSpan secret, bool confirmed, int64_t step,
                       TimeUs now);

  Database& db_;
  const Keyring& keys_;
  Status last_;
};

}  // namespace vigil::cloud
