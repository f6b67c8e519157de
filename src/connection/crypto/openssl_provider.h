// OpenSSL 3 (EVP) back-end of the crypto provider, and the two random sources.
#pragma once

#include <cstdint>
#include <memory>

#include "connection/crypto/provider.h"

namespace vigil {

// CryptoProvider over OpenSSL 3 EVP. Key handles index a table owned by this object;
// destroying it releases (and zeroizes) every key still held.
class OpenSslCrypto final : public CryptoProvider {
 public:
  OpenSslCrypto();
  ~OpenSslCrypto() override;
  OpenSslCrypto(const OpenSslCrypto&) = delete;
  OpenSslCrypto& operator=(const OpenSslCrypto&) = delete;

  Error Hmac(HashAlg alg, ByteSpan key, std::span<const ByteSpan> parts,
             MutableByteSpan out) override;
  Error MacImport(ByteSpan key, KeyHandle* handle) override;
  Error MacCompute(KeyHandle handle, std::span<const ByteSpan> parts, MutableByteSpan out) override;
  Error MacRekey(KeyHandle* handle, ByteSpan key) override;
  Error AeadImport(ByteSpan key16, KeyHandle* handle) override;
  Error AeadRekey(KeyHandle* handle, ByteSpan key16) override;
  Error AeadSeal(KeyHandle handle, ByteSpan nonce13, ByteSpan aad, ByteSpan plain,
                 MutableByteSpan cipher, MutableByteSpan tag) override;
  Error AeadOpen(KeyHandle handle, ByteSpan nonce13, ByteSpan aad, ByteSpan cipher, ByteSpan tag,
                 MutableByteSpan plain) override;
  void Release(KeyHandle* handle) override;
  Error Ed25519PublicFromPrivate(ByteSpan priv32, MutableByteSpan pub32) override;
  Error Ed25519Sign(ByteSpan priv32, ByteSpan msg, MutableByteSpan sig64) override;
  Error Ed25519Verify(ByteSpan pub32, ByteSpan msg, ByteSpan sig64) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The operating system's CSPRNG through OpenSSL (RAND_bytes). For keys and nonces in
// every deployment.
class OsRandom final : public RandomSource {
 public:
  Error Fill(MutableByteSpan out) override;
};

// A reproducible stream from a 64-bit seed: AES-128-CTR keystream (zero IV) under the
// first 16 bytes of SHA-256(seed as 8 little-endian bytes), buffered 4 KiB at a time.
// For the simulator and tests only: never for real keys. Next64() aborts if libcrypto
// fails, as it has no way to return an error.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed);
  ~SeededRandom() override;
  SeededRandom(const SeededRandom&) = delete;
  SeededRandom& operator=(const SeededRandom&) = delete;
  Error Fill(MutableByteSpan out) override;
  // Convenience for simulation decisions (not crypto): uniform 64-bit value.
  uint64_t Next64();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil
