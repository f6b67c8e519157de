// Where the second factor lives: each person's TOTP secret (pending until a first code
// confirms it), the last time step accepted for them (so a code is accepted once), their
// recovery codes (hashed, each usable once), and the short-lived tickets that carry a
// login from the password step to the second-factor step (stored as hashes, like
// sessions). The database backs it (store/sql_mfa_store.h: every replica sees a used code
// or ticket at once, and the secret is sealed at rest); InMemoryMfaStore is for tests and
// a single process.
//
// Atomicity: AcceptStep, UseRecoveryCode and TakeTicket are each one conditional write,
// so two replicas racing on the same code or ticket cannot both succeed.
//
// Errors: kOk, kIo (the store failed: the caller fails closed), kInvalidState (the
// operation does not apply: see each call).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/auth/secrets.h"
#include "common/error.h"
#include "common/time.h"

namespace vigil::auth {

struct TotpRecord {
  std::vector<uint8_t> secret;  // raw bytes (sealed in the database)
  bool confirmed = false;       // a first code proved the person's app has it
  int64_t last_step = -1;       // the latest time step accepted, -1 none
  TimeUs created = 0;
};

struct MfaTicket {
  Digest hash{};
  std::string user_id;
  TimeUs expires = 0;
  uint32_t failures = 0;  // wrong codes tried with this ticket
};

class MfaStore {
 public:
  virtual ~MfaStore() = default;
  // *out empty when the user has no TOTP secret.
  virtual vigil::Error FindTotp(std::string_view user_id, std::optional<TotpRecord>* out) = 0;
  // Stores an unconfirmed secret, replacing an unconfirmed one. kInvalidState when a
  // confirmed secret exists (a second factor is not replaced by whoever holds a session).
  virtual vigil::Error PutPendingTotp(std::string_view user_id, ByteSpan secret, TimeUs now) = 0;
  // Stores a secret already confirmed (enrolment by an administrator), replacing any.
  virtual vigil::Error PutConfirmedTotp(std::string_view user_id, ByteSpan secret, int64_t step,
                                        TimeUs now) = 0;
  // Confirms the pending secret with `step` as the last accepted one. kInvalidState when
  // there is no pending secret.
  virtual vigil::Error ConfirmTotp(std::string_view user_id, int64_t step) = 0;
  // last_step := step if last_step < step; *accepted false otherwise (a replay).
  virtual vigil::Error AcceptStep(std::string_view user_id, int64_t step, bool* accepted) = 0;
  // Replaces every recovery code of the user.
  virtual vigil::Error SetRecoveryCodes(std::string_view user_id,
                                        const std::vector<Digest>& hashes) = 0;
  // Marks the unused code `hash` used; *used false when there is none.
  virtual vigil::Error UseRecoveryCode(std::string_view user_id, const Digest& hash, TimeUs now,
                                       bool* used) = 0;
  virtual vigil::Error UnusedRecoveryCodes(std::string_view user_id, size_t* n) = 0;

  virtual vigil::Error PutTicket(const MfaTicket& t) = 0;
  virtual vigil::Error FindTicket(const Digest& hash, std::optional<MfaTicket>* out) = 0;
  virtual vigil::Error CountTicketFailure(const Digest& hash) = 0;
  // Deletes the ticket; *taken false when it was gone already (used by another request).
  virtual vigil::Error TakeTicket(const Digest& hash, bool* taken) = 0;
};

class InMemoryMfaStore final : public MfaStore {
 public:
  vigil::Error FindTotp(std::string_view user_id, std::optional<TotpRecord>* out) override;
  vigil::Error PutPendingTotp(std::string_view user_id, ByteSpan secret, TimeUs now) override;
  vigil::Error PutConfirmedTotp(std::string_view user_id, ByteSpan secret, int64_t step,
                                TimeUs now) override;
  vigil::Error ConfirmTotp(std::string_view user_id, int64_t step) override;
  vigil::Error AcceptStep(std::string_view user_id, int64_t step, bool* accepted) override;
  vigil::Error SetRecoveryCodes(std::string_view user_id,
                                const std::vector<Digest>& hashes) override;
  vigil::Error UseRecoveryCode(std::string_view user_id, const Digest& hash, TimeUs now,
                               bool* used) override;
  vigil::Error UnusedRecoveryCodes(std::string_view user_id, size_t* n) override;
  vigil::Error PutTicket(const MfaTicket& t) override;
  vigil::Error FindTicket(const Digest& hash, std::optional<MfaTicket>* out) override;
  vigil::Error CountTicketFailure(const Digest& hash) override;
  vigil::Error TakeTicket(const Digest& hash, bool* taken) override;

 private:
  std::mutex mu_;
  std::map<std::string, TotpRecord, std::less<>> totp_;
  std::map<std::string, std::set<Digest>, std::less<>> recovery_;  // unused codes
  std::map<Digest, MfaTicket> tickets_;
};

}  // namespace vigil::auth
