#include "cloud/guard/rate_limiter.h"

#include <gtest/gtest.h>

namespace vigil::guard {
namespace {

constexpr TimeUs kNow = 1'750'000'000 * kSeconds;
using policy::RateClass;

TEST(RateLimiter, BurstThenRefusalWithRetryAfter) {
  InMemoryCounterStore store;
  RateLimiter rl(RateLimitConfig{}, store);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(rl.Admit("1.2.3.4", RateClass::kAuth, kNow)->allowed);
  const Result<RateVerdict> v = rl.Admit("1.2.3.4", RateClass::kAuth, kNow);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->allowed);
  EXPECT_EQ(v->retry_after_s, 6);  // 10 per minute
  EXPECT_FALSE(rl.Admit("1.2.3.4", RateClass::kAuth, kNow + 5 * kSeconds)->allowed);
  EXPECT_TRUE(rl.Admit("1.2.3.4", RateClass::kAuth, kNow + 6 * kSeconds)->allowed);
}

TEST(RateLimiter, ClientsAndClassesHaveTheirOwnBuckets) {
  InMemoryCounterStore store;
  RateLimiter rl(RateLimitConfig{}, store);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(rl.Admit("gw-01", RateClass::kExport, kNow)->allowed);
  EXPECT_FALSE(rl.Admit("gw-01", RateClass::kExport, kNow)->allowed);
  EXPECT_TRUE(rl.Admit("gw-02", RateClass::kExport, kNow)->allowed);
  EXPECT_TRUE(rl.Admit("gw-01", RateClass::kRead, kNow)->allowed);
}

TEST(RateLimiter, SustainedRateIsTheConfiguredRate) {
  InMemoryCounterStore store;
  RateLimitConfig cfg;
  cfg.classes[static_cast<size_t>(RateClass::kRead)] = {5, 10};
  RateLimiter rl(cfg, store);
  int admitted = 0;
  for (TimeUs t = kNow; t < kNow + 10 * kSeconds; t += 10 * kMillis) {
    admitted += rl.Admit("u", RateClass::kRead, t)->allowed ? 1 : 0;
  }
  EXPECT_GE(admitted, 100);
  EXPECT_LE(admitted, 106);  // 10 s at 10/s plus the burst of 5
}

TEST(RateLimiter, TwoReplicasOnOneStoreShareTheBudget) {
  InMemoryCounterStore store;
  RateLimiter a(RateLimitConfig{}, store), b(RateLimitConfig{}, store);
  int admitted = 0;
  for (int i = 0; i < 10; ++i) {
    admitted += a.Admit("c", RateClass::kAuth, kNow)->allowed;
    admitted += b.Admit("c", RateClass::kAuth, kNow)->allowed;
  }
  EXPECT_EQ(admitted, 10);
}

TEST(RateLimiter, EveryRouteHasAConfiguredClass) {
  const RateLimitConfig cfg;
  for (const policy::Route& r : policy::AllRoutes()) {
    const BucketConfig& b = cfg.classes[static_cast<size_t>(r.rate_class)];
    EXPECT_GE(b.burst, 1) << r.pattern;
    EXPECT_GT(b.per_second, 0) << r.pattern;
  }
}

TEST(CounterStore, FullStoreForgetsTheOldestKey) {
  InMemoryCounterStore store(2);
  auto set = [](double v, TimeUs t) {
    return [v, t](const std::optional<CounterState>&) { return CounterState{v, t}; };
  };
  ASSERT_TRUE(store.Update("a", set(1, 10)).ok());
  ASSERT_TRUE(store.Update("b", set(2, 20)).ok());
  ASSERT_TRUE(store.Update("c", set(3, 30)).ok());
  EXPECT_FALSE(store.Get("a").has_value());
  EXPECT_TRUE(store.Get("b").has_value());
  EXPECT_EQ(store.Get("c")->value, 3);
  EXPECT_EQ(store.Expire(25), 1u);
  EXPECT_EQ(store.size(), 1u);
}

}  // namespace
}  // namespace vigil::guard
