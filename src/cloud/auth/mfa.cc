#include "cloud/auth/mfa.h"

#include "cloud/auth/base64url.h"
#include "cloud/auth/qr_code.h"
#include "cloud/auth/recovery_codes.h"

namespace vigil::auth {
namespace {

vigil::Error NewRecoveryCodes(MfaStore& store, std::string_view user_id,
                              std::vector<std::string>* codes) {
  std::optional<std::vector<std::string>> made = GenerateRecoveryCodes();
  if (!made) return vigil::Error::kCrypto;
  std::vector<Digest> hashes;
  for (const std::string& c : *made)
    hashes.push_back(RecoveryCodeHash(user_id, *NormaliseRecoveryCode(c)));
  if (vigil::Error e = store.SetRecoveryCodes(user_id, hashes); e != vigil::Error::kOk) return e;
  *codes = std::move(*made);
  return vigil::Error::kOk;
}

TotpOffer OfferFor(std::string_view user_id, ByteSpan secret, const MfaConfig& config) {
  TotpOffer o;
  o.secret_base32 = Base32Encode(secret);
  o.otpauth_uri = OtpauthUri(config.issuer, user_id, o.secret_base32, config.totp);
  return o;
}

}  // namespace

std::string_view SecondFactorName(SecondFactor f) {
  switch (f) {
    case SecondFactor::kTotp:
      return "totp";
    case SecondFactor::kRecoveryCode:
      return "recovery_code";
    case SecondFactor::kWrong:
      return "wrong_code";
    case SecondFactor::kReplayed:
      return "replayed_code";
    case SecondFactor::kMalformed:
      return "malformed_code";
    case SecondFactor::kNotEnrolled:
      return "not_enrolled";
  }
  return "wrong_code";
}

vigil::Error BeginTotpEnrolment(MfaStore& store, std::string_view user_id, TimeUs now,
                                const MfaConfig& config, TotpOffer* out) {
  std::optional<std::vector<uint8_t>> secret = RandomBytes(kTotpSecretBytes);
  if (!secret) return vigil::Error::kCrypto;
  if (vigil::Error e = store.PutPendingTotp(user_id, *secret, now); e != vigil::Error::kOk)
    return e;
  *out = OfferFor(user_id, *secret, config);
  return vigil::Error::kOk;
}

vigil::Error ConfirmTotpEnrolment(MfaStore& store, std::string_view user_id, std::string_view code,
                                  TimeUs now, const MfaConfig& config,
                                  std::vector<std::string>* recovery_codes) {
  std::optional<TotpRecord> r;
  if (vigil::Error e = store.FindTotp(user_id, &r); e != vigil::Error::kOk) return e;
  if (!r || r->confirmed) return vigil::Error::kInvalidState;
  const std::optional<int64_t> step = MatchTotp(r->secret, code, now, -1, config.totp);
  if (!step) return vigil::Error::kInvalidArgument;
  if (vigil::Error e = store.ConfirmTotp(user_id, *step); e != vigil::Error::kOk) return e;
  return NewRecoveryCodes(store, user_id, recovery_codes);
}

vigil::Error EnrolTotp(MfaStore& store, std::string_view user_id, TimeUs now,
                       const MfaConfig& config, TotpEnrolment* out) {
  std::optional<std::vector<uint8_t>> secret = RandomBytes(kTotpSecretBytes);
  if (!secret) return vigil::Error::kCrypto;
  // The step before now: the person's first code, a moment later, must still be accepted.
  const int64_t step = TotpStep(now, config.totp) - static_cast<int64_t>(config.totp.window) - 1;
  if (vigil::Error e = store.PutConfirmedTotp(user_id, *secret, step, now); e != vigil::Error::kOk)
    return e;
  out->offer = OfferFor(user_id, *secret, config);
  return NewRecoveryCodes(store, user_id, &out->recovery_codes);
}

vigil::Error CheckSecondFactor(MfaStore& store, std::string_view user_id, std::string_view code,
                               TimeUs now, const MfaConfig& config, SecondFactorCheck* out) {
  *out = SecondFactorCheck{};
  std::optional<TotpRecord> r;
  if (vigil::Error e = store.FindTotp(user_id, &r); e != vigil::Error::kOk) return e;
  if (!r || !r->confirmed) {
    out->result = SecondFactor::kNotEnrolled;
    return vigil::Error::kOk;
  }
  if (IsTotpCodeSyntax(code, config.totp)) {
    const std::optional<int64_t> step = MatchTotp(r->secret, code, now, r->last_step, config.totp);
    if (!step) {
      // Right code, used before: named apart in the audit (someone replays what they saw).
      out->result = MatchTotp(r->secret, code, now, -1, config.totp) ? SecondFactor::kReplayed
                                                                     : SecondFactor::kWrong;
      return vigil::Error::kOk;
    }
    bool accepted = false;
    if (vigil::Error e = store.AcceptStep(user_id, *step, &accepted); e != vigil::Error::kOk)
      return e;
    out->result = accepted ? SecondFactor::kTotp : SecondFactor::kReplayed;  // lost a race
    out->step = *step;
    return vigil::Error::kOk;
  }
  const std::optional<std::string> norm = NormaliseRecoveryCode(code);
  if (!norm) {
    out->result = SecondFactor::kMalformed;
    return vigil::Error::kOk;
  }
  bool used = false;
  if (vigil::Error e = store.UseRecoveryCode(user_id, RecoveryCodeHash(user_id, *norm), now, &used);
      e != vigil::Error::kOk)
    return e;
  if (!used) {
    out->result = SecondFactor::kWrong;
    return vigil::Error::kOk;
  }
  out->result = SecondFactor::kRecoveryCode;
  return store.UnusedRecoveryCodes(user_id, &out->recovery_left);
}

std::string TotpTerminalText(std::string_view user_id, const TotpEnrolment& enrolment) {
  std::string out = "TOTP for " + std::string(user_id) +
                    "\n  secret: " + enrolment.offer.secret_base32 +
                    "\n  uri:    " + enrolment.offer.otpauth_uri + "\n";
  out += TerminalQr(enrolment.offer.otpauth_uri);
  if (!enrolment.recovery_codes.empty()) {
    out += "  recovery codes (each works once; keep them apart from the phone):\n";
    for (const std::string& c : enrolment.recovery_codes) out += "    " + c + "\n";
  }
  return out;
}

std::optional<Digest> TicketHash(std::string_view ticket) {
  if (ticket.size() != 43) return std::nullopt;
  std::optional<std::vector<uint8_t>> raw = Base64UrlDecode(ticket);
  if (!raw || raw->size() != 32) return std::nullopt;
  return Sha256({"vigil-mfa-ticket-v1", std::string_view("\0", 1), ticket});
}

vigil::Error IssueTicket(MfaStore& store, std::string_view user_id, TimeUs now,
                         const MfaConfig& config, std::string* ticket) {
  std::optional<std::string> t = RandomToken(32);
  if (!t) return vigil::Error::kCrypto;
  MfaTicket m;
  m.hash = *TicketHash(*t);
  m.user_id = std::string(user_id);
  m.expires = now + config.ticket_ttl;
  if (vigil::Error e = store.PutTicket(m); e != vigil::Error::kOk) return e;
  *ticket = std::move(*t);
  return vigil::Error::kOk;
}

}  // namespace vigil::auth
