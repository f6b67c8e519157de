// The second factor's flows over an MfaStore (docs/access-control.md, "Second factor"):
// TOTP enrolment (a pending secret, confirmed by a first valid code, which yields the
// recovery codes), the check of a typed code at login (a TOTP code of the window not
// accepted before, or an unused recovery code), and the login tickets between the
// password step and the second-factor step.
//
// A ticket is 32 random bytes in base64url (43 characters), stored as SHA-256 under a
// domain tag: whoever reads the table cannot finish someone's login. It is good for one
// successful second factor, for MfaConfig::ticket_ttl, and for ticket_max_failures wrong
// codes; then the password step must be passed again.
//
// Errors (vigil::Error): kOk; kIo (the store failed: fail closed); kCrypto (the RNG or
// liboath failed); kInvalidState and kInvalidArgument as each call says.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/auth/mfa_store.h"
#include "cloud/auth/totp.h"

namespace vigil::auth {

struct MfaConfig {
  TotpParams totp;
  std::string issuer = "Vigil";  // the name authenticator apps show above the code
  TimeUs ticket_ttl = 5 * 60 * kSeconds;
  uint32_t ticket_max_failures = 5;
};

struct TotpOffer {
  std::string secret_base32;
  std::string otpauth_uri;
};

struct TotpEnrolment {
  TotpOffer offer;
  std::vector<std::string> recovery_codes;  // shown once
};

// A fresh pending secret for `user_id`. kInvalidState: a confirmed secret exists.
vigil::Error BeginTotpEnrolment(MfaStore& store, std::string_view user_id, TimeUs now,
                                const MfaConfig& config, TotpOffer* out);

// Confirms the pending secret with a first code and makes the recovery codes.
// kInvalidArgument: the code is wrong; kInvalidState: nothing pending.
vigil::Error ConfirmTotpEnrolment(MfaStore& store, std::string_view user_id, std::string_view code,
                                  TimeUs now, const MfaConfig& config,
                                  std::vector<std::string>* recovery_codes);

// Enrols and confirms at once, replacing any secret: for an administrator who creates the
// account and hands the secret over (`vigil cloud user add --totp`, the demo's accounts).
vigil::Error EnrolTotp(MfaStore& store, std::string_view user_id, TimeUs now,
                       const MfaConfig& config, TotpEnrolment* out);

// What a person at a terminal needs to add the account to an authenticator app: the
// account, the secret, the otpauth URI, the QR code (qr_code.h's TerminalQr) and, if any,
// the recovery codes. For `vigil cloud user add --totp` and the demo's accounts.
std::string TotpTerminalText(std::string_view user_id, const TotpEnrolment& enrolment);

enum class SecondFactor : uint8_t {
  kTotp,          // accepted: a TOTP code
  kRecoveryCode,  // accepted: a recovery code, now used up
  kWrong,         // neither
  kReplayed,      // a TOTP code of a step already accepted
  kMalformed,     // not the shape of a code at all
  kNotEnrolled,   // the user has no confirmed TOTP secret
};
std::string_view SecondFactorName(SecondFactor f);

struct SecondFactorCheck {
  SecondFactor result = SecondFactor::kWrong;
  int64_t step = -1;         // kTotp: the step accepted
  size_t recovery_left = 0;  // kRecoveryCode: unused codes left
  bool ok() const { return result == SecondFactor::kTotp || result == SecondFactor::kRecoveryCode; }
};

// Checks `code` (6 digits, or a recovery code) for `user_id` at `now`, consuming what it
// accepts (the TOTP step, the recovery code).
vigil::Error CheckSecondFactor(MfaStore& store, std::string_view user_id, std::string_view code,
                               TimeUs now, const MfaConfig& config, SecondFactorCheck* out);

// The stored hash of a ticket, or nullopt when `ticket` is not of the form IssueTicket
// makes (43 base64url characters of 32 bytes).
std::optional<Digest> TicketHash(std::string_view ticket);

vigil::Error IssueTicket(MfaStore& store, std::string_view user_id, TimeUs now,
                         const MfaConfig& config, std::string* ticket);

}  // namespace vigil::auth
