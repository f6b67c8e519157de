#include "cloud/api/database_stores.h"

#include <chrono>

namespace vigil::cloud::api {
namespace {

TimeUs WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status FromError(Error e, const Status& last, std::string_view what) {
  if (e == Error::kOk) return Status::Ok();
  if (e == Error::kNotFound) return Fail(StoreError::kNotFound, std::string(what));
  if (e == Error::kInvalidState || e == Error::kInvalidArgument)
    return Fail(StoreError::kConstraint, last.message.empty() ? std::string(what) : last.message);
  return last.ok() ? Fail(StoreError::kQuery, std::string(what)) : last;
}

}  // namespace

Status DatabaseDirectory::Duties(std::string_view user_id, UserAccount* a) {
  std::vector<Row> rows;
  // Assignments still running or ended within the last day (the policy names an expired
  // shift "off duty"); the table keeps the older ones for the audit.
  if (Status s = db_.Execute(
          "SELECT kind, unit, start_us, end_us FROM duty_assignments WHERE user_id = ? AND "
          "end_us > ? ORDER BY start_us, duty_id",
          {Value{std::string(user_id)}, Value{WallUs() - kDutyWindow}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) {
    policy::DutyAssignment d{r.Text(1), r.Int(2), r.Int(3)};
    (r.Text(0) == "ward" ? a->wards : a->care_teams).push_back(std::move(d));
  }
  return Status::Ok();
}

Status DatabaseDirectory::Find(std::string_view user_id, std::optional<UserAccount>* out) {
  Result<StaffUser> u = staff_.FindUser(user_id);
  if (u.error() == Error::kNotFound) {
    out->reset();
    return Status::Ok();
  }
  if (!u.ok()) return FromError(u.error(), staff_.last_status(), "directory");
  UserAccount a;
  a.user_id = u.value().user_id;
  a.role = u.value().role;
  a.display_name = u.value().display_name;
  a.password_hash = u.value().password_hash;
  a.patient_id = u.value().patient_id;
  a.disabled = u.value().disabled;
  if (Status s = Duties(user_id, &a); !s.ok()) return s;
  *out = std::move(a);
  return Status::Ok();
}

Status DatabaseDirectory::List(std::vector<UserAccount>* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute("SELECT user_id FROM staff ORDER BY user_id LIMIT 10000", {}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) {
    std::optional<UserAccount> a;
    if (Status s = Find(r.Text(0), &a); !s.ok()) return s;
    if (a) out->push_back(std::move(*a));
  }
  return Status::Ok();
}

Status DatabaseDirectory::Create(const UserAccount& account) {
  StaffUser u;
  u.user_id = account.user_id;
  u.role = account.role;
  u.display_name = account.display_name;
  u.password_hash = account.password_hash;
  u.patient_id = account.patient_id;
  u.disabled = account.disabled;
  u.created = WallUs();
  Transaction tx(db_);
  const bool own = !db_.in_transaction();
  if (own)
    if (Status s = tx.Begin(); !s.ok()) return s;
  if (Error e = staff_.CreateUser(u); e != Error::kOk)
    return FromError(e, staff_.last_status(), "user " + account.user_id + " exists");
  if (Error e = staff_.SetDuties(u.user_id, DutyKind::kWard, account.wards); e != Error::kOk)
    return FromError(e, staff_.last_status(), "ward duties");
  if (Error e = staff_.SetDuties(u.user_id, DutyKind::kCareTeam, account.care_teams);
      e != Error::kOk)
    return FromError(e, staff_.last_status(), "care-team duties");
  if (own) return tx.Commit();
  return Status::Ok();
}

Status DatabaseDirectory::Disable(std::string_view user_id) {
  const Error e = staff_.SetDisabled(user_id, true);
  return FromError(e, staff_.last_status(), "no user " + std::string(user_id));
}

Status DatabaseDirectory::SetPasswordHash(std::string_view user_id, std::string_view hash) {
  const Error e = staff_.SetPasswordHash(user_id, hash);
  return FromError(e, staff_.last_status(), "no user " + std::string(user_id));
}

Status DatabaseDirectory::CareTeamsOf(int64_t patient_id, std::vector<std::string>* out) {
  std::vector<Row> rows;
  if (Status s = db_.Execute(
          "SELECT care_team FROM patient_care_teams WHERE patient_id = ? ORDER BY care_team",
          {Value{patient_id}}, &rows);
      !s.ok())
    return s;
  for (const Row& r : rows) out->push_back(r.Text(0));
  return Status::Ok();
}

Status DatabaseDirectory::Update(std::string_view user_id, const AccountChange& change) {
  return WithinTransaction(db_, [&]() -> Status {
    Result<StaffUser> u = staff_.FindUser(user_id);
    if (!u.ok())
      return FromError(u.error(), staff_.last_status(), "no user " + std::string(user_id));
    if (change.role &&
        (*change.role == policy::Role::kPatient) != (u.value().role == policy::Role::kPatient))
      return Fail(StoreError::kMisuse, "a role cannot change to or from patient");
    if (change.role)
      if (Error e = staff_.SetRole(user_id, *change.role); e != Error::kOk)
        return FromError(e, staff_.last_status(), "role");
    if (change.wards)
      if (Error e = staff_.SetDuties(user_id, DutyKind::kWard, *change.wards); e != Error::kOk)
        return FromError(e, staff_.last_status(), "ward duties");
    if (change.care_teams)
      if (Error e = staff_.SetDuties(user_id, DutyKind::kCareTeam, *change.care_teams);
          e != Error::kOk)
        return FromError(e, staff_.last_status(), "care-team duties");
    if (change.disabled)
      if (Error e = staff_.SetDisabled(user_id, *change.disabled); e != Error::kOk)
        return FromError(e, staff_.last_status(), "disabled");
    return Status::Ok();
  });
}

Status DatabaseDirectory::SetCareTeams(int64_t patient_id, const std::vector<std::string>& teams) {
  const Error e = staff_.SetCareTeams(patient_id, teams);
  return FromError(e, staff_.last_status(), "no patient " + std::to_string(patient_id));
}

Status DatabaseAuditSink::Append(const audit::AuditRecord& record, audit::ChainEntry* out) {
  audit::ChainEntry e;
  if (Status s = log_.Append(record, &e); !s.ok()) return s;
  if (signer_ != nullptr && sign_every_ > 0 && e.seq % sign_every_ == 0) {
    // A head that cannot be signed leaves the record stored; the next one tries again.
    audit::SignedHead h;
    (void)log_.SignHead(*signer_, record.time_ms, &h);
  }
  if (out != nullptr) *out = e;
  return Status::Ok();
}

Status DatabaseAuditSink::Read(uint64_t from_seq, size_t limit,
                               std::vector<audit::ChainEntry>* out) {
  std::vector<StoredAuditEntry> rows;
  if (Status s = log_.ReadRange(static_cast<int64_t>(from_seq), limit, &rows); !s.ok()) return s;
  for (StoredAuditEntry& r : rows) out->push_back(std::move(r.entry));
  return Status::Ok();
}

Status DatabaseNotes::Add(const Note& note, Note* out) {
  int64_t id = 0;
  if (Status s = notes_.Add(note.patient_id, note.author, note.time_ms * 1000, note.text, &id);
      !s.ok())
    return s;
  if (out != nullptr) {
    *out = note;
    out->note_id = id;
  }
  return Status::Ok();
}

Status DatabaseNotes::ForPatient(int64_t patient_id, size_t limit, std::vector<Note>* out) {
  std::vector<cloud::Note> all;
  if (Status s = notes_.ForPatient(patient_id, 0, INT64_MAX, 100000, &all); !s.ok()) return s;
  // Newest first, at most `limit`.
  for (auto it = all.rbegin(); it != all.rend() && out->size() < limit; ++it)
    out->push_back({it->note_id, it->patient_id, it->author, it->time / 1000, it->text});
  return Status::Ok();
}

Status DatabaseTokenKeys::Load(TimeUs now) { return Reload(now); }

Status DatabaseTokenKeys::Reload(TimeUs now) const {
  auth::JwtSigningKey active;
  if (Status s = keys_.ActiveOrCreate(now, &active); !s.ok()) return s;
  std::vector<PublicSigningKey> pub;
  const TimeUs since = now - (config_.max_lifetime_s + config_.skew_s) * kSeconds;
  if (Status s = keys_.PublicKeys(since, &pub); !s.ok()) return s;
  auto verifier = std::make_unique<auth::JwtVerifier>(config_);
  for (const PublicSigningKey& k : pub)
    if (verifier->AddKey(k.kid, k.public_pem) != Error::kOk)
      return Fail(StoreError::kCrypto, "signing key " + k.kid + " does not parse");
  issuer_ = std::make_unique<auth::JwtIssuer>(config_, active);
  verifier_ = std::move(verifier);
  loaded_ = now;
  return Status::Ok();
}

void DatabaseTokenKeys::MaybeReload() const {
  const TimeUs now = WallUs();
  if (issuer_ && now - loaded_ < reload_) return;
  // A failed reload keeps the keys loaded before (a database hiccup must not refuse every
  // token); the next call tries again.
  (void)Reload(now);
}

const auth::JwtIssuer* DatabaseTokenKeys::issuer() const {
  MaybeReload();
  return issuer_.get();
}

const auth::JwtVerifier* DatabaseTokenKeys::verifier() const {
  MaybeReload();
  return verifier_.get();
}

Status DatabaseTokenKeys::Rotate(TimeUs now, std::string* new_kid) {
  auth::JwtSigningKey k;
  if (Status s = keys_.Rotate(now, &k); !s.ok()) return s;
  if (new_kid != nullptr) *new_kid = k.kid;
  return Load(now);
}

}  // namespace vigil::cloud::api
