// API keys for machines (gateways, integrations): "vgk_" + a 16-hex public key id + "." +
// a 256-bit secret (base64url, 43 characters), from OpenSSL's RNG. The whole key is shown
// once, at creation; the store keeps the id, a hash of the secret, the owner, the scopes,
// the revocation time and the last-used time.
//
// Why SHA-256 and not a password KDF: a slow, salted KDF exists to make guessing a
// low-entropy secret expensive. These secrets have 256 bits of entropy from a CSPRNG, so
// even a stolen hash cannot be inverted by guessing, however fast the hash; a KDF would
// only add tens of milliseconds to every API call. The hash is domain-separated and covers
// the key id ("vigil-api-key-v1" 0 id 0 secret), so a hash copied to another key's row
// does not verify. Comparison is constant-time (CRYPTO_memcmp).
//
// Keys live behind ApiKeyStore so that every replica sees a revocation at once (a
// database row); InMemoryApiKeyStore is for tests and a single process. A database
// implementation may coalesce Touch to one write per key per minute.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloud/auth/secrets.h"
#include "common/error.h"
#include "common/time.h"

namespace vigil::auth {

inline constexpr std::string_view kApiKeyPrefix = "vgk_";
inline constexpr size_t kApiKeyBytes = 4 + 16 + 1 + 43;

struct ApiKeyRecord {
  std::string key_id;  // 16 lowercase hex digits; public (appears in logs and the admin UI)
  Digest secret_hash{};
  std::string owner;  // the service account it authenticates
  std::vector<std::string> scopes;
  TimeUs created = 0;
  TimeUs revoked = 0;  // 0: not revoked
  TimeUs last_used = 0;
};

enum class ApiKeyError : uint8_t {
  kOk,
  kMalformed,  // not a Vigil API key at all
  kUnknown,    // no such key id
  kBadSecret,  // the id exists, the secret does not match
  kRevoked,
};
std::string_view ApiKeyErrorName(ApiKeyError e);

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  virtual vigil::Error Put(const ApiKeyRecord& r) = 0;  // kInvalidState if the id exists
  virtual std::optional<ApiKeyRecord> Find(std::string_view key_id) const = 0;
  virtual vigil::Error Revoke(std::string_view key_id, TimeUs now) = 0;  // kNotFound
  virtual void Touch(std::string_view key_id, TimeUs now) = 0;
};

class InMemoryApiKeyStore final : public ApiKeyStore {
 public:
  vigil::Error Put(const ApiKeyRecord& r) override;
  std::optional<ApiKeyRecord> Find(std::string_view key_id) const override;
  vigil::Error Revoke(std::string_view key_id, TimeUs now) override;
  void Touch(std::string_view key_id, TimeUs now) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, ApiKeyRecord, std::less<>> keys_;
};

struct NewApiKey {
  std::string key;  // shown once, never stored
  ApiKeyRecord record;
};

// nullopt when the RNG fails. The caller Puts the record (and retries on the rare id
// collision, kInvalidState).
std::optional<NewApiKey> GenerateApiKey(std::string owner, std::vector<std::string> scopes,
                                        TimeUs now);

// GenerateApiKey, then Put into `store`, with a fresh key on the rare id collision (up
// to three tries). kCrypto when the RNG fails, kInvalidState when every try collided, or
// the store's error; *out is set only on kOk.
vigil::Error CreateApiKey(ApiKeyStore& store, std::string owner, std::vector<std::string> scopes,
                          TimeUs now, NewApiKey* out);

Digest ApiKeySecretHash(std::string_view key_id, std::string_view secret);

struct ApiKeyCheck {
  ApiKeyError error = ApiKeyError::kMalformed;
  ApiKeyRecord record;  // when kOk
  bool ok() const { return error == ApiKeyError::kOk; }
};

// Checks a presented key (the Authorization "ApiKey ..." value or X-API-Key header) and, on
// success, records `now` as its last use. All failures must get the same 401 at the API;
// the error is for the audit record and the guard.
ApiKeyCheck VerifyApiKey(std::string_view presented, ApiKeyStore& store, TimeUs now);

}  // namespace vigil::auth
