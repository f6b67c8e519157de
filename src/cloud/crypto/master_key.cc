#include "cloud/crypto/master_key.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "common/hex.h"
#include "common/private_file.h"

namespace vigil::cloud {

std::string MasterKeyId(const std::array<uint8_t, kMasterKeySize>& key) {
  static constexpr char kLabel[] = "vigil cloud master key id";
  uint8_t mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const uint8_t*>(kLabel), sizeof(kLabel) - 1, mac, &len);
  return ToHex(ByteSpan(mac, 8));
}

std::string MasterKeyHex(const MasterKey& k) { return ToHex(k.key); }

Error ParseMasterKeys(std::string_view text, std::vector<MasterKey>* out, std::string* why) {
  out->clear();
  size_t line_no = 0;
  while (!text.empty()) {
    size_t end = text.find_first_of(",\n");
    std::string_view item = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_no;
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\r' || item.back() == '\t'))
      item.remove_suffix(1);
    if (item.empty() || item.front() == '#') continue;
    auto bytes = FromHex(item);
    if (!bytes || bytes->size() != kMasterKeySize) {
      if (why) *why = "master key " + std::to_string(line_no) + ": not 64 hex digits";
      if (bytes) OPENSSL_cleanse(bytes->data(), bytes->size());
      return Error::kMalformed;
    }
    MasterKey k;
    std::copy(bytes->begin(), bytes->end(), k.key.begin());
    OPENSSL_cleanse(bytes->data(), bytes->size());
    k.id = MasterKeyId(k.key);
    out->push_back(k);
  }
  if (out->empty()) {
    if (why) *why = "no master key in the input";
    return Error::kMalformed;
  }
  return Error::kOk;
}

Error LoadMasterKeys(const std::string& key_file, std::vector<MasterKey>* out, std::string* why) {
  if (const char* env = std::getenv(kMasterKeyEnv); env != nullptr && *env != 0) {
    Error e = ParseMasterKeys(env, out, why);
    if (e != Error::kOk && why) *why = std::string(kMasterKeyEnv) + ": " + *why;
    return e;
  }
  std::vector<uint8_t> data;
  if (Error e = ReadPrivateFile(key_file, 64 * 1024, &data, why); e != Error::kOk) return e;
  Error e = ParseMasterKeys(
      std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), out, why);
  OPENSSL_cleanse(data.data(), data.size());
  if (e != Error::kOk && why) *why = key_file + ": " + *why;
  return e;
}

Error CreateMasterKeyFile(const std::string& path, MasterKey* out, std::string* why) {
  MasterKey k;
  if (RAND_bytes(k.key.data(), static_cast<int>(k.key.size())) != 1) {
    if (why) *why = "the random source failed";
    return Error::kCrypto;
  }
  k.id = MasterKeyId(k.key);
  std::string text = "# vigil cloud master key (current first)\n" + MasterKeyHex(k) + "\n";
  Error e = WritePrivateFileAtomic(
      path, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()), false, why);
  OPENSSL_cleanse(text.data(), text.size());
  if (e == Error::kOk && out != nullptr) *out = k;
  return e;
}

}  // namespace vigil::cloud
