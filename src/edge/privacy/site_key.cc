#include "edge/privacy/site_key.h"

#include <openssl/rand.h>

#include <cstring>
#include <vector>

#include "common/private_file.h"
#include "connection/keys.h"

namespace vigil::privacy {

namespace {

Error Read(const std::string& path, std::array<uint8_t, kSiteKeySize>* key, std::string* why) {
  std::vector<uint8_t> bytes;
  const Error e = ReadPrivateFile(path, 4096, &bytes, why);
  if (e != Error::kOk) return e;
  const bool ok =
      bytes.size() == kSiteKeyFileSize && std::memcmp(bytes.data(), kSiteKeyFileTag, 8) == 0;
  if (ok) std::memcpy(key->data(), bytes.data() + 8, kSiteKeySize);
  if (!bytes.empty()) SecureZero(bytes.data(), bytes.size());
  if (!ok) {
    if (why)
      *why = path + " is not a site key file (expected " + std::to_string(kSiteKeyFileSize) +
             " bytes starting with VGSITE01)";
    return Error::kCorrupt;
  }
  return Error::kOk;
}

}  // namespace

Error LoadOrCreateSiteKey(const std::string& path, std::array<uint8_t, kSiteKeySize>* key,
                          bool* created, std::string* why) {
  if (created) *created = false;
  const Error e = Read(path, key, why);
  if (e != Error::kNotFound) return e;
  std::array<uint8_t, kSiteKeyFileSize> file{};
  std::memcpy(file.data(), kSiteKeyFileTag, 8);
  if (RAND_bytes(file.data() + 8, static_cast<int>(kSiteKeySize)) != 1) {
    if (why) *why = "random source failed while creating the site key " + path;
    return Error::kCrypto;
  }
  Error w = WritePrivateFileAtomic(path, file, /*overwrite=*/false, why);
  if (w == Error::kOk) {
    std::memcpy(key->data(), file.data() + 8, kSiteKeySize);
    if (created) *created = true;
  }
  SecureZero(file.data(), file.size());
  // Another process created it first: use that one, so that both agree.
  if (w == Error::kInvalidState) return Read(path, key, why);
  return w;
}

}  // namespace vigil::privacy
