#include "cloud/store/sql_session_store.h"

#include <gtest/gtest.h>

#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using auth::SessionError;
using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
constexpr TimeUs kMinute = 60 * kSeconds;

std::string Cookie(const auth::NewSession& s) { return "__Host-vigil_session=" + s.session_id; }

class SqlSessionStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    store_ = std::make_unique<SqlSessionStore>(*db_);
    mgr_ = std::make_unique<auth::SessionManager>(auth::SessionConfig{}, *store_);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqlSessionStore> store_;
  std::unique_ptr<auth::SessionManager> mgr_;
};

TEST_P(SqlSessionStoreSuite, RecordReadsBackWithEveryFieldAndTheIdOnlyHashed) {
  auto s = mgr_->Create("nurse-1", kNow);
  ASSERT_TRUE(s.has_value());
  const auth::SessionCheck c = mgr_->Check("GET", Cookie(*s), "", kNow + kMinute);
  ASSERT_TRUE(c.ok()) << auth::SessionErrorName(c.error);
  EXPECT_EQ(c.record.user_id, "nurse-1");
  EXPECT_EQ(c.record.csrf_token, s->csrf_token);
  EXPECT_EQ(c.record.created, kNow);
  std::vector<Row> rows;
  ASSERT_TRUE(db_->Execute("SELECT COUNT(*) FROM sessions WHERE user_id = ? AND "
                           "csrf_token = ? AND id_hash <> ?",
                           {Value{std::string("nurse-1")}, Value{s->csrf_token},
                            Value{Blob(s->session_id.begin(), s->session_id.end())}},
                           &rows)
                  .ok());
  EXPECT_EQ(rows.at(0).Int(0), 1);
  EXPECT_EQ(store_->Find(c.record.id_hash)->last_seen, kNow + kMinute) << "Check touched it";
}

TEST_P(SqlSessionStoreSuite, SecondPutOfOneIdIsRefused) {
  auth::SessionRecord r;
  r.id_hash[0] = 1;
  r.user_id = "u";
  EXPECT_EQ(store_->Put(r), vigil::Error::kOk);
  EXPECT_EQ(store_->Put(r), vigil::Error::kInvalidState);
}

TEST_P(SqlSessionStoreSuite, TouchNeverMovesTheIdleTimerBack) {
  auth::SessionRecord r;
  r.id_hash[0] = 2;
  r.user_id = "u";
  r.last_seen = 100;
  ASSERT_EQ(store_->Put(r), vigil::Error::kOk);
  store_->Touch(r.id_hash, 300);
  store_->Touch(r.id_hash, 200);
  EXPECT_EQ(store_->Find(r.id_hash)->last_seen, 300);
}

TEST_P(SqlSessionStoreSuite, IdleAndAbsoluteTimeoutsHoldOverTheDatabase) {
  auto s = mgr_->Create("nurse-1", kNow);
  EXPECT_EQ(mgr_->Check("GET", Cookie(*s), "", kNow + 14 * kMinute).error, SessionError::kOk);
  EXPECT_EQ(mgr_->Check("GET", Cookie(*s), "", kNow + 30 * kMinute).error,
            SessionError::kIdleExpired);
  auto t = mgr_->Create("nurse-2", kNow);
  TimeUs at = kNow;
  while (at + 10 * kMinute < kNow + 12 * 60 * kMinute) {
    at += 10 * kMinute;
    ASSERT_EQ(mgr_->Check("GET", Cookie(*t), "", at).error, SessionError::kOk);
  }
  EXPECT_EQ(mgr_->Check("GET", Cookie(*t), "", kNow + 12 * 60 * kMinute).error,
            SessionError::kAbsoluteExpired);
}

TEST_P(SqlSessionStoreSuite, LogoutEverywhereRevokesEachSessionOfTheUserOnce) {
  auto a = mgr_->Create("nurse-1", kNow);
  auto b = mgr_->Create("nurse-1", kNow);
  auto other = mgr_->Create("nurse-2", kNow);
  mgr_->Logout(Cookie(*a));
  EXPECT_EQ(mgr_->Check("GET", Cookie(*a), "", kNow).error, SessionError::kRevoked);
  EXPECT_EQ(store_->RevokeUser("nurse-1"), 1u);
  EXPECT_EQ(store_->RevokeUser("nurse-1"), 0u);
  EXPECT_EQ(mgr_->Check("GET", Cookie(*b), "", kNow).error, SessionError::kRevoked);
  EXPECT_EQ(mgr_->Check("GET", Cookie(*other), "", kNow).error, SessionError::kOk);
}

// Two replicas behind a load balancer: the logout reaches one, the next request the other.
TEST_P(SqlSessionStoreSuite, SessionRevokedOnOneConnectionIsRefusedOnAnother) {
  std::unique_ptr<Database> b_db;
  ASSERT_TRUE(OpenDatabase(url_, {}, &b_db).ok());
  SqlSessionStore b_store(*b_db);
  auth::SessionManager b_mgr(auth::SessionConfig{}, b_store);
  auto s = mgr_->Create("doctor-1", kNow);
  EXPECT_EQ(b_mgr.Check("GET", Cookie(*s), "", kNow).error, SessionError::kOk);
  mgr_->Logout(Cookie(*s));
  EXPECT_TRUE(store_->last_status().ok());
  EXPECT_EQ(b_mgr.Check("GET", Cookie(*s), "", kNow).error, SessionError::kRevoked);
}

TEST_P(SqlSessionStoreSuite, FailingDatabaseRefusesTheSession) {
  auto s = mgr_->Create("nurse-1", kNow);
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE sessions RENAME TO sessions_gone").ok());
  EXPECT_EQ(mgr_->Check("GET", Cookie(*s), "", kNow).error, SessionError::kUnknown);
  EXPECT_FALSE(store_->last_status().ok());
}

TEST_P(SqlSessionStoreSuite, HousekeepingDeletesOnlyExpiredSessions) {
  auto old_one = mgr_->Create("a", kNow);
  auto fresh = mgr_->Create("b", kNow + 60 * kMinute);
  EXPECT_EQ(store_->DeleteExpired(kNow + 30 * kMinute, kNow - 12 * 60 * kMinute), 1u);
  EXPECT_EQ(mgr_->Check("GET", Cookie(*old_one), "", kNow + 61 * kMinute).error,
            SessionError::kUnknown);
  EXPECT_EQ(mgr_->Check("GET", Cookie(*fresh), "", kNow + 61 * kMinute).error, SessionError::kOk);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlSessionStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
