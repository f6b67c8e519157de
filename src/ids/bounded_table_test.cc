#include "ids/bounded_table.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace vigil::ids {
namespace {

TEST(BoundedTable, FloodOfNewKeysEvictsLeastRecentlyTouched) {
  BoundedTable<uint64_t, int> t(3);
  t.Touch(1) = 10;
  t.Touch(2) = 20;
  t.Touch(3) = 30;
  t.Touch(1);       // 1 is now the most recent; 2 is the oldest
  t.Touch(4) = 40;  // evicts 2
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Find(2), nullptr);
  ASSERT_NE(t.Find(1), nullptr);
  EXPECT_EQ(*t.Find(1), 10);
  EXPECT_EQ(t.evictions(), 1u);
}

TEST(BoundedTable, NewEntryIsValueInitialised) {
  BoundedTable<uint64_t, int> t(2);
  EXPECT_EQ(t.Touch(9), 0);
}

TEST(BoundedTable, EraseIfAndForEachInKeyOrder) {
  BoundedTable<uint64_t, int> t(10);
  for (uint64_t k : {5, 1, 3, 2, 4}) t.Touch(k) = static_cast<int>(k);
  t.EraseIf([](uint64_t k, int) { return k % 2 == 0; });
  std::vector<uint64_t> keys;
  t.ForEach([&](uint64_t k, int) { keys.push_back(k); });
  EXPECT_EQ(keys, (std::vector<uint64_t>{1, 3, 5}));
  // The LRU list stayed consistent: once full, the oldest remaining keys go first (5,
  // then 1, in their insertion order).
  for (uint64_t k = 10; k < 17; ++k) t.Touch(k);
  EXPECT_EQ(t.size(), 10u);
  EXPECT_EQ(t.evictions(), 0u);
  t.Touch(20);
  EXPECT_EQ(t.Find(5), nullptr);
  EXPECT_NE(t.Find(1), nullptr);
  t.Touch(21);
  EXPECT_EQ(t.Find(1), nullptr);
  EXPECT_NE(t.Find(3), nullptr);
}

TEST(BoundedTable, EraseRangeRemovesExactlyTheClosedRange) {
  BoundedTable<std::pair<uint64_t, uint64_t>, int> t(10);
  for (uint64_t a = 1; a <= 3; ++a) {
    for (uint64_t b = 0; b < 2; ++b) t.Touch({a, b});
  }
  t.EraseRange({2, 0}, {2, 1});
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.Find({2, 0}), nullptr);
  EXPECT_EQ(t.Find({2, 1}), nullptr);
  EXPECT_NE(t.Find({1, 1}), nullptr);
  EXPECT_NE(t.Find({3, 0}), nullptr);
  // The LRU list lost the same keys: refilling evicts (1,0) first, not a ghost.
  for (uint64_t k = 10; k < 16; ++k) t.Touch({k, 0});
  EXPECT_EQ(t.size(), 10u);
  t.Touch({99, 0});
  EXPECT_EQ(t.Find({1, 0}), nullptr);
}

TEST(BoundedTable, ZeroCapacityStillHoldsOneEntry) {
  BoundedTable<uint64_t, int> t(0);
  t.Touch(1) = 1;
  t.Touch(2) = 2;
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(*t.Find(2), 2);
}

}  // namespace
}  // namespace vigil::ids
