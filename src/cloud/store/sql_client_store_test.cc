#include "cloud/store/sql_client_store.h"

#include <gtest/gtest.h>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

class SqlClientStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    store_ = std::make_unique<SqlClientStore>(*db_);
    auto gen = auth::GenerateClientSecret("gw-01", {"ingest", "metrics"});
    ASSERT_TRUE(gen.has_value());
    secret_ = gen->first;
    ASSERT_EQ(store_->Create(gen->second, kNow), vigil::Error::kOk);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqlClientStore> store_;
  std::string secret_;
};

TEST_P(SqlClientStoreSuite, CreatedClientReadsBackWithItsHashAndScopes) {
  const auto c = store_->Find("gw-01");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->secret_hash, auth::ClientSecretHash("gw-01", secret_));
  EXPECT_EQ(c->scopes, (std::vector<std::string>{"ingest", "metrics"}));
  EXPECT_FALSE(c->disabled);
  EXPECT_FALSE(store_->Find("gw-02").has_value());
  auto again = auth::GenerateClientSecret("gw-01", {});
  EXPECT_EQ(store_->Create(again->second, kNow), vigil::Error::kInvalidState);
}

TEST_P(SqlClientStoreSuite, DisableAndRekeyAreSeenOnAnotherConnection) {
  std::unique_ptr<Database> other;
  ASSERT_TRUE(OpenDatabase(url_, {}, &other).ok());
  SqlClientStore b(*other);
  ASSERT_EQ(store_->SetDisabled("gw-01", true), vigil::Error::kOk);
  EXPECT_TRUE(b.Find("gw-01")->disabled);
  ASSERT_EQ(store_->SetDisabled("gw-01", false), vigil::Error::kOk);
  auto fresh = auth::GenerateClientSecret("gw-01", {});
  ASSERT_EQ(store_->SetSecret("gw-01", fresh->second.secret_hash), vigil::Error::kOk);
  EXPECT_EQ(b.Find("gw-01")->secret_hash, auth::ClientSecretHash("gw-01", fresh->first));
  ASSERT_EQ(store_->SetScopes("gw-01", {"ingest"}), vigil::Error::kOk);
  EXPECT_EQ(b.Find("gw-01")->scopes, std::vector<std::string>{"ingest"});
}

TEST_P(SqlClientStoreSuite, AdminCallsOnAnUnknownClientAreNotFound) {
  EXPECT_EQ(store_->SetDisabled("nobody", true), vigil::Error::kNotFound);
  EXPECT_EQ(store_->SetSecret("nobody", {}), vigil::Error::kNotFound);
  std::vector<std::string> ids;
  ASSERT_EQ(store_->List(&ids), vigil::Error::kOk);
  EXPECT_EQ(ids, std::vector<std::string>{"gw-01"});
}

TEST_P(SqlClientStoreSuite, FailingDatabaseLooksLikeAnUnknownClient) {
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE oauth_clients RENAME TO oauth_clients_gone").ok());
  EXPECT_FALSE(store_->Find("gw-01").has_value());
  EXPECT_FALSE(store_->last_status().ok());
  EXPECT_EQ(store_->SetDisabled("gw-01", true), vigil::Error::kIo);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlClientStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
