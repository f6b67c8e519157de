// Pseudonyms: what every record that leaves the edge carries instead of the patient's
// identifier (docs/privacy.md, "Pseudonyms").
//
//   pseudonym = hex(first 16 bytes of HMAC-SHA256(site_key, "vigil/pseudonym/v1" || 0x00 ||
//                                                  patient_id))
//
// 32 lowercase hex digits. Stable: the same patient id under the same site key always
// gives the same pseudonym (a patient's readings link up across time and restarts);
// keyed: without the site key, which never leaves the edge, an MRN cannot be turned into
// its pseudonym, nor a pseudonym checked against a list of MRNs; per site: two sites'
// keys give unrelated pseudonyms for one patient. The label fixes the version: a future
// form would use a new label, never reinterpret this one. 128 bits keep collisions out of
// reach (about 2^-89 for a million patients).
//
// The patient id is taken byte for byte as configured (no case folding or trimming).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.h"
#include "edge/privacy/site_key.h"

typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace vigil::privacy {

inline constexpr std::string_view kPseudonymLabel = "vigil/pseudonym/v1";
inline constexpr size_t kPseudonymBytes = 16;
inline constexpr size_t kPseudonymChars = 2 * kPseudonymBytes;

class Pseudonymiser {
 public:
  // Keys HMAC-SHA256 (OpenSSL 3 EVP_MAC) once; ok() is false if OpenSSL failed.
  explicit Pseudonymiser(const std::array<uint8_t, kSiteKeySize>& site_key);
  ~Pseudonymiser();
  Pseudonymiser(const Pseudonymiser&) = delete;
  Pseudonymiser& operator=(const Pseudonymiser&) = delete;

  bool ok() const { return ctx_ != nullptr; }
  // kInvalidArgument for an empty id, kCrypto if OpenSSL fails (or !ok()).
  Error Pseudonym(std::string_view patient_id, std::string* out) const;

 private:
  EVP_MAC_CTX* ctx_ = nullptr;  // keyed; duplicated per call so the key is set up once
};

}  // namespace vigil::privacy
