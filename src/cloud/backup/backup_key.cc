#include "cloud/backup/backup_key.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/hex.h"
#include "common/private_file.h"

namespace vigil::cloud::backup {

BackupKey::~BackupKey() { OPENSSL_cleanse(key.data(), key.size()); }

std::array<uint8_t, kKeyIdSize> BackupKeyId(const std::array<uint8_t, kBackupKeySize>& key) {
  static constexpr char kLabel[] = "vigil backup key id";
  uint8_t mac[32];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const uint8_t*>(kLabel), sizeof(kLabel) - 1, mac, &len);
  std::array<uint8_t, kKeyIdSize> id{};
  std::copy(mac, mac + kKeyIdSize, id.begin());
  return id;
}

std::string KeyIdHex(const std::array<uint8_t, kKeyIdSize>& id) { return ToHex(id); }

BackupStatus ParseBackupKey(std::string_view text, BackupKey* out) {
  int found = 0;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_no;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto bytes = FromHex(line);
    if (!bytes || bytes->size() != kBackupKeySize) {
      if (bytes) OPENSSL_cleanse(bytes->data(), bytes->size());
      return BackupFail(BackupError::kBadKey,
                        "line " + std::to_string(line_no) + ": not 64 hex digits");
    }
    if (++found > 1) {
      OPENSSL_cleanse(bytes->data(), bytes->size());
      return BackupFail(BackupError::kBadKey, "more than one key (a backup key file holds one)");
    }
    std::copy(bytes->begin(), bytes->end(), out->key.begin());
    OPENSSL_cleanse(bytes->data(), bytes->size());
  }
  if (found == 0) return BackupFail(BackupError::kBadKey, "no key in the input");
  out->id = BackupKeyId(out->key);
  return BackupStatus::Ok();
}

BackupStatus LoadBackupKey(const std::string& key_file, BackupKey* out) {
  if (key_file.empty()) {
    const char* env = std::getenv(kBackupKeyEnv);
    if (env == nullptr || *env == 0)
      return BackupFail(BackupError::kBadKey,
                        std::string("no backup key: give --key FILE or set ") + kBackupKeyEnv);
    BackupStatus s = ParseBackupKey(env, out);
    if (!s.ok()) s.message = std::string(kBackupKeyEnv) + ": " + s.message;
    return s;
  }
  std::vector<uint8_t> data;
  std::string why;
  if (ReadPrivateFile(key_file, 64 * 1024, &data, &why) != Error::kOk)
    return BackupFail(BackupError::kBadKey, why);
  BackupStatus s = ParseBackupKey(
      std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), out);
  OPENSSL_cleanse(data.data(), data.size());
  if (!s.ok()) s.message = key_file + ": " + s.message;
  return s;
}

BackupStatus CreateBackupKeyFile(const std::string& path, BackupKey* out) {
  BackupKey k;
  if (RAND_bytes(k.key.data(), static_cast<int>(k.key.size())) != 1)
    return BackupFail(BackupError::kCrypto, "the random source failed");
  k.id = BackupKeyId(k.key);
  std::string text = "# vigil backup key (id " + KeyIdHex(k.id) + ")\n" + ToHex(k.key) + "\n";
  std::string why;
  const Error e = WritePrivateFileAtomic(
      path, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()), false, &why);
  OPENSSL_cleanse(text.data(), text.size());
  if (e != Error::kOk) return BackupFail(BackupError::kIo, why);
  if (out != nullptr) {
    out->key = k.key;
    out->id = k.id;
  }
  return BackupStatus::Ok();
}

}  // namespace vigil::cloud::backup
