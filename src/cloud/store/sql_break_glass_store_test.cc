#include "cloud/store/sql_break_glass_store.h"

#include <gtest/gtest.h>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;

policy::BreakGlassGrant Grant(std::string id, std::string subject, TimeUs opened) {
  return {std::move(id), std::move(subject),
          "42",          "patient collapsed in corridor",
          opened,        opened + policy::kBreakGlassDefaultDuration};
}

class SqlBreakGlassStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    store_ = std::make_unique<SqlBreakGlassStore>(*db_);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqlBreakGlassStore> store_;
};

TEST_P(SqlBreakGlassStoreSuite, GrantOpenedOnOneReplicaIsSeenOnAnother) {
  std::unique_ptr<Database> other;
  ASSERT_TRUE(OpenDatabase(url_, {}, &other).ok());
  SqlBreakGlassStore b(*other);
  const policy::BreakGlassGrant g = Grant("bg-1", "doctor-1", kNow);
  ASSERT_EQ(store_->Add(g), vigil::Error::kOk);
  const auto got = b.ForSubject("doctor-1", kNow);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, g.id);
  EXPECT_EQ(got[0].patient_id, g.patient_id);
  EXPECT_EQ(got[0].reason, g.reason);
  EXPECT_EQ(got[0].opened, g.opened);
  EXPECT_EQ(got[0].expires, g.expires);
  EXPECT_TRUE(b.ForSubject("doctor-2", kNow).empty());
}

TEST_P(SqlBreakGlassStoreSuite, GrantsExpiredBeforeSinceAreLeftOut) {
  ASSERT_EQ(store_->Add(Grant("old", "d", kNow - 2 * policy::kBreakGlassMaxDuration)),
            vigil::Error::kOk);
  ASSERT_EQ(store_->Add(Grant("recent", "d", kNow - policy::kBreakGlassDefaultDuration)),
            vigil::Error::kOk);
  ASSERT_EQ(store_->Add(Grant("now", "d", kNow)), vigil::Error::kOk);
  const auto got = store_->ForSubject("d", kNow);
  ASSERT_EQ(got.size(), 2u) << "a grant that expires exactly at `since` is still given";
  EXPECT_EQ(got[0].id, "recent");
  EXPECT_EQ(got[1].id, "now");
}

TEST_P(SqlBreakGlassStoreSuite, ReusedGrantIdIsRefused) {
  ASSERT_EQ(store_->Add(Grant("bg-1", "d", kNow)), vigil::Error::kOk);
  EXPECT_EQ(store_->Add(Grant("bg-1", "e", kNow)), vigil::Error::kInvalidState);
}

TEST_P(SqlBreakGlassStoreSuite, FailingDatabaseGivesNoGrant) {
  ASSERT_EQ(store_->Add(Grant("bg-1", "d", kNow)), vigil::Error::kOk);
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE break_glass_grants RENAME TO bg_gone").ok());
  EXPECT_TRUE(store_->ForSubject("d", kNow).empty());
  EXPECT_FALSE(store_->last_status().ok());
  EXPECT_EQ(store_->Add(Grant("bg-2", "d", kNow)), vigil::Error::kIo);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlBreakGlassStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
