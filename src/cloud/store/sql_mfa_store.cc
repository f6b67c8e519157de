#include "cloud/store/sql_mfa_store.h"

namespace vigil::cloud {
namespace {

Value HashValue(const auth::Digest& d) { return Value{Blob(d.begin(), d.end())}; }

std::string UserOwner(std::string_view user_id) { return "user:" + std::string(user_id); }

}  // namespace

vigil::Error SqlMfaStore::Io(Status s) {
  last_ = std::move(s);
  if (last_.ok()) return vigil::Error::kOk;
  return last_.code == StoreError::kCrypto ? vigil::Error::kCrypto : vigil::Error::kIo;
}

vigil::Error SqlMfaStore::FindTotp(std::string_view user_id, std::optional<auth::TotpRecord>* out) {
  out->reset();
  std::vector<Row> rows;
  if (vigil::Error e = Io(db_.Execute(
          "SELECT secret, confirmed, last_step, created_us FROM mfa_totp WHERE user_id = ?",
          {Value{std::string(user_id)}}, &rows));
      e != vigil::Error::kOk)
    return e;
  if (rows.empty()) return vigil::Error::kOk;
  auth::TotpRecord r;
  const std::string owner = UserOwner(user_id);
  const Blob sealed = rows[0].Bytes(0);
  if (vigil::Error e = Io(keys_.Unseal({"mfa_totp", "secret", owner, user_id}, sealed, &r.secret));
      e != vigil::Error::kOk)
    return e;
  r.confirmed = rows[0].Int(1) != 0;
  r.last_step = rows[0].Int(2);
  r.created = rows[0].Int(3);
  *out = std::move(r);
  return vigil::Error::kOk;
}

vigil::Error SqlMfaStore::PutTotp(std::string_view user_id, ByteSpan secret, bool confirmed,
                                  int64_t step, TimeUs now) {
  Blob sealed;
  const std::string owner = UserOwner(user_id);
  if (vigil::Error e = Io(keys_.Seal({"mfa_totp", "secret", owner, user_id}, secret, &sealed));
      e != vigil::Error::kOk)
    return e;
  // A pending secret never replaces a confirmed one: the WHERE of the upsert refuses it.
  int64_t n = 0;
  const std::string_view sql =
      confirmed ? "INSERT INTO mfa_totp (user_id, secret, confirmed, last_step, created_us) "
                  "VALUES (?, ?, 1, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                  "secret = excluded.secret, confirmed = 1, last_step = excluded.last_step, "
                  "created_us = excluded.created_us"
                : "INSERT INTO mfa_totp (user_id, secret, confirmed, last_step, created_us) "
                  "VALUES (?, ?, 0, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                  "secret = excluded.secret, last_step = excluded.last_step, "
                  "created_us = excluded.created_us WHERE mfa_totp.confirmed = 0";
  if (vigil::Error e = Io(db_.Execute(
          sql, {Value{std::string(user_id)}, Value{sealed}, Value{step}, Value{now}}, nullptr, &n));
      e != vigil::Error::kOk)
    return e;
  return n == 1 ? vigil::Error::kOk : vigil::Error::kInvalidState;
}

vigil::Error SqlMfaStore::PutPendingTotp(std::string_view user_id, ByteSpan secret, TimeUs now) {
  return PutTotp(user_id, secret, false, -1, now);
}

vigil::Error SqlMfaStore::PutConfirmedTotp(std::string_view user_id, ByteSpan secret, int64_t step,
                                           TimeUs now) {
  return PutTotp(user_id, secret, true, step, now);
}

vigil::Error SqlMfaStore::ConfirmTotp(std::string_view user_id, int64_t step) {
  int64_t n = 0;
  if (vigil::Error e = Io(db_.Execute(
          "UPDATE mfa_totp SET confirmed = 1, last_step = ? WHERE user_id = ? AND confirmed = 0",
          {Value{step}, Value{std::string(user_id)}}, nullptr, &n));
      e != vigil::Error::kOk)
    return e;
  return n == 1 ? vigil::Error::kOk : vigil::Error::kInvalidState;
}

vigil::Error SqlMfaStore::AcceptStep(std::string_view user_id, int64_t step, bool* accepted) {
  int64_t n = 0;
  *accepted = false;
  if (vigil::Error e = Io(db_.Execute(
          "UPDATE mfa_totp SET last_step = ? WHERE user_id = ? AND confirmed = 1 AND last_step < ?",
          {Value{step}, Value{std::string(user_id)}, Value{step}}, nullptr, &n));
      e != vigil::Error::kOk)
    return e;
  *accepted = n == 1;
  return vigil::Error::kOk;
}

vigil::Error SqlMfaStore::SetRecoveryCodes(std::string_view user_id,
                                           const std::vector<auth::Digest>& hashes) {
  return Io(WithinTransaction(db_, [&]() -> Status {
    if (Status s = db_.Execute("DELETE FROM mfa_recovery_codes WHERE user_id = ?",
                               {Value{std::string(user_id)}});
        !s.ok())
      return s;
    for (const auth::Digest& h : hashes) {
      if (Status s = db_.Execute(
              "INSERT INTO mfa_recovery_codes (user_id, code_hash, used_us) VALUES (?, ?, NULL)",
              {Value{std::string(user_id)}, HashValue(h)});
          !s.ok())
        return s;
    }
    return Status::Ok();
  }));
}

vigil::Error SqlMfaStore::UseRecoveryCode(std::string_view user_id, const auth::Digest& hash,
                                          TimeUs now, bool* used) {
  int64_t n = 0;
  *used = false;
  if (vigil::Error e = Io(db_.Execute(
          "UPDATE mfa_recovery_codes SET used_us = ? WHERE user_id = ? AND code_hash = ? AND "
          "used_us IS NULL",
          {Value{now}, Value{std::string(user_id)}, HashValue(hash)}, nullptr, &n));
      e != vigil::Error::kOk)
    return e;
  *used = n == 1;
  return vigil::Error::kOk;
}

vigil::Error SqlMfaStore::UnusedRecoveryCodes(std::string_view user_id, size_t* n) {
  std::vector<Row> rows;
  if (vigil::Error e = Io(db_.Execute(
          "SELECT COUNT(*) FROM mfa_recovery_codes WHERE user_id = ? AND used_us IS NULL",
          {Value{std::string(user_id)}}, &rows));
      e != vigil::Error::kOk)
    return e;
  *n = rows.empty() ? 0 : static_cast<size_t>(rows[0].Int(0));
  return vigil::Error::kOk;
}

vigil::Error SqlMfaStore::PutTicket(const auth::MfaTicket& t) {
  const Status s = db_.Execute(
      "INSERT INTO mfa_tickets (ticket_hash, user_id, expires_us, failures) VALUES (?, ?, ?, ?)",
      {HashValue(t.hash), Value{t.user_id}, Value{t.expires}, Value{int64_t{t.failures}}});
  if (s.code == StoreError::kConstraint) {
    last_ = s;
    return vigil::Error::kInvalidState;
  }
  return Io(s);
}

vigil::Error SqlMfaStore::FindTicket(const auth::Digest& hash,
                                     std::optional<auth::MfaTicket>* out) {
  out->reset();
  std::vector<Row> rows;
  if (vigil::Error e = Io(
          db_.Execute("SELECT user_id, expires_us, failures FROM mfa_tickets WHERE ticket_hash = ?",
                      {HashValue(hash)}, &rows));
      e != vigil::Error::kOk)
    return e;
  if (rows.empty()) return vigil::Error::kOk;
  auth::MfaTicket t;
  t.hash = hash;
  t.user_id = rows[0].Text(0);
  t.expires = rows[0].Int(1);
  t.failures = static_cast<uint32_t>(rows[0].Int(2));
  *out = std::move(t);
  return vigil::Error::kOk;
}

vigil::Error SqlMfaStore::CountTicketFailure(const auth::Digest& hash) {
  return Io(db_.Execute("UPDATE mfa_tickets SET failures = failures + 1 WHERE ticket_hash = ?",
                        {HashValue(hash)}));
}

vigil::Error SqlMfaStore::TakeTicket(const auth::Digest& hash, bool* taken) {
  int64_t n = 0;
  *taken = false;
  if (vigil::Error e = Io(db_.Execute("DELETE FROM mfa_tickets WHERE ticket_hash = ?",
                                      {HashValue(hash)}, nullptr, &n));
      e != vigil::Error::kOk)
    return e;
  *taken = n == 1;
  return vigil::Error::kOk;
}

size_t SqlMfaStore::DeleteExpiredTickets(TimeUs now) {
  int64_t n = 0;
  last_ = db_.Execute("DELETE FROM mfa_tickets WHERE expires_us < ?", {Value{now}}, nullptr, &n);
  return last_.ok() ? static_cast<size_t>(n) : 0;
}

}  // namespace vigil::cloud
