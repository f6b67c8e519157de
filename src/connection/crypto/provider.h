// The crypto provider: the only door to cryptographic primitives.
//
// Shaped like PSA Crypto (keys are opaque handles the back-end owns), so that a
// microcontroller build can swap the OpenSSL back-end for PSA / Mbed TLS or a secure
// element without touching the protocol cores. No primitive is implemented by Vigil.
//
// Contracts:
//  - Handles are valid from a successful *Import* until *Release*. Releasing zeroizes the
//    key material inside the back-end. A default-constructed handle is invalid.
//  - Prepared keys pay their key schedule once; MacCompute/AeadSeal/AeadOpen on a
//    prepared key do no per-call key set-up (the data-frame hot path relies on this).
//  - All outputs are written to caller-owned buffers; sizes are checked and an undersized
//    buffer returns Error::kInvalidArgument (local misuse), a failed verification returns
//    Error::kBadTag (remote misbehaviour).
//  - Not thread-safe: one provider per thread (each daemon worker, each simulation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "common/bytes.h"
#include "common/error.h"

namespace vigil {

inline constexpr size_t kSha256Size = 32;
inline constexpr size_t kAes128KeySize = 16;
inline constexpr size_t kCcmNonceSize = 13;  // 802.15.4 CCM*: L = 2
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519PrivateKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

struct KeyHandle {
  int32_t id = -1;
  bool valid() const { return id >= 0; }
};

enum class HashAlg : uint8_t { kSha256, kSha1 };  // SHA-1 only for RFC 4226 conformance

class CryptoProvider {
 public:
  virtual ~CryptoProvider() = default;

  // One-shot HMAC over the concatenation of `parts` (key set-up included).
  // out.size() must be between 1 and the hash size; the tag is truncated to out.size().
  virtual Error Hmac(HashAlg alg, ByteSpan key, std::span<const ByteSpan> parts,
                     MutableByteSpan out) = 0;

  // Prepared HMAC-SHA256 key for repeated use.
  virtual Error MacImport(ByteSpan key, KeyHandle* handle) = 0;
  virtual Error MacCompute(KeyHandle handle, std::span<const ByteSpan> parts,
                           MutableByteSpan out) = 0;
  // Replaces the key a valid MAC handle holds by `key` (an invalid handle is imported):
  // the old key is gone when it returns, as after Release. For a key that moves on at
  // every use (the common function), where a back-end can re-key its context in place
  // instead of wiping it and keying another. On an error the handle is invalid.
  virtual Error MacRekey(KeyHandle* handle, ByteSpan key) {
    if (handle == nullptr) return Error::kInvalidArgument;
    Release(handle);
    return MacImport(key, handle);
  }

  // Prepared AES-128-CCM key. tag.size() must be 4, 6, 8, 10, 12, 14 or 16.
  virtual Error AeadImport(ByteSpan key16, KeyHandle* handle) = 0;
  // Encrypts `plain` into `cipher` (same size) and writes the tag.
  virtual Error AeadSeal(KeyHandle handle, ByteSpan nonce13, ByteSpan aad, ByteSpan plain,
                         MutableByteSpan cipher, MutableByteSpan tag) = 0;
  // Replaces the key a valid AEAD handle holds by `key16` (an invalid handle is
  // imported), as MacRekey does: a back-end re-keys the contexts it holds in place, so
  // the old key is gone without a wipe of its own. On an error the handle is invalid.
  virtual Error AeadRekey(KeyHandle* handle, ByteSpan key16) {
    if (handle == nullptr) return Error::kInvalidArgument;
    Release(handle);
    return AeadImport(key16, handle);
  }
  // Decrypts into `plain` (same size as cipher). On kBadTag, `plain` is zeroed.
  virtual Error AeadOpen(KeyHandle handle, ByteSpan nonce13, ByteSpan aad, ByteSpan cipher,
                         ByteSpan tag, MutableByteSpan plain) = 0;

  virtual void Release(KeyHandle* handle) = 0;

  // Ed25519 (RFC 8032), for broadcast frames an insider holding Kb cannot forge.
  virtual Error Ed25519PublicFromPrivate(ByteSpan priv32, MutableByteSpan pub32) = 0;
  virtual Error Ed25519Sign(ByteSpan priv32, ByteSpan msg, MutableByteSpan sig64) = 0;
  virtual Error Ed25519Verify(ByteSpan pub32, ByteSpan msg, ByteSpan sig64) = 0;
};

// Randomness is injected separately from the primitives, so that a simulation can run
// the very same cores on a seeded, reproducible source.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual Error Fill(MutableByteSpan out) = 0;
};

// Convenience: one-shot HMAC-SHA256 over up to a few parts.
inline Error HmacSha256(CryptoProvider& c, ByteSpan key, std::initializer_list<ByteSpan> parts,
                        MutableByteSpan out) {
  return c.Hmac(HashAlg::kSha256, key, std::span<const ByteSpan>(parts.begin(), parts.size()), out);
}

}  // namespace vigil
