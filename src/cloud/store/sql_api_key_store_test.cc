#include "cloud/store/sql_api_key_store.h"

#include <gtest/gtest.h>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using auth::ApiKeyError;
using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

class SqlApiKeyStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    store_ = std::make_unique<SqlApiKeyStore>(*db_);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqlApiKeyStore> store_;
};

TEST_P(SqlApiKeyStoreSuite, GeneratedKeyVerifiesWithItsOwnerAndScopes) {
  auto k = auth::GenerateApiKey("gw-01", {"ingest", "metrics"}, kNow);
  ASSERT_TRUE(k.has_value());
  ASSERT_EQ(store_->Put(k->record), vigil::Error::kOk);
  const auth::ApiKeyCheck c = auth::VerifyApiKey(k->key, *store_, kNow + kSeconds);
  ASSERT_EQ(c.error, ApiKeyError::kOk);
  EXPECT_EQ(c.record.owner, "gw-01");
  EXPECT_EQ(c.record.scopes, (std::vector<std::string>{"ingest", "metrics"}));
  EXPECT_EQ(c.record.secret_hash, k->record.secret_hash);
}

TEST_P(SqlApiKeyStoreSuite, TableHoldsNoSecret) {
  auto k = auth::GenerateApiKey("gw-01", {"ingest"}, kNow);
  ASSERT_EQ(store_->Put(k->record), vigil::Error::kOk);
  const std::string secret = k->key.substr(4 + 16 + 1);
  std::vector<Row> rows;
  ASSERT_TRUE(
      db_->Execute("SELECT key_id, secret_hash, owner, scopes FROM api_keys", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(rows[0].Text(i).find(secret), std::string::npos);
}

TEST_P(SqlApiKeyStoreSuite, RevocationOnOneConnectionIsSeenOnAnother) {
  auto k = auth::GenerateApiKey("gw-01", {"ingest"}, kNow);
  ASSERT_EQ(store_->Put(k->record), vigil::Error::kOk);
  std::unique_ptr<Database> other;
  ASSERT_TRUE(OpenDatabase(url_, {}, &other).ok());
  SqlApiKeyStore b(*other);
  EXPECT_EQ(auth::VerifyApiKey(k->key, b, kNow).error, ApiKeyError::kOk);
  ASSERT_EQ(store_->Revoke(k->record.key_id, kNow + kSeconds), vigil::Error::kOk);
  ASSERT_EQ(store_->Revoke(k->record.key_id, kNow + 9 * kSeconds), vigil::Error::kOk);
  EXPECT_EQ(b.Find(k->record.key_id)->revoked, kNow + kSeconds) << "the first revocation stays";
  EXPECT_EQ(auth::VerifyApiKey(k->key, b, kNow + kSeconds).error, ApiKeyError::kRevoked);
  EXPECT_EQ(store_->Revoke("ffffffffffffffff", kNow), vigil::Error::kNotFound);
}

TEST_P(SqlApiKeyStoreSuite, DuplicateIdIsRefused) {
  auto k = auth::GenerateApiKey("gw-01", {}, kNow);
  ASSERT_EQ(store_->Put(k->record), vigil::Error::kOk);
  EXPECT_EQ(store_->Put(k->record), vigil::Error::kInvalidState);
}

TEST_P(SqlApiKeyStoreSuite, TouchWritesAtMostOncePerInterval) {
  auto k = auth::GenerateApiKey("gw-01", {}, kNow);
  ASSERT_EQ(store_->Put(k->record), vigil::Error::kOk);
  store_->Touch(k->record.key_id, kNow + 100 * kSeconds);
  store_->Touch(k->record.key_id, kNow + 130 * kSeconds);
  EXPECT_EQ(store_->Find(k->record.key_id)->last_used, kNow + 100 * kSeconds);
  store_->Touch(k->record.key_id, kNow + 160 * kSeconds);
  EXPECT_EQ(store_->Find(k->record.key_id)->last_used, kNow + 160 * kSeconds);
}

TEST_P(SqlApiKeyStoreSuite, FailingDatabaseRefusesTheKey) {
  auto k = auth::GenerateApiKey("gw-01", {}, kNow);
  ASSERT_EQ(store_->Put(k->record), vigil::Error::kOk);
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE api_keys RENAME TO api_keys_gone").ok());
  EXPECT_EQ(auth::VerifyApiKey(k->key, *store_, kNow).error, ApiKeyError::kUnknown);
  EXPECT_EQ(store_->Revoke(k->record.key_id, kNow), vigil::Error::kIo);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlApiKeyStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
