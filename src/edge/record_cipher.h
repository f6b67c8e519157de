// Encryption at rest of the registry's secrets (docs/provisioning.md, "Registry").
//
// Every secret column of the registry (a device's Kd, R1 and enrollment R3; its current
// and previous common function; the CPAN's Ed25519 private key) is stored sealed with
// AES-256-GCM (OpenSSL EVP) under one master key, with the record's identity and
// non-secret state as associated data. A record that was damaged, edited, or moved to
// another row fails authentication and is reported as damaged; the other records are not
// affected.
//
// Sealed form: nonce (12 bytes, random per write) || ciphertext || tag (16 bytes).
// NIST SP 800-38D bounds random 96-bit nonces to 2^32 seals per key; a registry seals
// once per enrollment and per confirmed association, far below that.
//
// The master key lives in its own file (not in the database): a copy of the database
// alone holds no usable secret. Key file: "VGRKEY01" || key (32 bytes), mode 0600,
// refused if group or others can access it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/error.h"

namespace vigil {

inline constexpr size_t kRegistryKeySize = 32;
inline constexpr size_t kSealNonceSize = 12;
inline constexpr size_t kSealTagSize = 16;
inline constexpr size_t kSealOverhead = kSealNonceSize + kSealTagSize;
inline constexpr char kRegistryKeyFileTag[] = "VGRKEY01";  // 8 bytes, no terminator stored
inline constexpr size_t kRegistryKeyFileSize = 8 + kRegistryKeySize;

class RecordCipher {
 public:
  RecordCipher() = default;
  ~RecordCipher() { Clear(); }
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  void SetKey(const std::array<uint8_t, kRegistryKeySize>& key);
  void Clear();
  bool has_key() const { return has_key_; }

  // `out` receives nonce || ciphertext || tag (plain.size() + kSealOverhead bytes).
  // kInvalidState without a key, kCrypto if OpenSSL or the random source fails.
  Error Seal(ByteSpan plain, ByteSpan aad, std::vector<uint8_t>* out) const;
  // Authenticates and decrypts into `plain` (exactly sealed.size() - kSealOverhead
  // bytes). kCorrupt if the size is wrong or authentication fails (`plain` is zeroed);
  // kInvalidState without a key.
  Error Open(ByteSpan sealed, ByteSpan aad, MutableByteSpan plain) const;

 private:
  std::array<uint8_t, kRegistryKeySize> key_{};
  bool has_key_ = false;
};

// Reads the key file at `path` (ReadPrivateFile: owner-only). kNotFound if absent,
// kInvalidState if group/others can access it, kCorrupt if it is not a key file.
Error ReadRegistryKey(const std::string& path, std::array<uint8_t, kRegistryKeySize>* key,
                      std::string* why);
// Draws a key from the OS CSPRNG and writes it to `path` (mode 0600) without replacing an
// existing file: kInvalidState if it exists (read it instead), kCrypto, kIo.
Error CreateRegistryKey(const std::string& path, std::array<uint8_t, kRegistryKeySize>* key,
                        std::string* why);

}  // namespace vigil
