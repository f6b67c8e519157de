// What the cloud's API reads and writes besides the clinical tables, as interfaces: the
// staff directory (who a user is, their role and duties, their login), the audit log and
// the sink of the API's security alerts. The database backs each of them so that every
// replica behind a load balancer sees the same users, one audit chain and one alert
// stream (docs/cloud.md, "Shared state"); the in-memory versions here are for tests and
// for a single process.
//
// Errors: the database's (Status); a caller that cannot read the directory or write the
// audit log refuses the request (fail closed: an access that cannot be checked or audited
// does not happen).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/audit/audit_chain.h"
#include "cloud/auth/jwt.h"
#include "cloud/policy/subject.h"
#include "cloud/store/store_error.h"
#include "ids/alert.h"

namespace vigil::cloud::api {

// A person's account as the login and the admin pages see it.
struct UserAccount {
  std::string user_id;       // also the login name: lower-case, [a-z0-9._-], 1..64
  std::string display_name;  // shown in the dashboard and in audit views
  policy::Role role = policy::Role::kNurse;
  std::string password_hash;  // auth/password_hash.h encoding; empty: cannot log in
  std::string patient_id;     // role patient: whose data this person is
  bool disabled = false;
  std::vector<policy::DutyAssignment> wards;
  std::vector<policy::DutyAssignment> care_teams;
};

// What an admin changes on an account (PATCH /admin/users/{user}): absent fields stay.
struct AccountChange {
  std::optional<policy::Role> role;  // never to or from kPatient (that is another person)
  std::optional<std::vector<policy::DutyAssignment>> wards;       // replaces all
  std::optional<std::vector<policy::DutyAssignment>> care_teams;  // replaces all
  std::optional<bool> disabled;
};

class Directory {
 public:
  virtual ~Directory() = default;
  // The account named `user_id`, or nullopt (unknown). Errors: the store's.
  virtual Status Find(std::string_view user_id, std::optional<UserAccount>* out) = 0;
  virtual Status List(std::vector<UserAccount>* out) = 0;
  // kConstraint if the user id is taken.
  virtual Status Create(const UserAccount& account) = 0;
  // kNotFound if unknown. A disabled account keeps its audit trail and cannot log in.
  virtual Status Disable(std::string_view user_id) = 0;
  // Replaces the password hash (password change, re-hash on login). kNotFound if unknown.
  virtual Status SetPasswordHash(std::string_view user_id, std::string_view hash) = 0;
  // The care teams a patient is under (the ward comes from the open admission).
  virtual Status CareTeamsOf(int64_t patient_id, std::vector<std::string>* out) = 0;
  // Applies `change` at once (all or nothing). kNotFound if unknown; kMisuse for a role
  // change to or from patient; kConstraint for a duty the store refuses.
  virtual Status Update(std::string_view user_id, const AccountChange& change) = 0;
  // Replaces the care teams the patient is under (`vigil cloud care-team` and the admin
  // route). kNotFound for an unknown patient (a store that knows patients).
  virtual Status SetCareTeams(int64_t patient_id, const std::vector<std::string>& teams) = 0;
};

// The policy's subject for an account (the directory's view at the time of the request).
policy::Subject SubjectOf(const UserAccount& a);

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Appends to the one chain (audit_chain.h's contract); `out` (may be null) receives the
  // entry as stored. Must not return before the entry is durable.
  virtual Status Append(const audit::AuditRecord& record, audit::ChainEntry* out) = 0;
  // Entries with seq >= from_seq, ascending, at most `limit`.
  virtual Status Read(uint64_t from_seq, size_t limit, std::vector<audit::ChainEntry>* out) = 0;
};

// Where the API's security alerts go: beside the gateways' in the security_alerts table,
// so that one stream (GET /alerts, the dashboard's security view) holds both.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual Status Raise(const ids::Alert& alert, std::string_view eve) = 0;
};

// A patient's clinical notes. The text is patient data: the database keeps it sealed
// under the patient (docs/cloud.md, "Encryption at rest").
struct Note {
  int64_t note_id = 0;
  int64_t patient_id = 0;
  std::string author;  // user id
  int64_t time_ms = 0;
  std::string text;
};

class NotesStore {
 public:
  virtual ~NotesStore() = default;
  // `out` (may be null) receives the note with its id.
  virtual Status Add(const Note& note, Note* out) = 0;
  // The patient's notes, newest first, at most `limit`.
  virtual Status ForPatient(int64_t patient_id, size_t limit, std::vector<Note>* out) = 0;
};

// The ES256 keys of the access tokens: the one that signs, and every one whose tokens may
// still be live (docs/access-control.md, "Rotation"). Rotate adds a new signing key; the
// previous one keeps verifying until its tokens have expired.
class TokenKeys {
 public:
  virtual ~TokenKeys() = default;
  virtual const auth::JwtIssuer* issuer() const = 0;      // null: no key yet
  virtual const auth::JwtVerifier* verifier() const = 0;  // null: no key yet
  virtual Status Rotate(TimeUs now, std::string* new_kid) = 0;
};

// --- single-process versions -----------------------------------------------------------

class InMemoryDirectory final : public Directory {
 public:
  Status Find(std::string_view user_id, std::optional<UserAccount>* out) override;
  Status List(std::vector<UserAccount>* out) override;
  Status Create(const UserAccount& account) override;
  Status Disable(std::string_view user_id) override;
  Status SetPasswordHash(std::string_view user_id, std::string_view hash) override;
  Status CareTeamsOf(int64_t patient_id, std::vector<std::string>* out) override;
  Status Update(std::string_view user_id, const AccountChange& change) override;
  Status SetCareTeams(int64_t patient_id, const std::vector<std::string>& teams) override;

 private:
  std::mutex mu_;
  std::map<std::string, UserAccount, std::less<>> users_;
  std::map<int64_t, std::vector<std::string>> care_teams_;
};

class InMemoryNotes final : public NotesStore {
 public:
  Status Add(const Note& note, Note* out) override;
  Status ForPatient(int64_t patient_id, size_t limit, std::vector<Note>* out) override;

 private:
  std::mutex mu_;
  std::vector<Note> notes_;
};

// Keys held in this process only: tokens die with it, and replicas cannot share them.
class InMemoryTokenKeys final : public TokenKeys {
 public:
  explicit InMemoryTokenKeys(auth::JwtConfig config) : config_(std::move(config)) {}
  const auth::JwtIssuer* issuer() const override { return issuer_.get(); }
  const auth::JwtVerifier* verifier() const override { return verifier_.get(); }
  Status Rotate(TimeUs now, std::string* new_kid) override;

 private:
  auth::JwtConfig config_;
  std::vector<auth::JwtSigningKey> keys_;  // newest last; at most two kept
  std::unique_ptr<auth::JwtIssuer> issuer_;
  std::unique_ptr<auth::JwtVerifier> verifier_;
};

class InMemoryAuditLog final : public AuditSink {
 public:
  Status Append(const audit::AuditRecord& record, audit::ChainEntry* out) override;
  Status Read(uint64_t from_seq, size_t limit, std::vector<audit::ChainEntry>* out) override;
  std::vector<audit::ChainEntry> entries() const;

 private:
  mutable std::mutex mu_;
  std::vector<audit::ChainEntry> entries_;
};

}  // namespace vigil::cloud::api
