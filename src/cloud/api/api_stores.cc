#include "cloud/api/api_stores.h"

#include <algorithm>

namespace vigil::cloud::api {

policy::Subject SubjectOf(const UserAccount& a) {
  policy::Subject s;
  s.id = a.user_id;
  s.role = a.role;
  s.patient_id = a.patient_id;
  s.wards = a.wards;
  s.care_teams = a.care_teams;
  return s;
}

Status InMemoryDirectory::Find(std::string_view user_id, std::optional<UserAccount>* out) {
  std::lock_guard lk(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) {
    out->reset();
  } else {
    *out = it->second;
  }
  return Status::Ok();
}

Status InMemoryDirectory::List(std::vector<UserAccount>* out) {
  std::lock_guard lk(mu_);
  for (const auto& [id, a] : users_) out->push_back(a);
  return Status::Ok();
}

Status InMemoryDirectory::Create(const UserAccount& account) {
  std::lock_guard lk(mu_);
  if (!users_.emplace(account.user_id, account).second)
    return Fail(StoreError::kConstraint, "user " + account.user_id + " exists");
  return Status::Ok();
}

Status InMemoryDirectory::Disable(std::string_view user_id) {
  std::lock_guard lk(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return Fail(StoreError::kNotFound, "no user " + std::string(user_id));
  it->second.disabled = true;
  return Status::Ok();
}

Status InMemoryDirectory::SetPasswordHash(std::string_view user_id, std::string_view hash) {
  std::lock_guard lk(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return Fail(StoreError::kNotFound, "no user " + std::string(user_id));
  it->second.password_hash = std::string(hash);
  return Status::Ok();
}

Status InMemoryDirectory::CareTeamsOf(int64_t patient_id, std::vector<std::string>* out) {
  std::lock_guard lk(mu_);
  auto it = care_teams_.find(patient_id);
  if (it != care_teams_.end()) *out = it->second;
  return Status::Ok();
}

Status InMemoryDirectory::SetCareTeams(int64_t patient_id, const std::vector<std::string>& teams) {
  std::lock_guard lk(mu_);
  care_teams_[patient_id] = teams;
  return Status::Ok();
}

Status InMemoryDirectory::Update(std::string_view user_id, const AccountChange& change) {
  std::lock_guard lk(mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return Fail(StoreError::kNotFound, "no user " + std::string(user_id));
  UserAccount& a = it->second;
  if (change.role && (*change.role == policy::Role::kPatient) != (a.role == policy::Role::kPatient))
    return Fail(StoreError::kMisuse, "a role cannot change to or from patient");
  if (change.role) a.role = *change.role;
  if (change.wards) a.wards = *change.wards;
  if (change.care_teams) a.care_teams = *change.care_teams;
  if (change.disabled) a.disabled = *change.disabled;
  return Status::Ok();
}

Status InMemoryNotes::Add(const Note& note, Note* out) {
  std::lock_guard lk(mu_);
  Note n = note;
  n.note_id = static_cast<int64_t>(notes_.size()) + 1;
  notes_.push_back(n);
  if (out != nullptr) *out = n;
  return Status::Ok();
}

Status InMemoryNotes::ForPatient(int64_t patient_id, size_t limit, std::vector<Note>* out) {
  std::lock_guard lk(mu_);
  for (auto it = notes_.rbegin(); it != notes_.rend() && out->size() < limit; ++it)
    if (it->patient_id == patient_id) out->push_back(*it);
  return Status::Ok();
}

Status InMemoryTokenKeys::Rotate(TimeUs now, std::string* new_kid) {
  auth::JwtSigningKey k;
  if (auth::GenerateSigningKey(
          "k" + std::to_string(now / kSeconds) + "-" + std::to_string(keys_.size()), &k) !=
      Error::kOk)
    return Fail(StoreError::kMisuse, "key generation failed");
  keys_.push_back(k);
  if (keys_.size() > 2) keys_.erase(keys_.begin());
  auto verifier = std::make_unique<auth::JwtVerifier>(config_);
  for (const auto& key : keys_)
    if (verifier->AddKey(key.kid, key.public_pem) != Error::kOk)
      return Fail(StoreError::kMisuse, "public key refused");
  issuer_ = std::make_unique<auth::JwtIssuer>(config_, k);
  verifier_ = std::move(verifier);
  if (new_kid != nullptr) *new_kid = k.kid;
  return Status::Ok();
}

Status InMemoryAuditLog::Append(const audit::AuditRecord& record, audit::ChainEntry* out) {
  std::lock_guard lk(mu_);
  audit::ChainHead tail;
  if (!entries_.empty()) tail = {entries_.back().seq, entries_.back().hash};
  audit::ChainEntry e;
  std::string why;
  if (audit::Link(tail, record, &e, &why) != Error::kOk)
    return Fail(StoreError::kMisuse, "audit record refused: " + why);
  entries_.push_back(e);
  if (out != nullptr) *out = e;
  return Status::Ok();
}

Status InMemoryAuditLog::Read(uint64_t from_seq, size_t limit,
                              std::vector<audit::ChainEntry>* out) {
  std::lock_guard lk(mu_);
  for (const auto& e : entries_) {
    if (out->size() >= limit) break;
    if (e.seq >= from_seq) out->push_back(e);
  }
  return Status::Ok();
}

std::vector<audit::ChainEntry> InMemoryAuditLog::entries() const {
  std::lock_guard lk(mu_);
  return entries_;
}

}  // namespace vigil::cloud::api
