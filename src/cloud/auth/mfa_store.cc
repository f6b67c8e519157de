#include "cloud/auth/mfa_store.h"

namespace vigil::auth {

vigil::Error InMemoryMfaStore::FindTotp(std::string_view user_id, std::optional<TotpRecord>* out) {
  std::lock_guard lk(mu_);
  auto it = totp_.find(user_id);
  if (it == totp_.end()) {
    out->reset();
  } else {
    *out = it->second;
  }
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::PutPendingTotp(std::string_view user_id, ByteSpan secret,
                                              TimeUs now) {
  std::lock_guard lk(mu_);
  auto it = totp_.find(user_id);
  if (it != totp_.end() && it->second.confirmed) return vigil::Error::kInvalidState;
  TotpRecord r;
  r.secret.assign(secret.begin(), secret.end());
  r.created = now;
  totp_[std::string(user_id)] = std::move(r);
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::PutConfirmedTotp(std::string_view user_id, ByteSpan secret,
                                                int64_t step, TimeUs now) {
  std::lock_guard lk(mu_);
  TotpRecord r;
  r.secret.assign(secret.begin(), secret.end());
  r.created = now;
  r.confirmed = true;
  r.last_step = step;
  totp_[std::string(user_id)] = std::move(r);
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::ConfirmTotp(std::string_view user_id, int64_t step) {
  std::lock_guard lk(mu_);
  auto it = totp_.find(user_id);
  if (it == totp_.end() || it->second.confirmed) return vigil::Error::kInvalidState;
  it->second.confirmed = true;
  it->second.last_step = step;
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::AcceptStep(std::string_view user_id, int64_t step, bool* accepted) {
  std::lock_guard lk(mu_);
  auto it = totp_.find(user_id);
  *accepted = it != totp_.end() && it->second.confirmed && it->second.last_step < step;
  if (*accepted) it->second.last_step = step;
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::SetRecoveryCodes(std::string_view user_id,
                                                const std::vector<Digest>& hashes) {
  std::lock_guard lk(mu_);
  recovery_[std::string(user_id)] = std::set<Digest>(hashes.begin(), hashes.end());
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::UseRecoveryCode(std::string_view user_id, const Digest& hash,
                                               TimeUs /*now*/, bool* used) {
  std::lock_guard lk(mu_);
  auto it = recovery_.find(user_id);
  *used = it != recovery_.end() && it->second.erase(hash) == 1;
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::UnusedRecoveryCodes(std::string_view user_id, size_t* n) {
  std::lock_guard lk(mu_);
  auto it = recovery_.find(user_id);
  *n = it == recovery_.end() ? 0 : it->second.size();
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::PutTicket(const MfaTicket& t) {
  std::lock_guard lk(mu_);
  if (!tickets_.emplace(t.hash, t).second) return vigil::Error::kInvalidState;
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::FindTicket(const Digest& hash, std::optional<MfaTicket>* out) {
  std::lock_guard lk(mu_);
  auto it = tickets_.find(hash);
  if (it == tickets_.end()) {
    out->reset();
  } else {
    *out = it->second;
  }
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::CountTicketFailure(const Digest& hash) {
  std::lock_guard lk(mu_);
  auto it = tickets_.find(hash);
  if (it != tickets_.end()) ++it->second.failures;
  return vigil::Error::kOk;
}

vigil::Error InMemoryMfaStore::TakeTicket(const Digest& hash, bool* taken) {
  std::lock_guard lk(mu_);
  *taken = tickets_.erase(hash) == 1;
  return vigil::Error::kOk;
}

}  // namespace vigil::auth
