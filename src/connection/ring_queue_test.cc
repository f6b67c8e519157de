#include "connection/ring_queue.h"

#include <gtest/gtest.h>

#include <deque>

namespace vigil {
namespace {

// Growing while the contents wrap around the end of the storage must keep FIFO order.
TEST(RingQueue, KeepsOrderAcrossWrapAndGrowth) {
  RingQueue<int> q;
  std::deque<int> ref;
  int next = 0;
  // Interleave pushes and pops so that the head moves before each growth.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 3 + round % 5; ++i) {
      q.push_back(next);
      ref.push_back(next++);
    }
    for (int i = 0; i < 2 + round % 3 && !ref.empty(); ++i) {
      ASSERT_FALSE(q.empty());
      EXPECT_EQ(q.front(), ref.front());
      q.pop_front();
      ref.pop_front();
    }
    ASSERT_EQ(q.size(), ref.size());
  }
  while (!ref.empty()) {
    EXPECT_EQ(q.front(), ref.front());
    q.pop_front();
    ref.pop_front();
  }
  EXPECT_TRUE(q.empty());
}

TEST(RingQueue, ReusesItsStorageOnceWarm) {
  RingQueue<int> q;
  for (int i = 0; i < 5; ++i) q.push_back(i);
  while (!q.empty()) q.pop_front();
  const size_t cap = q.capacity();
  for (int round = 0; round < 1000; ++round) {
    for (int i = 0; i < 5; ++i) q.push_back(i);
    while (!q.empty()) q.pop_front();
  }
  EXPECT_EQ(q.capacity(), cap);
}

TEST(RingQueue, GivesABurstBackWhenDrained) {
  RingQueue<int> q;
  for (size_t i = 0; i < 4 * RingQueue<int>::kShrinkAbove; ++i) q.push_back(1);
  EXPECT_GT(q.capacity(), RingQueue<int>::kShrinkAbove);
  while (!q.empty()) q.pop_front();
  EXPECT_LE(q.capacity(), RingQueue<int>::kShrinkAbove);
  q.push_back(7);
  EXPECT_EQ(q.front(), 7);
}

}  // namespace
}  // namespace vigil
