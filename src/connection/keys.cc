#include "connection/keys.h"

#include <openssl/crypto.h>

#include <cstring>

namespace vigil {

bool Credential::Set(ByteSpan s) {
  if (s.empty() || s.size() > kMaxCredentialSize) return false;
  SecureZero(bytes.data(), bytes.size());
  std::memcpy(bytes.data(), s.data(), s.size());
  size = static_cast<uint8_t>(s.size());
  return true;
}

// An empty username or password is a credential that was never set (Credential::Set
// refuses empty input), so it is refused here rather than hashed.
Error CommonFunctionR1(CryptoProvider& c, ByteSpan username, ByteSpan password,
                       MutableByteSpan r1_32) {
  if (r1_32.size() != kSha256Size || username.empty() || password.empty()) {
    return Error::kInvalidArgument;
  }
  return HmacSha256(c, username, {password}, r1_32);
}

Error CommonFunctionR3(CryptoProvider& c, const DeviceSecrets& s, MutableByteSpan r3_32) {
  if (r3_32.size() != kSha256Size) return Error::kInvalidArgument;
  uint8_t r1[kSha256Size];
  uint8_t r2[kSha256Size];
  Error e = CommonFunctionR1(c, s.username.span(), s.password.span(), r1);
  if (e == Error::kOk) e = HmacSha256(c, r1, {ByteSpan(s.kd)}, r2);
  if (e == Error::kOk) e = HmacSha256(c, r2, {ByteSpan(s.secretkey2)}, r3_32);
  SecureZero(r1, sizeof(r1));
  SecureZero(r2, sizeof(r2));
  if (e != Error::kOk) SecureZero(r3_32.data(), r3_32.size());
  return e;
}

void SecureZero(void* p, size_t n) {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

}  // namespace vigil
