#include "edge/record_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>
#include <utility>

#include "common/private_file.h"
#include "connection/keys.h"

namespace vigil {
namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

void Say(std::string* why, std::string msg) {
  if (why != nullptr) *why = std::move(msg);
}

}  // namespace

void RecordCipher::SetKey(const std::array<uint8_t, kRegistryKeySize>& key) {
  key_ = key;
  has_key_ = true;
}

void RecordCipher::Clear() {
  SecureZero(key_.data(), key_.size());
  has_key_ = false;
}

Error RecordCipher::Seal(ByteSpan plain, ByteSpan aad, std::vector<uint8_t>* out) const {
  if (!has_key_) return Error::kInvalidState;
  out->assign(plain.size() + kSealOverhead, 0);
  uint8_t* nonce = out->data();
  uint8_t* cipher = nonce + kSealNonceSize;
  uint8_t* tag = cipher + plain.size();
  if (RAND_bytes(nonce, static_cast<int>(kSealNonceSize)) != 1) return Error::kCrypto;
  Ctx c(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      c != nullptr &&
      EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kSealNonceSize),
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(c.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
      (aad.empty() ||
       EVP_EncryptUpdate(c.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
      (plain.empty() || EVP_EncryptUpdate(c.get(), cipher, &len, plain.data(),
                                          static_cast<int>(plain.size())) == 1) &&
      EVP_EncryptFinal_ex(c.get(), cipher + plain.size(), &len) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kSealTagSize), tag) == 1;
  if (!ok) {
    SecureZero(out->data(), out->size());
    out->clear();
    return Error::kCrypto;
  }
  return Error::kOk;
}

Error RecordCipher::Open(ByteSpan sealed, ByteSpan aad, MutableByteSpan plain) const {
  if (!has_key_) return Error::kInvalidState;
  if (sealed.size() != plain.size() + kSealOverhead) return Error::kCorrupt;
  const uint8_t* nonce = sealed.data();
  const uint8_t* cipher = nonce + kSealNonceSize;
  const uint8_t* tag = cipher + plain.size();
  uint8_t tag_copy[kSealTagSize];
  std::memcpy(tag_copy, tag, kSealTagSize);
  Ctx c(EVP_CIPHER_CTX_new());
  int len = 0;
  uint8_t final_block[16];
  bool ok = c != nullptr &&
            EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kSealNonceSize),
                                nullptr) == 1 &&
            EVP_DecryptInit_ex(c.get(), nullptr, nullptr, key_.data(), nonce) == 1 &&
            (aad.empty() || EVP_DecryptUpdate(c.get(), nullptr, &len, aad.data(),
                                              static_cast<int>(aad.size())) == 1) &&
            (plain.empty() || EVP_DecryptUpdate(c.get(), plain.data(), &len, cipher,
                                                static_cast<int>(plain.size())) == 1) &&
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kSealTagSize),
                                tag_copy) == 1 &&
            EVP_DecryptFinal_ex(c.get(), final_block, &len) == 1;
  if (!ok) {
    if (!plain.empty()) SecureZero(plain.data(), plain.size());
    return Error::kCorrupt;
  }
  return Error::kOk;
}

Error ReadRegistryKey(const std::string& path, std::array<uint8_t, kRegistryKeySize>* key,
                      std::string* why) {
  std::vector<uint8_t> bytes;
  Error e = ReadPrivateFile(path, 4096, &bytes, why);
  if (e == Error::kNotFound) Say(why, "registry key file " + path + " does not exist");
  if (e != Error::kOk) return e;
  const bool ok = bytes.size() == kRegistryKeyFileSize &&
                  std::memcmp(bytes.data(), kRegistryKeyFileTag, 8) == 0;
  if (ok) std::memcpy(key->data(), bytes.data() + 8, kRegistryKeySize);
  SecureZero(bytes.data(), bytes.size());
  if (!ok) {
    Say(why, path + " is not a registry key file (expected " +
                 std::to_string(kRegistryKeyFileSize) + " bytes starting with VGRKEY01)");
    return Error::kCorrupt;
  }
  return Error::kOk;
}

Error CreateRegistryKey(const std::string& path, std::array<uint8_t, kRegistryKeySize>* key,
                        std::string* why) {
  std::array<uint8_t, kRegistryKeyFileSize> file{};
  std::memcpy(file.data(), kRegistryKeyFileTag, 8);
  if (RAND_bytes(file.data() + 8, static_cast<int>(kRegistryKeySize)) != 1) {
    Say(why, "random source failed while creating the registry key");
    return Error::kCrypto;
  }
  Error e = WritePrivateFileAtomic(path, file, /*overwrite=*/false, why);
  if (e == Error::kOk) std::memcpy(key->data(), file.data() + 8, kRegistryKeySize);
  SecureZero(file.data(), file.size());
  return e;
}

}  // namespace vigil
