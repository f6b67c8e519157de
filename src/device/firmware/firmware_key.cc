#include "device/firmware/firmware_key.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "common/private_file.h"
#include "connection/keys.h"

namespace vigil::firmware {
namespace {

constexpr size_t kMaxKeyFileSize = 16 * 1024;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Error Fail(std::string* why, Error e, std::string message) {
  if (why != nullptr) *why = std::move(message);
  return e;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

// Reads a whole (small) file that need not be private.
Error ReadSmallFile(const std::string& path, std::vector<uint8_t>* out, std::string* why) {
  std::unique_ptr<FILE, decltype(&fclose)> f(fopen(path.c_str(), "rb"), fclose);
  if (!f) return Fail(why, Error::kNotFound, path + ": cannot open");
  out->assign(kMaxKeyFileSize + 1, 0);
  const size_t n = fread(out->data(), 1, out->size(), f.get());
  if (ferror(f.get())) return Fail(why, Error::kIo, path + ": read error");
  if (n > kMaxKeyFileSize) return Fail(why, Error::kCorrupt, path + ": too large for a key file");
  out->resize(n);
  return Error::kOk;
}

bool IsEd25519(EVP_PKEY* k) { return EVP_PKEY_get_id(k) == EVP_PKEY_ED25519; }

}  // namespace

std::array<uint8_t, kEd25519SpkiSize> PublicKey::Spki() const {
  std::array<uint8_t, kEd25519SpkiSize> out{};
  ByteWriter w(out);
  w.Bytes(ByteSpan(kEd25519SpkiPrefix));
  w.Bytes(raw);
  return out;
}

std::array<uint8_t, kSha256Size> PublicKey::KeyHash() const {
  const std::array<uint8_t, kEd25519SpkiSize> spki = Spki();
  std::array<uint8_t, kSha256Size> out{};
  SHA256(spki.data(), spki.size(), out.data());
  return out;
}

SigningKey::~SigningKey() { EVP_PKEY_free(key_); }
SigningKey::SigningKey(SigningKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)) {}
SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
  }
  return *this;
}

Error SigningKey::Generate(SigningKey* out) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (k == nullptr) return Error::kCrypto;
  *out = SigningKey(k);
  return Error::kOk;
}

Error SigningKey::FromSeed(ByteSpan seed32, SigningKey* out) {
  if (seed32.size() != kEd25519RawKeySize) return Error::kInvalidArgument;
  EVP_PKEY* k =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size());
  if (k == nullptr) return Error::kCrypto;
  *out = SigningKey(k);
  return Error::kOk;
}

PublicKey SigningKey::public_key() const {
  PublicKey pub;
  size_t len = pub.raw.size();
  EVP_PKEY_get_raw_public_key(key_, pub.raw.data(), &len);
  return pub;
}

Error SigningKey::Sign(ByteSpan message, std::array<uint8_t, kEd25519SignatureSize>* sig) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = sig->size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), sig->data(), &len, message.data(), message.size()) != 1 ||
      len != sig->size())
    return Error::kCrypto;
  return Error::kOk;
}

std::string SigningKey::PrivatePem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return "";
  return BioText(bio.get());
}

bool VerifyEd25519(const PublicKey& key, ByteSpan message, ByteSpan sig) {
  if (sig.size() != kEd25519SignatureSize) return false;
  PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.raw.data(), key.raw.size()),
            EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return k && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) == 1;
}

std::string PublicKeyPem(const PublicKey& key) {
  PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.raw.data(), key.raw.size()),
            EVP_PKEY_free);
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!k || !bio || PEM_write_bio_PUBKEY(bio.get(), k.get()) != 1) return "";
  return BioText(bio.get());
}

Error WriteKeyPair(const SigningKey& key, const std::string& private_path,
                   const std::string& public_path, bool force, std::string* why) {
  if (!key.valid()) return Fail(why, Error::kInvalidArgument, "no key to write");
  std::string pem = key.PrivatePem();
  if (pem.empty()) return Fail(why, Error::kCrypto, "cannot encode the private key");
  const ByteSpan bytes(reinterpret_cast<const uint8_t*>(pem.data()), pem.size());
  Error e = WritePrivateFileAtomic(private_path, bytes, force, why);
  SecureZero(pem.data(), pem.size());
  if (e != Error::kOk) return e;
  if (public_path.empty()) return Error::kOk;
  const std::string pub = PublicKeyPem(key.public_key());
  if (pub.empty()) return Fail(why, Error::kCrypto, "cannot encode the public key");
  // Written like the private key (atomically, never over a file without `force`), then
  // opened up: a public key is meant to be copied around.
  e = WritePrivateFileAtomic(
      public_path, ByteSpan(reinterpret_cast<const uint8_t*>(pub.data()), pub.size()), force, why);
  if (e != Error::kOk) return e;
  if (::chmod(public_path.c_str(), 0644) != 0)
    return Fail(why, Error::kIo, public_path + ": cannot make it readable");
  return Error::kOk;
}

Error LoadSigningKey(const std::string& path, SigningKey* out, std::string* why) {
  std::vector<uint8_t> text;
  if (Error e = ReadPrivateFile(path, kMaxKeyFileSize, &text, why); e != Error::kOk) return e;
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  // No password callback: an encrypted key fails here rather than prompting.
  EVP_PKEY* k = bio ? PEM_read_bio_PrivateKey(
                          bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
                    : nullptr;
  SecureZero(text.data(), text.size());
  if (k == nullptr)
    return Fail(
        why, Error::kCorrupt,
        path + ": not an unencrypted PEM private key (imgtool keygen -t ed25519 writes one)");
  if (!IsEd25519(k)) {
    EVP_PKEY_free(k);
    return Fail(why, Error::kCorrupt, path + ": not an Ed25519 key (only ed25519 is supported)");
  }
  *out = SigningKey(k);
  return Error::kOk;
}

Error LoadPublicKey(const std::string& path, PublicKey* out, std::string* why) {
  std::vector<uint8_t> text;
  if (Error e = ReadSmallFile(path, &text, why); e != Error::kOk) return e;
  const std::string_view sv(reinterpret_cast<const char*>(text.data()), text.size());
  if (sv.find("PRIVATE KEY-----") != std::string_view::npos) {
    SecureZero(text.data(), text.size());
    SigningKey priv;
    if (Error e = LoadSigningKey(path, &priv, why); e != Error::kOk) return e;
    *out = priv.public_key();
    return Error::kOk;
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
  PkeyPtr k(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr,
            EVP_PKEY_free);
  if (!k) return Fail(why, Error::kCorrupt, path + ": not a PEM public key");
  if (!IsEd25519(k.get()))
    return Fail(why, Error::kCorrupt, path + ": not an Ed25519 key (only ed25519 is supported)");
  size_t len = out->raw.size();
  if (EVP_PKEY_get_raw_public_key(k.get(), out->raw.data(), &len) != 1 || len != out->raw.size())
    return Fail(why, Error::kCrypto, path + ": cannot read the key");
  return Error::kOk;
}

}  // namespace vigil::firmware
