// Time-based one-time passwords (RFC 6238, over HOTP of RFC 4226), computed by liboath:
// the code of a time step, the step a typed code belongs to within a window around now,
// the secret in base32 (RFC 4648) and the otpauth:// URI authenticator apps read from a
// QR code (the Key Uri Format that Google Authenticator defined and every app follows).
//
// Replay: MatchTotp only accepts a step later than the last one accepted for the account
// (the caller stores it, atomically, per user), so a code seen over a shoulder or in a
// log cannot be played again, not even inside its own 30 s.
//
// Timing: every candidate step of the window is computed and compared in constant time,
// whatever matches, so how long a check takes tells nothing about which step was close.
//
// Thread-safety: pure functions; liboath is initialised once (std::call_once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/time.h"

namespace vigil::auth {

enum class TotpAlgorithm : uint8_t { kSha1, kSha256, kSha512 };

struct TotpParams {
  uint32_t digits = 6;   // 6, 7 or 8
  uint32_t step_s = 30;  // the time step X of RFC 6238
  uint32_t window = 1;   // steps accepted before and after now (clock skew)
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;  // what every authenticator app does
};

// 160 bits, the HMAC-SHA-1 block's worth RFC 4226 recommends.
inline constexpr size_t kTotpSecretBytes = 20;

// The time step of `now` (Unix microseconds): floor(seconds / step_s).
int64_t TotpStep(TimeUs now, const TotpParams& params);

// The code of time step `step`, zero-padded to params.digits. nullopt if liboath fails
// (an empty secret, digits outside 6..8).
std::optional<std::string> TotpCodeAt(ByteSpan secret, int64_t step, const TotpParams& params);

// The step of `code` within [step(now) - window, step(now) + window] and later than
// `last_accepted_step` (-1: none yet), or nullopt (wrong, malformed or replayed).
std::optional<int64_t> MatchTotp(ByteSpan secret, std::string_view code, TimeUs now,
                                 int64_t last_accepted_step, const TotpParams& params);

// True for exactly params.digits ASCII digits.
bool IsTotpCodeSyntax(std::string_view code, const TotpParams& params);

// RFC 4648 base32, upper case, without padding (what authenticator apps expect).
std::string Base32Encode(ByteSpan data);
// The bytes of a base32 secret as a person types or an app shows it (upper or lower case,
// with or without padding); nullopt for anything else.
std::optional<std::vector<uint8_t>> Base32Decode(std::string_view text);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
// with the label and issuer percent-encoded.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_base32, const TotpParams& params);

}  // namespace vigil::auth
