#include "cloud/store/migrations.h"

#include <gtest/gtest.h>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

class MigrationSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
  }
  int64_t Count(const std::string& sql) {
    std::vector<Row> rows;
    EXPECT_TRUE(db_->Execute(sql, {}, &rows).ok()) << sql;
    return rows.empty() ? -1 : rows[0].Int(0);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(MigrationSuite, EachMigrationIsAppliedOnceAndRecorded) {
  MigrateReport r;
  ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1000, &r).ok());
  EXPECT_EQ(r.from, 0);
  EXPECT_EQ(r.to, CloudMigrations().back().version);
  EXPECT_EQ(r.applied, static_cast<int>(CloudMigrations().size()));
  // Again, and from a second connection (a restart): nothing to do.
  std::unique_ptr<Database> again;
  ASSERT_TRUE(OpenDatabase(url_, {}, &again).ok());
  ASSERT_TRUE(Migrate(*again, CloudMigrations(), 2000, &r).ok());
  EXPECT_EQ(r.applied, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(CloudMigrations().size()));
  EXPECT_EQ(Count("SELECT MAX(applied_ms) FROM schema_migrations"), 1000);
}

TEST_P(MigrationSuite, DatabaseNewerThanTheBinaryIsRefusedAndLeftAsIs) {
  ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, nullptr).ok());
  ASSERT_TRUE(db_->Execute("INSERT INTO schema_migrations (version, name, applied_ms) "
                           "VALUES (999, 'from the future', 2)",
                           {})
                  .ok());
  const Status s = Migrate(*db_, CloudMigrations(), 3, nullptr);
  EXPECT_EQ(s.code, StoreError::kTooNew);
  EXPECT_NE(s.message.find("999"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(CloudMigrations().size()) + 1);
}

TEST_P(MigrationSuite, FailingMigrationRollsBackWholeAndNamesItself) {
  const std::array<Migration, 2> ms = {{
      {1, "one", "CREATE TABLE a (x BIGINT)"},
      {2, "broken", "CREATE TABLE b (x BIGINT); CREATE TABLE a (x BIGINT)"},
  }};
  const Status s = Migrate(*db_, ms, 1, nullptr);
  EXPECT_EQ(s.code, StoreError::kSchema);
  EXPECT_NE(s.message.find("broken"), std::string::npos);
  int64_t v = 0;
  ASSERT_TRUE(SchemaVersion(*db_, &v).ok());
  EXPECT_EQ(v, 1);
  // b, created by the failed migration's first statement, is gone with it.
  EXPECT_FALSE(db_->Execute("SELECT COUNT(*) FROM b", {}).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

// The dashboard's three queries use the indexes docs/cloud.md names (SQLite's plan).
TEST(SchemaIndexes, DashboardQueriesUseTheirIndexes) {
  vigil::testing::TempDir dir;
  std::unique_ptr<Database> db;
  ASSERT_TRUE(OpenDatabase(dir.File("c.db"), {}, &db).ok());
  ASSERT_TRUE(Migrate(*db, CloudMigrations(), 1, nullptr).ok());
  auto plan = [&](const std::string& sql, std::initializer_list<Value> params) {
    std::vector<Row> rows;
    EXPECT_TRUE(db->Execute("EXPLAIN QUERY PLAN " + sql, params, &rows).ok()) << sql;
    std::string text;
    for (const Row& r : rows) text += r.Text(3) + "\n";
    return text;
  };
  const std::string latest = plan(
      "SELECT value FROM vitals WHERE patient_id = ? AND vital = ? ORDER BY time_ms DESC LIMIT 1",
      {Value{int64_t{1}}, Value{std::string("spo2")}});
  EXPECT_NE(latest.find("vitals_patient_vital_time"), std::string::npos) << latest;
  EXPECT_EQ(latest.find("TEMP B-TREE"), std::string::npos) << latest;  // no sort
  const std::string trend = plan(
      "SELECT value FROM vitals WHERE patient_id = ? AND vital = ? AND time_ms >= ? AND "
      "time_ms < ? ORDER BY time_ms",
      {Value{int64_t{1}}, Value{std::string("spo2")}, Value{int64_t{0}}, Value{int64_t{1}}});
  EXPECT_NE(trend.find("vitals_patient_vital_time"), std::string::npos) << trend;
  EXPECT_EQ(trend.find("TEMP B-TREE"), std::string::npos) << trend;
  const std::string alarms =
      plan("SELECT detail FROM alarms WHERE ward = ? AND state <> 'cleared' ORDER BY raised_ms",
           {Value{std::string("icu")}});
  EXPECT_NE(alarms.find("alarms_open_ward"), std::string::npos) << alarms;
  EXPECT_EQ(alarms.find("TEMP B-TREE"), std::string::npos) << alarms;
}

}  // namespace
}  // namespace vigil::cloud
