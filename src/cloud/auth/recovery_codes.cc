#include "cloud/auth/recovery_codes.h"

namespace vigil::auth {
namespace {

// Crockford's base32: digits and lower case without i, l, o, u.
constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

}  // namespace

std::optional<std::vector<std::string>> GenerateRecoveryCodes() {
  std::vector<std::string> out;
  for (size_t i = 0; i < kRecoveryCodeCount; ++i) {
    // 10 bytes = 80 bits = 16 letters of 5 bits.
    std::optional<std::vector<uint8_t>> raw = RandomBytes(10);
    if (!raw) return std::nullopt;
    std::string code;
    uint32_t acc = 0;
    int bits = 0;
    for (const uint8_t b : *raw) {
      acc = (acc << 8) | b;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        if (code.size() % 5 == 4) code.push_back('-');
        code.push_back(kAlphabet[(acc >> bits) & 31]);
      }
    }
    out.push_back(std::move(code));
  }
  return out;
}

std::optional<std::string> NormaliseRecoveryCode(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string out;
  for (const char ch : typed) {
    if (ch == '-' || ch == ' ' || ch == '\t') continue;
    char c = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    if (c == 'i' || c == 'l') c = '1';  // read off paper, as Crockford decodes them
    if (c == 'o') c = '0';
    if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    out.push_back(c);
  }
  if (out.size() != kRecoveryCodeChars) return std::nullopt;
  return out;
}

Digest RecoveryCodeHash(std::string_view user_id, std::string_view normalised) {
  return Sha256({"vigil-recovery-v1", std::string_view("\0", 1), user_id, std::string_view("\0", 1),
                 normalised});
}

}  // namespace vigil::auth
