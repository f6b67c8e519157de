#include "cloud/store/sql_signing_keys.h"

#include <gtest/gtest.h>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

MasterKey Key(uint8_t fill) {
  MasterKey k;
  k.key.fill(fill);
  k.id = MasterKeyId(k.key);
  return k;
}

class SqlSigningKeysSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
    ASSERT_TRUE(keys_.Open(*db_, {Key(1)}, 1).ok());
    store_ = std::make_unique<SqlSigningKeys>(*db_, keys_);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  Keyring keys_;
  std::unique_ptr<SqlSigningKeys> store_;
};

// Another replica loads the key the first made and verifies the first's tokens.
TEST_P(SqlSigningKeysSuite, KeyMadeByOneReplicaSignsAndVerifiesOnAnother) {
  auth::JwtSigningKey a;
  ASSERT_TRUE(store_->ActiveOrCreate(kNow, &a).ok());
  std::unique_ptr<Database> other;
  ASSERT_TRUE(OpenDatabase(url_, {}, &other).ok());
  Keyring other_keys;
  ASSERT_TRUE(other_keys.Open(*other, {Key(1)}, 1).ok());
  SqlSigningKeys b(*other, other_keys);
  auth::JwtSigningKey loaded;
  ASSERT_TRUE(b.ActiveOrCreate(kNow, &loaded).ok());
  EXPECT_EQ(loaded.kid, a.kid);
  EXPECT_EQ(loaded.private_pem, a.private_pem);
  auth::JwtConfig config;
  auth::JwtIssuer issuer(config, a);
  std::string token;
  ASSERT_EQ(issuer.Issue("gw-01", "ingest", "jti-1", kNow, &token), vigil::Error::kOk);
  auth::JwtVerifier v(config);
  std::vector<PublicSigningKey> pubs;
  ASSERT_TRUE(b.PublicKeys(kNow, &pubs).ok());
  ASSERT_EQ(pubs.size(), 1u);
  ASSERT_EQ(v.AddKey(pubs[0].kid, pubs[0].public_pem), vigil::Error::kOk);
  EXPECT_TRUE(v.Verify(token, kNow).ok());
}

TEST_P(SqlSigningKeysSuite, TableHoldsNoPrivateKeyInClear) {
  auth::JwtSigningKey a;
  ASSERT_TRUE(store_->Rotate(kNow, &a).ok());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT private_key FROM jwt_signing_keys", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Text(0).find("PRIVATE KEY"), std::string::npos);
}

TEST_P(SqlSigningKeysSuite, RotationSignsWithTheNewKeyAndStillPublishesTheOld) {
  auth::JwtSigningKey first, second, active;
  ASSERT_TRUE(store_->Rotate(kNow, &first).ok());
  ASSERT_TRUE(store_->Rotate(kNow + 1, &second).ok());
  ASSERT_TRUE(store_->Active(&active).ok());
  EXPECT_EQ(active.kid, second.kid);
  ASSERT_TRUE(store_->Retire(first.kid, kNow + 10).ok());
  std::vector<PublicSigningKey> pubs;
  ASSERT_TRUE(store_->PublicKeys(kNow + 5, &pubs).ok());
  EXPECT_EQ(pubs.size(), 2u) << "retired after `since`: still verifies";
  pubs.clear();
  ASSERT_TRUE(store_->PublicKeys(kNow + 11, &pubs).ok());
  ASSERT_EQ(pubs.size(), 1u);
  EXPECT_EQ(pubs[0].kid, second.kid);
  EXPECT_EQ(store_->Retire("k-none", kNow).code, StoreError::kNotFound);
}

TEST_P(SqlSigningKeysSuite, SealedKeyMovedToAnotherKidFailsToOpen) {
  auth::JwtSigningKey a;
  ASSERT_TRUE(store_->Rotate(kNow, &a).ok());
  ASSERT_TRUE(db_->Execute("UPDATE jwt_signing_keys SET kid = ?", {Value{a.kid + "0"}}).ok());
  auth::JwtSigningKey out;
  EXPECT_EQ(store_->Active(&out).code, StoreError::kCrypto);
  EXPECT_TRUE(out.private_pem.empty());
}

TEST_P(SqlSigningKeysSuite, NoKeyYetIsNotFound) {
  auth::JwtSigningKey out;
  EXPECT_EQ(store_->Active(&out).code, StoreError::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlSigningKeysSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
