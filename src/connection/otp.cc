#include "connection/otp.h"

#include <array>

#include "connection/keys.h"

namespace vigil {

Result<uint32_t> Hotp(CryptoProvider& c, HashAlg alg, ByteSpan key, ByteSpan moving_factor,
                      int digits) {
  if (digits < kHotpMinDigits || digits > kHotpMaxDigits) return Error::kInvalidArgument;
  const size_t mac_size = alg == HashAlg::kSha1 ? 20 : kSha256Size;
  std::array<uint8_t, kSha256Size> mac{};
  const ByteSpan parts[] = {moving_factor};
  Error e = c.Hmac(alg, key, parts, MutableByteSpan(mac.data(), mac_size));
  if (e != Error::kOk) {
    SecureZero(mac.data(), mac.size());
    return e;
  }
  // RFC 4226 section 5.3, dynamic truncation: 31 bits read big-endian at the offset.
  const size_t offset = mac[mac_size - 1] & 0x0f;
  const uint32_t binary = (uint32_t{mac[offset]} & 0x7f) << 24 | uint32_t{mac[offset + 1]} << 16 |
                          uint32_t{mac[offset + 2]} << 8 | uint32_t{mac[offset + 3]};
  SecureZero(mac.data(), mac.size());
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  return binary % modulus;
}

Result<uint32_t> HotpCounter(CryptoProvider& c, HashAlg alg, ByteSpan key, uint64_t counter,
                             int digits) {
  std::array<uint8_t, 8> factor;
  for (size_t i = 0; i < factor.size(); ++i) {
    factor[i] = static_cast<uint8_t>(counter >> (8 * (7 - i)));
  }
  return Hotp(c, alg, key, factor, digits);
}

}  // namespace vigil
