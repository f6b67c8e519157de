// The manufacturer's Ed25519 key pair for signing firmware images, in the PEM files
// MCUboot's imgtool reads and writes: the private key as unencrypted PKCS#8
// ("BEGIN PRIVATE KEY"), the public key as SubjectPublicKeyInfo ("BEGIN PUBLIC KEY").
//
// The private key file is a secret: it is written owner-only (0600) and atomically, and
// one that group or others can access is refused on load (common/private_file.h). The
// public key is not secret (it is given to every device), so its file is world-readable.
//
// Errors: kNotFound, kIo from the file system; kInvalidState for a private key that is
// too open or an existing file when not forcing; kCorrupt for a file that is not a PEM
// Ed25519 key (an RSA or ECDSA key, an encrypted key, garbage); kCrypto for OpenSSL
// failures. `why` (may be null) receives a one-line reason naming the file.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "device/firmware/image_format.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace vigil::firmware {

// A trusted public key, as the boot stage holds it.
struct PublicKey {
  std::array<uint8_t, kEd25519RawKeySize> raw{};
  // RFC 8410 SubjectPublicKeyInfo, DER (44 bytes): the bytes MCUboot embeds and hashes.
  std::array<uint8_t, kEd25519SpkiSize> Spki() const;
  // SHA-256 of Spki(): the value of the key hash TLV (0x01) of images signed by it.
  std::array<uint8_t, kSha256Size> KeyHash() const;
  bool operator==(const PublicKey&) const = default;
};

class SigningKey;
Error LoadSigningKey(const std::string& path, SigningKey* out, std::string* why);

// An Ed25519 private key held by OpenSSL. Move-only; frees the key on destruction.
class SigningKey {
 public:
  SigningKey() = default;
  ~SigningKey();
  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  // A fresh key from OpenSSL's CSPRNG.
  static Error Generate(SigningKey* out);
  // From the 32-byte RFC 8032 seed (tests, known-answer vectors).
  static Error FromSeed(ByteSpan seed32, SigningKey* out);

  bool valid() const { return key_ != nullptr; }
  // REQUIRES: valid().
  PublicKey public_key() const;
  // Ed25519 signature of `message`. REQUIRES: valid(). kCrypto on failure.
  Error Sign(ByteSpan message, std::array<uint8_t, kEd25519SignatureSize>* sig) const;
  // The PKCS#8 PEM text (a secret: wipe it when done).
  std::string PrivatePem() const;

 private:
  friend Error LoadSigningKey(const std::string& path, SigningKey* out, std::string* why);
  explicit SigningKey(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* key_ = nullptr;
};

// True when `sig` is a valid Ed25519 signature of `message` under `key`.
bool VerifyEd25519(const PublicKey& key, ByteSpan message, ByteSpan sig);

std::string PublicKeyPem(const PublicKey& key);

// Writes the private key (0600) and, when `public_path` is not empty, the public key.
// Without `force` an existing file is left untouched (kInvalidState).
Error WriteKeyPair(const SigningKey& key, const std::string& private_path,
                   const std::string& public_path, bool force, std::string* why);
// Reads a private key file (owner-only checked).
Error LoadSigningKey(const std::string& path, SigningKey* out, std::string* why);
// Reads a public key PEM; a private key PEM is also accepted (its public half is used),
// as imgtool accepts either for `verify`, and is then checked owner-only like any secret.
Error LoadPublicKey(const std::string& path, PublicKey* out, std::string* why);

}  // namespace vigil::firmware
