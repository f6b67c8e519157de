#include "cloud/auth/api_keys.h"

#include <gtest/gtest.h>

#include <set>

namespace vigil::auth {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

TEST(ApiKeys, GeneratedKeyVerifiesAndRecordsLastUse) {
  InMemoryApiKeyStore store;
  auto k = GenerateApiKey("gw-01", {"ingest"}, kNow);
  ASSERT_TRUE(k.has_value());
  EXPECT_EQ(k->key.size(), kApiKeyBytes);
  EXPECT_TRUE(k->key.starts_with("vgk_" + k->record.key_id + "."));
  ASSERT_EQ(store.Put(k->record), vigil::Error::kOk);
  const ApiKeyCheck c = VerifyApiKey(k->key, store, kNow + 5 * kSeconds);
  ASSERT_EQ(c.error, ApiKeyError::kOk);
  EXPECT_EQ(c.record.owner, "gw-01");
  EXPECT_EQ(store.Find(k->record.key_id)->last_used, kNow + 5 * kSeconds);
}

TEST(ApiKeys, StoreNeverHoldsTheSecret) {
  InMemoryApiKeyStore store;
  auto k = GenerateApiKey("gw-01", {"ingest"}, kNow);
  ASSERT_TRUE(k.has_value());
  const std::string secret = k->key.substr(4 + 16 + 1);
  const ApiKeyRecord& r = k->record;
  const std::string hash(r.secret_hash.begin(), r.secret_hash.end());
  EXPECT_EQ(hash.find(secret), std::string::npos);
  EXPECT_EQ(r.key_id.find(secret), std::string::npos);
  EXPECT_EQ(r.secret_hash, ApiKeySecretHash(r.key_id, secret));
}

TEST(ApiKeys, KeysAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(GenerateApiKey("o", {}, kNow)->key);
  EXPECT_EQ(seen.size(), 100u);
}

TEST(ApiKeys, WrongSecretUnknownIdMalformedAndRevokedAreRefused) {
  InMemoryApiKeyStore store;
  auto k = GenerateApiKey("gw-01", {"ingest"}, kNow);
  ASSERT_EQ(store.Put(k->record), vigil::Error::kOk);
  std::string wrong = k->key;
  wrong.back() = wrong.back() == 'A' ? 'Q' : 'A';
  EXPECT_NE(VerifyApiKey(wrong, store, kNow).error, ApiKeyError::kOk);
  auto other = GenerateApiKey("gw-02", {"ingest"}, kNow);
  EXPECT_EQ(VerifyApiKey(other->key, store, kNow).error, ApiKeyError::kUnknown);
  for (std::string_view bad :
       {"", "vgk_", "Bearer x", "vgk_0123456789abcdef_AAAA",
        "VGK_0123456789ABCDEF.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_EQ(VerifyApiKey(bad, store, kNow).error, ApiKeyError::kMalformed) << bad;
  }
  ASSERT_EQ(store.Revoke(k->record.key_id, kNow + kSeconds), vigil::Error::kOk);
  EXPECT_EQ(VerifyApiKey(k->key, store, kNow).error, ApiKeyError::kOk) << "before revocation";
  EXPECT_EQ(VerifyApiKey(k->key, store, kNow + kSeconds).error, ApiKeyError::kRevoked);
  EXPECT_EQ(store.Revoke("ffffffffffffffff", kNow), vigil::Error::kNotFound);
}

TEST(ApiKeys, SecretOfOneKeyDoesNotOpenAnother) {
  InMemoryApiKeyStore store;
  auto a = GenerateApiKey("gw-01", {"ingest"}, kNow);
  auto b = GenerateApiKey("gw-02", {"ingest"}, kNow);
  ASSERT_EQ(store.Put(a->record), vigil::Error::kOk);
  ASSERT_EQ(store.Put(b->record), vigil::Error::kOk);
  const std::string mixed = "vgk_" + a->record.key_id + "." + b->key.substr(4 + 16 + 1);
  EXPECT_EQ(VerifyApiKey(mixed, store, kNow).error, ApiKeyError::kBadSecret);
}

TEST(ApiKeys, DuplicateIdIsRefusedByTheStore) {
  InMemoryApiKeyStore store;
  auto a = GenerateApiKey("gw-01", {"ingest"}, kNow);
  ASSERT_EQ(store.Put(a->record), vigil::Error::kOk);
  EXPECT_EQ(store.Put(a->record), vigil::Error::kInvalidState);
}

}  // namespace
}  // namespace vigil::auth
