#include "cloud/auth/totp.h"

#include <liboath/oath.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <mutex>

namespace vigil::auth {
namespace {

bool OathReady() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = oath_init() == OATH_OK; });
  return ok;
}

int Flags(TotpAlgorithm a) {
  switch (a) {
    case TotpAlgorithm::kSha1:
      return 0;
    case TotpAlgorithm::kSha256:
      return OATH_TOTP_HMAC_SHA256;
    case TotpAlgorithm::kSha512:
      return OATH_TOTP_HMAC_SHA512;
  }
  return 0;
}

std::string_view AlgorithmName(TotpAlgorithm a) {
  switch (a) {
    case TotpAlgorithm::kSha1:
      return "SHA1";
    case TotpAlgorithm::kSha256:
      return "SHA256";
    case TotpAlgorithm::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

// RFC 3986 unreserved characters stay; everything else is %XX.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

int64_t TotpStep(TimeUs now, const TotpParams& params) {
  const int64_t s = now / kSeconds;
  const auto step = static_cast<int64_t>(params.step_s == 0 ? 30 : params.step_s);
  return s >= 0 ? s / step : -((-s + step - 1) / step);
}

std::optional<std::string> TotpCodeAt(ByteSpan secret, int64_t step, const TotpParams& params) {
  if (!OathReady() || secret.empty() || params.digits < 6 || params.digits > 8 ||
      params.step_s == 0 || step < 0)
    return std::nullopt;
  char out[16] = {};
  const auto t = static_cast<time_t>(step * static_cast<int64_t>(params.step_s));
  if (oath_totp_generate2(reinterpret_cast<const char*>(secret.data()), secret.size(), t,
                          params.step_s, 0, params.digits, Flags(params.algorithm), out) != OATH_OK)
    return std::nullopt;
  return std::string(out, params.digits);
}

bool IsTotpCodeSyntax(std::string_view code, const TotpParams& params) {
  if (code.size() != params.digits) return false;
  for (const char c : code)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<int64_t> MatchTotp(ByteSpan secret, std::string_view code, TimeUs now,
                                 int64_t last_accepted_step, const TotpParams& params) {
  if (!IsTotpCodeSyntax(code, params)) return std::nullopt;
  const int64_t centre = TotpStep(now, params);
  const auto w = static_cast<int64_t>(params.window);
  std::optional<int64_t> found;
  // Every step of the window is computed and compared; the first match in time order
  // wins, so that a code valid twice (a collision) names the earlier, unused step.
  for (int64_t step = centre - w; step <= centre + w; ++step) {
    const std::optional<std::string> expected = TotpCodeAt(secret, step, params);
    if (!expected) continue;
    const bool equal = CRYPTO_memcmp(expected->data(), code.data(), code.size()) == 0;
    if (equal && !found && step > last_accepted_step) found = step;
  }
  return found;
}

std::string Base32Encode(ByteSpan data) {
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(reinterpret_cast<const char*>(data.data()), data.size(), &out, &len) !=
      OATH_OK)
    return "";
  std::string s(out, len);
  std::free(out);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<std::vector<uint8_t>> Base32Decode(std::string_view text) {
  std::string padded;
  for (char c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    padded += c;
  }
  while (padded.size() % 8 != 0) padded += '=';
  char* out = nullptr;
  size_t len = 0;
  if (padded.empty() || oath_base32_decode(padded.data(), padded.size(), &out, &len) != OATH_OK)
    return std::nullopt;
  std::vector<uint8_t> b(reinterpret_cast<const uint8_t*>(out),
                         reinterpret_cast<const uint8_t*>(out) + len);
  std::free(out);
  return b;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view secret_base32, const TotpParams& params) {
  return "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) +
         "?secret=" + std::string(secret_base32) + "&issuer=" + PercentEncode(issuer) +
         "&algorithm=" + std::string(AlgorithmName(params.algorithm)) +
         "&digits=" + std::to_string(params.digits) + "&period=" + std::to_string(params.step_s);
}

}  // namespace vigil::auth
