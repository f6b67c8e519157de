// Long-term key material of one enrolled device (seed 000, "key personalization").
//
//  uid          64-bit identity, used as the device's IEEE 802.15.4 extended address
//  kd           per-device pre-shared key (128 bits from a CSPRNG), never shared
//  secretkey2   the sealed secret of Algorithm 1 (the "common function"); device-only
//               in the paper's words, so the coordinator keeps only R2 and R3-derived
//               material where it can (see docs/protocol.md, "Common function")
//  username,    credentials; the paper's threat model assumes these can be stolen
//  password
//  cpan_uid     the coordinator the device is enrolled with
//  cpan_sign_pub  the coordinator's Ed25519 public key (hardened broadcast authentication)
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/error.h"
#include "connection/crypto/provider.h"

namespace vigil {

inline constexpr size_t kKdSize = 16;
inline constexpr size_t kSecretKey2Size = 32;
inline constexpr size_t kMaxCredentialSize = 32;

struct Credential {
  std::array<uint8_t, kMaxCredentialSize> bytes{};
  uint8_t size = 0;
  ByteSpan span() const { return ByteSpan(bytes.data(), size); }
  // Returns false if `s` is empty or longer than kMaxCredentialSize.
  bool Set(ByteSpan s);
};

struct DeviceSecrets {
  uint64_t uid = 0;
  uint64_t cpan_uid = 0;
  std::array<uint8_t, kKdSize> kd{};
  std::array<uint8_t, kSecretKey2Size> secretkey2{};
  Credential username;
  Credential password;
  std::array<uint8_t, kEd25519PublicKeySize> cpan_sign_pub{};
};

// Algorithm 1 of seed 000, the "common function":
//   R1 = HMAC-SHA256(key = username, msg = password)
//   R2 = HMAC-SHA256(key = R1,       msg = Kd)
//   R3 = HMAC-SHA256(key = R2,       msg = Secretkey2)
// The paper writes HMAC-SHA256(a, b); we read the first argument as the HMAC key, the
// usual convention (RFC 2104 writes HMAC(K, text)). Empty credentials are refused with
// kInvalidArgument (Credential::Set never produces them).
Error CommonFunctionR1(CryptoProvider& c, ByteSpan username, ByteSpan password,
                       MutableByteSpan r1_32);
Error CommonFunctionR3(CryptoProvider& c, const DeviceSecrets& s, MutableByteSpan r3_32);

// Overwrites with zeros in a way the optimiser cannot drop.
void SecureZero(void* p, size_t n);

}  // namespace vigil
