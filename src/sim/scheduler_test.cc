#include "sim/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::sim {
namespace {

TEST(SchedulerTest, EventsRunInTimeOrderNotInsertionOrder) {
  Scheduler s;
  std::vector<int> order;
  s.At(30, [&] { order.push_back(30); });
  s.At(10, [&] { order.push_back(10); });
  s.At(20, [&] { order.push_back(20); });
  EXPECT_EQ(s.Run(), 3u);
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(s.Now(), 30);
}

TEST(SchedulerTest, SameTimeEventsRunInInsertionOrder) {
  Scheduler s;
  std::string order;
  for (char c : std::string("abcdefgh")) s.At(5, [&order, c] { order.push_back(c); });
  s.Run();
  EXPECT_EQ(order, "abcdefgh");
}

TEST(SchedulerTest, EventScheduledForNowFromCallbackRunsAfterEventsAlreadyDue) {
  Scheduler s;
  std::string order;
  s.At(5, [&] {
    order += "a";
    s.At(5, [&] { order += "c"; });
  });
  s.At(5, [&] { order += "b"; });
  s.Run();
  EXPECT_EQ(order, "abc");
}

TEST(SchedulerTest, CancelledEventDoesNotRun) {
  Scheduler s;
  bool ran = false;
  EventId id = s.At(10, [&] { ran = true; });
  EXPECT_TRUE(s.IsPending(id));
  EXPECT_TRUE(s.Cancel(id));
  EXPECT_FALSE(s.IsPending(id));
  EXPECT_FALSE(s.Cancel(id));
  EXPECT_EQ(s.pending(), 0u);
  s.Run();
  EXPECT_FALSE(ran);
}

TEST(SchedulerTest, StaleIdDoesNotCancelEventReusingItsSlot) {
  Scheduler s;
  EventId first = s.At(1, [] {});
  s.Run();
  bool ran = false;
  EventId second = s.At(2, [&] { ran = true; });
  ASSERT_EQ(first.slot, second.slot);  // the slot is reused ...
  EXPECT_FALSE(s.Cancel(first));       // ... but the old id no longer names it
  s.Run();
  EXPECT_TRUE(ran);
}

TEST(SchedulerTest, CancelFromInsideAnotherCallback) {
  Scheduler s;
  bool ran = false;
  EventId victim = s.At(20, [&] { ran = true; });
  s.At(10, [&] { EXPECT_TRUE(s.Cancel(victim)); });
  s.Run();
  EXPECT_FALSE(ran);
}

TEST(SchedulerTest, PastDeadlineRunsAtNowNotInThePast) {
  Scheduler s;
  s.RunUntil(100);
  TimeUs seen = -1;
  s.At(40, [&] { seen = s.Now(); });
  s.Run();
  EXPECT_EQ(seen, 100);
}

TEST(SchedulerTest, RunUntilStopsAtEndAndAdvancesClock) {
  Scheduler s;
  int ran = 0;
  s.At(5, [&] { ++ran; });
  s.At(10, [&] { ++ran; });  // exactly at the end: included
  s.At(15, [&] { ++ran; });
  EXPECT_EQ(s.RunUntil(10), 2u);
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(s.Now(), 10);
  EXPECT_EQ(s.pending(), 1u);
  EXPECT_EQ(s.NextTime(), 15);
  s.RunUntil(12);
  EXPECT_EQ(s.Now(), 12);
  EXPECT_EQ(ran, 2);
}

TEST(SchedulerTest, StopFromCallbackLeavesLaterEventsPending) {
  Scheduler s;
  int ran = 0;
  s.At(1, [&] {
    ++ran;
    s.Stop();
  });
  s.At(2, [&] { ++ran; });
  EXPECT_EQ(s.Run(), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(s.Now(), 1);
  EXPECT_EQ(s.pending(), 1u);
  s.Run();
  EXPECT_EQ(ran, 2);
}

TEST(SchedulerTest, RunUntilNeverOnEmptySchedulerReturns) {
  Scheduler s;
  EXPECT_EQ(s.RunUntil(kNever), 0u);
  EXPECT_EQ(s.NextTime(), kNever);
}

TEST(SchedulerTest, ManyInterleavedEventsKeepTotalOrder) {
  Scheduler s;
  std::vector<std::pair<TimeUs, int>> seen;
  // Times repeat with period 7 so that many events share a time.
  for (int i = 0; i < 1000; ++i) {
    const TimeUs t = (i * 37) % 7;
    s.At(t, [&seen, &s, i] { seen.emplace_back(s.Now(), i); });
  }
  s.Run();
  ASSERT_EQ(seen.size(), 1000u);
  for (size_t k = 1; k < seen.size(); ++k) {
    const bool ordered = seen[k - 1].first < seen[k].first || (seen[k - 1].first == seen[k].first &&
                                                               seen[k - 1].second < seen[k].second);
    ASSERT_TRUE(ordered) << "at " << k;
  }
  EXPECT_EQ(s.executed(), 1000u);
}

}  // namespace
}  // namespace vigil::sim
