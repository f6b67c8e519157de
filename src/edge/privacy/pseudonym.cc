#include "edge/privacy/pseudonym.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/hex.h"

namespace vigil::privacy {

Pseudonymiser::Pseudonymiser(const std::array<uint8_t, kSiteKeySize>& site_key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) return;
  ctx_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  if (ctx_ == nullptr) return;
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_END};
  if (EVP_MAC_init(ctx_, site_key.data(), site_key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx_);
    ctx_ = nullptr;
  }
}

Pseudonymiser::~Pseudonymiser() { EVP_MAC_CTX_free(ctx_); }

Error Pseudonymiser::Pseudonym(std::string_view patient_id, std::string* out) const {
  if (patient_id.empty()) return Error::kInvalidArgument;
  if (ctx_ == nullptr) return Error::kCrypto;
  EVP_MAC_CTX* c = EVP_MAC_CTX_dup(ctx_);
  if (c == nullptr) return Error::kCrypto;
  const uint8_t zero = 0;
  uint8_t tag[EVP_MAX_MD_SIZE];
  size_t len = 0;
  const bool ok = EVP_MAC_update(c, reinterpret_cast<const uint8_t*>(kPseudonymLabel.data()),
                                 kPseudonymLabel.size()) == 1 &&
                  EVP_MAC_update(c, &zero, 1) == 1 &&
                  EVP_MAC_update(c, reinterpret_cast<const uint8_t*>(patient_id.data()),
                                 patient_id.size()) == 1 &&
                  EVP_MAC_final(c, tag, &len, sizeof(tag)) == 1 && len >= kPseudonymBytes;
  EVP_MAC_CTX_free(c);
  if (!ok) return Error::kCrypto;
  *out = ToHex(ByteSpan(tag, kPseudonymBytes));
  return Error::kOk;
}

}  // namespace vigil::privacy
