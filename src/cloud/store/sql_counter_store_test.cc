#include "cloud/store/sql_counter_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "cloud/guard/login_throttle.h"
#include "cloud/store/schema.h"
#include "cloud/store/test_backends.h"
#include "common/test_temp_dir.h"

namespace vigil::cloud {
namespace {

using guard::CounterState;
using vigil::cloud::testing::BackendParamName;
using vigil::cloud::testing::FreshDatabase;

CounterState Increment(const std::optional<CounterState>& c) {
  return {c.has_value() ? c->value + 1 : 1, c.has_value() ? c->updated + 1 : 1};
}

class SqlCounterStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = FreshDatabase(GetParam(), dir_, &url_);
    ASSERT_NE(db_, nullptr);
    MigrateReport r;
    ASSERT_TRUE(Migrate(*db_, CloudMigrations(), 1, &r).ok());
    store_ = std::make_unique<SqlCounterStore>(*db_);
  }
  vigil::testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqlCounterStore> store_;
};

TEST_P(SqlCounterStoreSuite, AbsentKeyIsGivenAsNulloptThenTheStoredState) {
  std::vector<std::optional<CounterState>> seen;
  auto record = [&](const std::optional<CounterState>& c) {
    seen.push_back(c);
    return CounterState{c.has_value() ? c->value * 2 : 0.25, 1000};
  };
  ASSERT_TRUE(store_->Update("login:u-1", record).ok());
  const auto second = store_->Update("login:u-1", record);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value(), (CounterState{0.5, 1000}));
  ASSERT_EQ(seen.size(), 2u) << "update runs exactly once per successful call";
  EXPECT_FALSE(seen[0].has_value());
  EXPECT_EQ(seen[1], (CounterState{0.25, 1000}));
  EXPECT_EQ(store_->Get("login:u-1"), (CounterState{0.5, 1000}));
  EXPECT_FALSE(store_->Get("login:u-2").has_value());
}

TEST_P(SqlCounterStoreSuite, FractionalTokensSurviveTheRoundTrip) {
  ASSERT_TRUE(store_->Update("rate:k", [](auto&) { return CounterState{0.1 + 0.2, 7}; }).ok());
  EXPECT_EQ(store_->Get("rate:k")->value, 0.1 + 0.2);
}

TEST_P(SqlCounterStoreSuite, EraseAndExpireDropOnlyWhatTheyName) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        store_->Update("k" + std::to_string(i),
                       [i](auto&) {
                         return CounterState{1, 100 * i};
                       })
            .ok());
  store_->Erase("k4");
  EXPECT_FALSE(store_->Get("k4").has_value());
  EXPECT_EQ(store_->Expire(200), 2u);  // k0 (0) and k1 (100)
  EXPECT_FALSE(store_->Get("k1").has_value());
  EXPECT_TRUE(store_->Get("k2").has_value());
  EXPECT_TRUE(store_->last_status().ok());
}

TEST_P(SqlCounterStoreSuite, UpdateInsideACallersTransactionJoinsIt) {
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(store_->Update("k", Increment).ok());
  EXPECT_TRUE(db_->in_transaction()) << "the caller's transaction is still open";
  ASSERT_TRUE(db_->Rollback().ok());
  EXPECT_FALSE(store_->Get("k").has_value());
}

TEST_P(SqlCounterStoreSuite, FailingDatabaseIsAnIoErrorAndChangesNothing) {
  ASSERT_TRUE(store_->Update("k", Increment).ok());
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE counters RENAME TO counters_gone").ok());
  const auto r = store_->Update("k", Increment);
  EXPECT_EQ(r.error(), vigil::Error::kIo);
  EXPECT_FALSE(store_->last_status().message.empty());
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE counters_gone RENAME TO counters").ok());
  EXPECT_EQ(store_->Get("k")->value, 1);
}

// Two replicas counting failures of one account: not a hit lost.
TEST_P(SqlCounterStoreSuite, TwoConnectionsIncrementingOneKeyLoseNothing) {
  constexpr int kEach = 1000;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&] {
      std::unique_ptr<Database> conn;
      if (!OpenDatabase(url_, {}, &conn).ok()) {
        ++failures;
        return;
      }
      SqlCounterStore store(*conn);
      for (int i = 0; i < kEach; ++i)
        if (!store.Update("login:nurse-1", Increment).ok()) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_->Get("login:nurse-1")->value, 2 * kEach);
}

// An attacker spreading guesses over two replicas: the failures counted on one delay
// the next attempt on the other.
TEST_P(SqlCounterStoreSuite, FailuresCountedOnOneReplicaThrottleTheOther) {
  std::unique_ptr<Database> other;
  ASSERT_TRUE(OpenDatabase(url_, {}, &other).ok());
  SqlCounterStore b_store(*other);
  guard::LoginThrottle a(guard::ThrottleConfig{}, *store_);
  guard::LoginThrottle b(guard::ThrottleConfig{}, b_store);
  const guard::LoginAttempt attempt{"dr.grey", "203.0.113.9", guard::Factor::kPassword, false};
  constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE((i % 2 ? a : b).RecordFailure(attempt, kNow).ok());
  const auto v = b.Check(attempt, kNow);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->account_at_source_failures, 4u);
  EXPECT_TRUE(v->allowed) << "below the free attempts";
  ASSERT_TRUE(a.RecordFailure(attempt, kNow).ok());
  const auto after = b.Check(attempt, kNow);
  EXPECT_FALSE(after->allowed) << "the fifth failure, counted on the other replica, delays";
  EXPECT_EQ(after->retry_at, kNow + kSeconds);
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlCounterStoreSuite,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace vigil::cloud
