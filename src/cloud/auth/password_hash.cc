#include "cloud/auth/password_hash.h"

#include <argon2.h>
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

bool ScryptInBounds(const ScryptParams& p) {
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

struct ParsedScrypt {
  ScryptParams params;
  std::vector<uint8_t> salt, hash;
};

// "$scrypt$ln=15,r=8,p=1$<salt>$<hash>"
std::optional<ParsedScrypt> ParseScrypt(std::string_view e) {
  constexpr std::string_view kHead = "$scrypt$ln=";
  if (!e.starts_with(kHead)) return std::nullopt;
  e.remove_prefix(kHead.size());
  ParsedScrypt out;
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
      !ScryptInBounds(out.params)) {
    return std::nullopt;
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

std::string EncodeScrypt(const ScryptParams& p, ByteSpan salt, ByteSpan hash) {
  return "$scrypt$ln=" + std::to_string(p.log2_n) + ",r=" + std::to_string(p.r) +
         ",p=" + std::to_string(p.p) + "$" + Base64UrlEncode(salt) + "$" + Base64UrlEncode(hash);
}

// --- Argon2id -------------------------------------------------------------------------

constexpr std::string_view kArgonHead = "$argon2id$v=19$m=";

struct ParsedArgon2 {
  Argon2Params params;
  std::vector<uint8_t> salt, hash;
};

bool ParseUint32(std::string_view s, uint32_t* v) {
  if (s.empty() || s.size() > 7 || (s.size() > 1 && s[0] == '0')) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// PHC's base64 is the standard alphabet without padding.
std::optional<std::vector<uint8_t>> PhcBase64Decode(std::string_view s) {
  if (s.size() % 4 == 1 || s.find('=') != std::string_view::npos) return std::nullopt;
  std::string padded(s);
  while (padded.size() % 4 != 0) padded.push_back('=');
  return Base64Decode(padded);
}

// "$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>"; only what libargon2 writes.
std::optional<ParsedArgon2> ParseArgon2(std::string_view e) {
  if (!e.starts_with(kArgonHead)) return std::nullopt;
  e.remove_prefix(kArgonHead.size());
  ParsedArgon2 out;
  const size_t c1 = e.find(",t=");
  if (c1 == std::string_view::npos || !ParseUint32(e.substr(0, c1), &out.params.memory_kib))
    return std::nullopt;
  e.remove_prefix(c1 + 3);
  const size_t c2 = e.find(",p=");
  if (c2 == std::string_view::npos || !ParseUint32(e.substr(0, c2), &out.params.iterations))
    return std::nullopt;
  e.remove_prefix(c2 + 3);
  const size_t d1 = e.find('$');
  if (d1 == std::string_view::npos || !ParseUint32(e.substr(0, d1), &out.params.lanes))
    return std::nullopt;
  e.remove_prefix(d1 + 1);
  const size_t d2 = e.find('$');
  if (d2 == std::string_view::npos) return std::nullopt;
  auto salt = PhcBase64Decode(e.substr(0, d2));
  auto hash = PhcBase64Decode(e.substr(d2 + 1));
  if (!salt || !hash || salt->size() < 8 || salt->size() > 64 || hash->size() != kHashBytes ||
      !InBounds(out.params))
    return std::nullopt;
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

bool Argon2id(std::string_view password, ByteSpan salt, const Argon2Params& p, uint8_t* out,
              size_t out_len) {
  return argon2id_hash_raw(p.iterations, p.memory_kib, p.lanes, password.data(), password.size(),
                           salt.data(), salt.size(), out, out_len) == ARGON2_OK;
}

}  // namespace

bool InBounds(const Argon2Params& p) {
  return p.memory_kib >= 1024 && p.memory_kib <= (1u << 20) && p.iterations >= 1 &&
         p.iterations <= 16 && p.lanes >= 1 && p.lanes <= 8 && p.memory_kib >= 8 * p.lanes;
}

std::optional<std::string> HashPassword(std::string_view password, const Argon2Params& params) {
  if (password.size() > kMaxPasswordBytes || !InBounds(params)) return std::nullopt;
  std::optional<std::vector<uint8_t>> salt = RandomBytes(kSaltBytes);
  if (!salt) return std::nullopt;
  std::string encoded(argon2_encodedlen(params.iterations, params.memory_kib, params.lanes,
                                        kSaltBytes, kHashBytes, Argon2_id),
                      '\0');
  if (argon2id_hash_encoded(params.iterations, params.memory_kib, params.lanes, password.data(),
                            password.size(), salt->data(), salt->size(), kHashBytes, encoded.data(),
                            encoded.size()) != ARGON2_OK)
    return std::nullopt;
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

std::optional<std::string> HashScryptPassword(std::string_view password,
                                              const ScryptParams& params) {
  if (password.size() > kMaxPasswordBytes || !ScryptInBounds(params)) return std::nullopt;
  std::optional<std::vector<uint8_t>> salt = RandomBytes(kSaltBytes);
  if (!salt) return std::nullopt;
  uint8_t hash[kHashBytes];
  if (!Scrypt(password, *salt, params, hash, sizeof hash)) return std::nullopt;
  return EncodeScrypt(params, *salt, ByteSpan(hash, sizeof hash));
}

PasswordCheck VerifyPassword(std::string_view password, std::string_view encoded) {
  if (password.size() > kMaxPasswordBytes) return PasswordCheck::kTooLong;
  uint8_t hash[kHashBytes];
  if (encoded.starts_with("$argon2")) {
    std::optional<ParsedArgon2> a = ParseArgon2(encoded);
    if (!a) return PasswordCheck::kMalformedHash;
    if (!Argon2id(password, a->salt, a->params, hash, sizeof hash)) return PasswordCheck::kCrypto;
    return ConstantTimeEqual(ByteSpan(hash, sizeof hash), a->hash) ? PasswordCheck::kMatch
                                                                   : PasswordCheck::kMismatch;
  }
  std::optional<ParsedScrypt> p = ParseScrypt(encoded);
  if (!p) return PasswordCheck::kMalformedHash;
  if (!Scrypt(password, p->salt, p->params, hash, sizeof hash)) return PasswordCheck::kCrypto;
  return ConstantTimeEqual(ByteSpan(hash, sizeof hash), p->hash) ? PasswordCheck::kMatch
                                                                 : PasswordCheck::kMismatch;
}

bool NeedsRehash(std::string_view encoded, const Argon2Params& params) {
  std::optional<ParsedArgon2> a = ParseArgon2(encoded);
  if (!a) return true;
  return a->params.memory_kib < params.memory_kib || a->params.iterations < params.iterations ||
         a->params.lanes < params.lanes;
}

bool VerifyAgainstDummy(std::string_view password, const Argon2Params& params) {
  if (!InBounds(params)) return false;
  const std::vector<uint8_t> salt(kSaltBytes, 0x5a);
  uint8_t hash[kHashBytes];
  (void)Argon2id(password.substr(0, kMaxPasswordBytes), salt, params, hash, sizeof hash);
  return false;
}

}  // namespace vigil::auth
