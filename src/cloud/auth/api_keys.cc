#include "cloud/auth/api_keys.h"

#include <algorithm>

#include "cloud/auth/base64url.h"
#include "common/hex.h"

namespace vigil::auth {
namespace {
bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
}  // namespace

std::string_view ApiKeyErrorName(ApiKeyError e) {
  switch (e) {
    case ApiKeyError::kOk:
      return "ok";
    case ApiKeyError::kMalformed:
      return "malformed";
    case ApiKeyError::kUnknown:
      return "unknown";
    case ApiKeyError::kBadSecret:
      return "bad_secret";
    case ApiKeyError::kRevoked:
      return "revoked";
  }
  return "unknown";
}

vigil::Error CreateApiKey(ApiKeyStore& store, std::string owner, std::vector<std::string> scopes,
                          TimeUs now, NewApiKey* out) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::optional<NewApiKey> k = GenerateApiKey(owner, scopes, now);
    if (!k) return vigil::Error::kCrypto;
    const vigil::Error e = store.Put(k->record);
    if (e == vigil::Error::kInvalidState) continue;
    if (e == vigil::Error::kOk) *out = std::move(*k);
    return e;
  }
  return vigil::Error::kInvalidState;
}

Digest ApiKeySecretHash(std::string_view key_id, std::string_view secret) {
  return Sha256(
      {"vigil-api-key-v1", std::string_view("\0", 1), key_id, std::string_view("\0", 1), secret});
}

std::optional<NewApiKey> GenerateApiKey(std::string owner, std::vector<std::string> scopes,
                                        TimeUs now) {
  std::optional<std::vector<uint8_t>> id = RandomBytes(8);
  std::optional<std::string> secret = RandomToken(32);
  if (!id || !secret) return std::nullopt;
  NewApiKey k;
  k.record.key_id = ToHex(*id);
  k.record.secret_hash = ApiKeySecretHash(k.record.key_id, *secret);
  k.record.owner = std::move(owner);
  k.record.scopes = std::move(scopes);
  k.record.created = now;
  k.key = std::string(kApiKeyPrefix) + k.record.key_id + "." + *secret;
  return k;
}

ApiKeyCheck VerifyApiKey(std::string_view presented, ApiKeyStore& store, TimeUs now) {
  ApiKeyCheck out;
  if (presented.size() != kApiKeyBytes || !presented.starts_with(kApiKeyPrefix) ||
      presented[4 + 16] != '.') {
    return out;
  }
  const std::string_view id = presented.substr(4, 16);
  const std::string_view secret = presented.substr(4 + 16 + 1);
  std::optional<std::vector<uint8_t>> raw = Base64UrlDecode(secret);
  if (!IsLowerHex(id) || !raw || raw->size() != 32) return out;

  const std::optional<ApiKeyRecord> rec = store.Find(id);
  const Digest presented_hash = ApiKeySecretHash(id, secret);
  static const Digest kNoKey = Sha256({"vigil-no-api-key"});
  const bool match = ConstantTimeEqual(presented_hash, rec ? rec->secret_hash : kNoKey);
  if (!rec) {
    out.error = ApiKeyError::kUnknown;
    return out;
  }
  if (!match) {
    out.error = ApiKeyError::kBadSecret;
    return out;
  }
  if (rec->revoked != 0 && rec->revoked <= now) {
    out.error = ApiKeyError::kRevoked;
    return out;
  }
  store.Touch(id, now);
  out.error = ApiKeyError::kOk;
  out.record = *rec;
  out.record.last_used = now;
  return out;
}

vigil::Error InMemoryApiKeyStore::Put(const ApiKeyRecord& r) {
  std::lock_guard lock(mu_);
  if (keys_.count(r.key_id)) return vigil::Error::kInvalidState;
  keys_[r.key_id] = r;
  return vigil::Error::kOk;
}

std::optional<ApiKeyRecord> InMemoryApiKeyStore::Find(std::string_view key_id) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

vigil::Error InMemoryApiKeyStore::Revoke(std::string_view key_id, TimeUs now) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return vigil::Error::kNotFound;
  if (it->second.revoked == 0) it->second.revoked = now;
  return vigil::Error::kOk;
}

void InMemoryApiKeyStore::Touch(std::string_view key_id, TimeUs now) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key_id);
  if (it != keys_.end() && now > it->second.last_used) it->second.last_used = now;
}

}  // namespace vigil::auth
