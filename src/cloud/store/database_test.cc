#include "cloud/store/database.h"

#include <gtest/gtest.h>

#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

class DatabaseSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(db_->ExecScript("CREATE TABLE t (id BIGINT PRIMARY KEY, r " +
                                std::string(db_->RealType()) + ", s TEXT, b " +
                                std::string(db_->BlobType()) + ")")
                    .ok());
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseSuite, EveryValueTypeReadsBackExactly) {
  const Blob bytes = {0, 1, 0xff, '\\', '\t', '\n', 0};
  ASSERT_TRUE(db_->Execute("INSERT INTO t (id, r, s, b) VALUES (?, ?, ?, ?)",
                           {Value{int64_t{-5}}, Value{0.1 + 0.2}, Value{std::string("é\t'x'")},
                            Value{bytes}})
                  .ok());
  ASSERT_TRUE(
      db_->Execute("INSERT INTO t (id, r, s, b) VALUES (?, ?, ?, ?)",
                   {Value{int64_t{INT64_MAX}}, Value{nullptr}, Value{nullptr}, Value{nullptr}})
          .ok());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT id, r, s, b FROM t ORDER BY id", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Int(0), -5);
  EXPECT_EQ(rows[0].Real(1), 0.1 + 0.2);
  EXPECT_EQ(rows[0].Text(2), "é\t'x'");
  EXPECT_EQ(rows[0].Bytes(3), bytes);
  EXPECT_EQ(rows[1].Int(0), INT64_MAX);
  EXPECT_TRUE(rows[1].IsNull(1) && rows[1].IsNull(2) && rows[1].IsNull(3));
}

TEST_P(DatabaseSuite, EmptyBlobAndEmptyTextAreNotNull) {
  ASSERT_TRUE(db_->Execute("INSERT INTO t (id, s, b) VALUES (?, ?, ?)",
                           {Value{int64_t{1}}, Value{std::string()}, Value{Blob{}}})
                  .ok());
  std::vector<Row> rows;
  ASSERT_TRUE(
      db_->Execute("SELECT COUNT(*) FROM t WHERE s IS NOT NULL AND b IS NOT NULL", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 1);
}

TEST_P(DatabaseSuite, InjectionStringIsStoredAsData) {
  const std::string evil = "x'); DROP TABLE t; --";
  ASSERT_TRUE(
      db_->Execute("INSERT INTO t (id, s) VALUES (?, ?)", {Value{int64_t{1}}, Value{evil}}).ok());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT s FROM t WHERE s = ?", {Value{evil}}, &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), evil);
}

TEST_P(DatabaseSuite, BulkInsertStoresEveryRowWithAwkwardBytes) {
  std::vector<std::vector<Value>> rows;
  for (int64_t i = 0; i < 1000; ++i)
    rows.push_back({Value{i}, Value{static_cast<double>(i) / 3},
                    Value{"a\\b\tc\nd\r" + std::to_string(i)},
                    Value{Blob{static_cast<uint8_t>(i), 0, '\\', '\n'}}});
  const std::array<std::string_view, 4> cols = {"id", "r", "s", "b"};
  ASSERT_TRUE(db_->BulkInsert("t", cols, rows).ok());
  std::vector<Row> out;
  ASSERT_TRUE(db_->Execute("SELECT id, r, s, b FROM t ORDER BY id", {}, &out).ok());
  ASSERT_EQ(out.size(), 1000u);
  EXPECT_EQ(out[999].Text(2), "a\\b\tc\nd\r999");
  EXPECT_EQ(out[999].Bytes(3), (Blob{static_cast<uint8_t>(999 & 0xff), 0, '\\', '\n'}));
  EXPECT_EQ(out[300].Real(1), 100.0);
}

TEST_P(DatabaseSuite, RolledBackTransactionLeavesNothing) {
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(db_->Execute("INSERT INTO t (id) VALUES (?)", {Value{int64_t{1}}}).ok());
  const std::array<std::string_view, 1> cols = {"id"};
  const std::vector<std::vector<Value>> bulk = {{Value{int64_t{2}}}, {Value{int64_t{3}}}};
  ASSERT_TRUE(db_->BulkInsert("t", cols, bulk).ok());
  ASSERT_TRUE(db_->Rollback().ok());
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM t", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Int(0), 0);
}

TEST_P(DatabaseSuite, UniqueViolationIsATypedConstraintErrorWithTheDatabasesMessage) {
  ASSERT_TRUE(db_->Execute("INSERT INTO t (id) VALUES (?)", {Value{int64_t{1}}}).ok());
  const Status s = db_->Execute("INSERT INTO t (id) VALUES (?)", {Value{int64_t{1}}});
  EXPECT_EQ(s.code, StoreError::kConstraint);
  EXPECT_FALSE(s.message.empty());
}

TEST_P(DatabaseSuite, WrongParameterCountIsRefusedBeforeRunning) {
  EXPECT_EQ(db_->Execute("INSERT INTO t (id) VALUES (?)", {}).code, StoreError::kMisuse);
}

TEST_P(DatabaseSuite, ChangesCountsAffectedRows) {
  ASSERT_TRUE(db_->Execute("INSERT INTO t (id) VALUES (1), (2), (3)", {}).ok());
  int64_t n = -1;
  ASSERT_TRUE(db_->Execute("UPDATE t SET s = ? WHERE id >= ?",
                           {Value{std::string("x")}, Value{int64_t{2}}}, nullptr, &n)
                  .ok());
  EXPECT_EQ(n, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

TEST(OpenDatabase, UnknownSchemeIsRefusedClearly) {
  std::unique_ptr<Database> db;
  const Status s = OpenDatabase("mysql://host/db", {}, &db);
  EXPECT_EQ(s.code, StoreError::kBadUrl);
  EXPECT_NE(s.message.find("mysql://"), std::string::npos);
}

TEST(OpenDatabase, SqliteFileIsCreatedOwnerOnly) {
  vigil::testing::TempDir dir;
  std::unique_ptr<Database> db;
  ASSERT_TRUE(OpenDatabase("sqlite://" + dir.File("c.db"), {}, &db).ok());
  EXPECT_EQ(vigil::testing::FileMode(dir.File("c.db")), 0600u);
  std::vector<Row> rows;
  ASSERT_TRUE(db->Execute("PRAGMA journal_mode", {}, &rows).ok());
  EXPECT_EQ(rows.at(0).Text(0), "wal");
}

TEST(OpenDatabase, UnreachablePostgresIsAConnectErrorWithLibpqsMessage) {
  std::unique_ptr<Database> db;
  const Status s = OpenDatabase("postgresql://127.0.0.1:1/x?connect_timeout=2", {}, &db);
  EXPECT_EQ(s.code, StoreError::kConnect);
  EXPECT_FALSE(s.message.empty());
}

}  // namespace
}  // namespace vigil::cloud
