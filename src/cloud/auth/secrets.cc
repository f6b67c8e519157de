#include "cloud/auth/secrets.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "cloud/auth/base64url.h"

namespace vigil::auth {

std::optional<std::vector<uint8_t>> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) return std::nullopt;
  return out;
}

std::optional<std::string> RandomToken(size_t n) {
  std::optional<std::vector<uint8_t>> b = RandomBytes(n);
  if (!b) return std::nullopt;
  return Base64UrlEncode(*b);
}

Digest Sha256(std::initializer_list<std::string_view> parts) {
  Digest out{};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned int len = 0;
  // SHA-256 on a valid context does not fail short of memory exhaustion; a failure leaves
  // an all-zero digest, which no stored hash equals (they are computed the same way and
  // compared in full), so it fails closed.
  if (ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1) {
    bool ok = true;
    for (std::string_view p : parts)
      ok = ok && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) == 1;
    if (!ok || EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1) out.fill(0);
  }
  return out;
}

bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace vigil::auth
