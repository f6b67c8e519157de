#include "cloud/auth/password_hash.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <charconv>
#include <memory>
#include <vector>

#include "cloud/auth/base64url.h"
#include "cloud/auth/secrets.h"

namespace vigil::auth {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

bool InBounds(const ScryptParams& p) {
  if (p.log2_n < 10 || p.log2_n > 20 || p.r < 1 || p.r > 16 || p.p < 1 || p.p > 4) return false;
  const uint64_t mem = 128ull * p.r * (uint64_t{1} << p.log2_n) * p.p;
  return mem <= (uint64_t{256} << 20);
}

bool Scrypt(std::string_view password, const std::vector<uint8_t>& salt, const ScryptParams& p,
            uint8_t* out, size_t out_len) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr),
                                                        EVP_KDF_free);
  if (!kdf) return false;
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                                EVP_KDF_CTX_free);
  if (!ctx) return false;
  uint64_t n = uint64_t{1} << p.log2_n;
  uint32_t r = p.r, par = p.p;
  // Room for the V array (128 r N) and the B array (128 r p), plus slack.
  uint64_t maxmem = 128ull * r * n + 128ull * r * par + (uint64_t{1} << 20);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end(),
  };
  return EVP_KDF_derive(ctx.get(), out, out_len, params) == 1;
}

bool ParseUint(std::string_view s, uint32_t* v) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

struct Parsed {
  ScryptParams params;
  std::vector<uint8_t> salt, hash;
};

// "$scrypt$ln=15,r=8,p=1$<salt>$<hash>"
std::optional<Parsed> Parse(std::string_view e) {
  constexpr std::string_view kHead = "$scrypt$ln=";
  if (!e.starts_with(kHead)) return std::nullopt;
  e.remove_prefix(kHead.size());
  Parsed out;
  const size_t c1 = e.find(",r=");
  if (c1 == std::string_view::npos || !ParseUint(e.substr(0, c1), &out.params.log2_n)) {
    return std::nullopt;
  }
  e.remove_prefix(c1 + 3);
  const size_t c2 = e.find(",p=");
  if (c2 == std::string_view::npos || !ParseUint(e.substr(0, c2), &out.params.r)) {
    return std::nullopt;
  }
  e.remove_prefix(c2 + 3);
  const size_t d1 = e.find('$');
  if (d1 == std::string_view::npos || !ParseUint(e.substr(0, d1), &out.params.p)) {
    return std::nullopt;
  }
  e.remove_prefix(d1 + 1);
  const size_t d2 = e.find('$');
  if (d2 == std::string_view::npos) return std::nullopt;
  auto salt = Base64UrlDecode(e.substr(0, d2));
  auto hash = Base64UrlDecode(e.substr(d2 + 1));
  if (!salt || !hash || salt->size() < 8 || salt->size() > 64 || hash->size() != kHashBytes ||
      !InBounds(out.params)) {
    return std::nullopt;
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

std::string Encode(const ScryptParams& p, ByteSpan salt, ByteSpan hash) {
  return "$scrypt$ln=" + std::to_string(p.log2_n) + ",r=" + std::to_string(p.r) +
         ",p=" + std::to_string(p.p) + "$" + Base64UrlEncode(salt) + "$" + Base64UrlEncode(hash);
}

}  // namespace

std::optional<std::string> HashPassword(std::string_view password, const ScryptParams& params) {
  if (password.size() > kMaxPasswordBytes || !InBounds(params)) return std::nullopt;
  std::optional<std::vector<uint8_t>> salt = RandomBytes(kSaltBytes);
  if (!salt) return std::nullopt;
  uint8_t hash[kHashBytes];
  if (!Scrypt(password, *salt, params, hash, sizeof hash)) return std::nullopt;
  return Encode(params, *salt, ByteSpan(hash, sizeof hash));
}

PasswordCheck VerifyPassword(std::string_view password, std::string_view encoded) {
  if (password.size() > kMaxPasswordBytes) return PasswordCheck::kTooLong;
  std::optional<Parsed> p = Parse(encoded);
  if (!p) return PasswordCheck::kMalformedHash;
  uint8_t hash[kHashBytes];
  if (!Scrypt(password, p->salt, p->params, hash, sizeof hash)) return PasswordCheck::kCrypto;
  return ConstantTimeEqual(ByteSpan(hash, sizeof hash), p->hash) ? PasswordCheck::kMatch
                                                                 : PasswordCheck::kMismatch;
}

bool NeedsRehash(std::string_view encoded, const ScryptParams& params) {
  std::optional<Parsed> p = Parse(encoded);
  if (!p) return true;
  return p->params.log2_n < params.log2_n || p->params.r < params.r || p->params.p < params.p;
}

bool VerifyAgainstDummy(std::string_view password, const ScryptParams& params) {
  if (!InBounds(params)) return false;
  const std::vector<uint8_t> salt(kSaltBytes, 0x5a);
  uint8_t hash[kHashBytes];
  (void)Scrypt(password.substr(0, kMaxPasswordBytes), salt, params, hash, sizeof hash);
  return false;
}

}  // namespace vigil::auth
