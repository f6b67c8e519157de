#include "edge/uplink/uplink_link.h"

#include <gtest/gtest.h>

namespace vigil::uplink {
namespace {

LinkOptions Opts() {
  LinkOptions o;
  o.backoff_min = 100 * kMillis;
  o.backoff_max = 1600 * kMillis;
  o.connect_timeout = 2 * kSeconds;
  o.max_inflight = 3;
  return o;
}

TEST(UplinkLink, StartConnectsAndArmsTheConnectTimeout) {
  UplinkLink l(Opts(), 1);
  EXPECT_EQ(l.Input(LinkInput::kStart, 1000), LinkAction::kConnect);
  EXPECT_EQ(l.state(), LinkState::kConnecting);
  EXPECT_EQ(l.NextDeadline(), 1000 + 2 * kSeconds);
  EXPECT_EQ(l.Sendable(), 0u);  // nothing goes out before CONNACK
}

TEST(UplinkLink, HungHandshakeIsAbandonedAtTheConnectTimeout) {
  UplinkLink l(Opts(), 1);
  l.Input(LinkInput::kStart, 0);
  EXPECT_EQ(l.Input(LinkInput::kDeadline, 2 * kSeconds), LinkAction::kDisconnect);
  EXPECT_EQ(l.state(), LinkState::kBackoff);
  EXPECT_GT(l.NextDeadline(), 2 * kSeconds);
  EXPECT_EQ(l.Input(LinkInput::kDeadline, l.NextDeadline()), LinkAction::kConnect);
  EXPECT_EQ(l.state(), LinkState::kConnecting);
}

TEST(UplinkLink, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  UplinkLink l(Opts(), 42);
  TimeUs now = 0;
  l.Input(LinkInput::kStart, now);
  TimeUs ceiling = 100 * kMillis;
  for (int k = 0; k < 8; ++k) {
    ASSERT_EQ(l.Input(LinkInput::kConnectFailed, now), LinkAction::kDisconnect);
    const TimeUs wait = l.NextDeadline() - now;
    EXPECT_GE(wait, ceiling / 2) << "attempt " << k;
    EXPECT_LE(wait, ceiling) << "attempt " << k;
    ceiling = std::min<TimeUs>(ceiling * 2, 1600 * kMillis);
    now = l.NextDeadline();
    ASSERT_EQ(l.Input(LinkInput::kDeadline, now), LinkAction::kConnect);
  }
  EXPECT_EQ(l.failures(), 8u);
}

TEST(UplinkLink, GatewaysWithDifferentSeedsDoNotRetryInStep) {
  UplinkLink a(Opts(), 1), b(Opts(), 2);
  a.Input(LinkInput::kStart, 0);
  b.Input(LinkInput::kStart, 0);
  int same = 0;
  for (int k = 0; k < 6; ++k) {
    a.Input(LinkInput::kConnectFailed, 0);
    b.Input(LinkInput::kConnectFailed, 0);
    same += a.NextDeadline() == b.NextDeadline();
    a.Input(LinkInput::kDeadline, a.NextDeadline());
    b.Input(LinkInput::kDeadline, b.NextDeadline());
  }
  EXPECT_LT(same, 2);
}

TEST(UplinkLink, ConnectionThatWentOnlineRestartsTheBackoffAtItsMinimum) {
  UplinkLink l(Opts(), 7);
  l.Input(LinkInput::kStart, 0);
  for (int k = 0; k < 4; ++k) {
    l.Input(LinkInput::kConnectFailed, 0);
    l.Input(LinkInput::kDeadline, l.NextDeadline());
  }
  EXPECT_EQ(l.Input(LinkInput::kConnected, 10 * kSeconds), LinkAction::kNone);
  EXPECT_EQ(l.state(), LinkState::kOnline);
  EXPECT_EQ(l.NextDeadline(), kNever);
  EXPECT_EQ(l.connects(), 1u);
  EXPECT_EQ(l.Input(LinkInput::kLost, 20 * kSeconds), LinkAction::kDisconnect);
  EXPECT_LE(l.NextDeadline() - 20 * kSeconds, 100 * kMillis);
}

TEST(UplinkLink, InFlightWindowIsBoundedAndFreedByAcks) {
  UplinkLink l(Opts(), 1);
  l.Input(LinkInput::kStart, 0);
  l.Input(LinkInput::kConnected, 0);
  EXPECT_EQ(l.Sendable(), 3u);
  l.OnSent(1, 101);
  l.OnSent(2, 102);
  l.OnSent(3, 103);
  EXPECT_EQ(l.Sendable(), 0u);
  EXPECT_EQ(l.OnAcked(2), std::optional<uint64_t>(102));
  EXPECT_EQ(l.Sendable(), 1u);
  EXPECT_EQ(l.OnAcked(2), std::nullopt);   // acked twice: not in flight any more
  EXPECT_EQ(l.OnAcked(99), std::nullopt);  // a status message's packet id
}

TEST(UplinkLink, LostConnectionForgetsItsPacketIds) {
  UplinkLink l(Opts(), 1);
  l.Input(LinkInput::kStart, 0);
  l.Input(LinkInput::kConnected, 0);
  l.OnSent(1, 101);
  l.Input(LinkInput::kLost, 0);
  EXPECT_EQ(l.in_flight(), 0u);
  l.Input(LinkInput::kDeadline, l.NextDeadline());
  l.Input(LinkInput::kConnected, l.NextDeadline());
  // Packet id 1 of the new connection is not the old message.
  EXPECT_EQ(l.OnAcked(1), std::nullopt);
}

TEST(UplinkLink, BrokerRefusingEveryMessageIsRetriedWithGrowingDelays) {
  UplinkLink l(Opts(), 3);
  l.Input(LinkInput::kStart, 0);
  TimeUs now = 0;
  TimeUs last_wait = 0;
  for (int k = 0; k < 4; ++k) {
    l.Input(LinkInput::kConnected, now);
    l.OnSent(1, 1);
    ASSERT_EQ(l.Input(LinkInput::kRefused, now), LinkAction::kDisconnect);
    const TimeUs wait = l.NextDeadline() - now;
    if (k >= 2) {
      EXPECT_GT(wait, last_wait / 2 + 100 * kMillis / 2) << k;
    }
    last_wait = wait;
    now = l.NextDeadline();
    l.Input(LinkInput::kDeadline, now);
  }
  EXPECT_GE(last_wait, 400 * kMillis);
  // An acknowledged message ends the refusing: the next loss waits the minimum again.
  l.Input(LinkInput::kConnected, now);
  l.OnSent(5, 5);
  l.OnAcked(5);
  l.Input(LinkInput::kLost, now);
  l.Input(LinkInput::kDeadline, l.NextDeadline());
  now = l.NextDeadline();
  l.Input(LinkInput::kConnected, now);
  l.Input(LinkInput::kLost, now);
  EXPECT_LE(l.NextDeadline() - now, 100 * kMillis);
}

TEST(UplinkLink, ReloadReconnectsAtOnceFromEveryLiveState) {
  UplinkLink l(Opts(), 1);
  l.Input(LinkInput::kStart, 0);
  EXPECT_EQ(l.Input(LinkInput::kReload, 1), LinkAction::kReconnect);  // connecting
  l.Input(LinkInput::kConnected, 2);
  EXPECT_EQ(l.Input(LinkInput::kReload, 3), LinkAction::kReconnect);  // online
  EXPECT_EQ(l.state(), LinkState::kConnecting);
  l.Input(LinkInput::kConnectFailed, 4);
  EXPECT_EQ(l.Input(LinkInput::kReload, 5), LinkAction::kConnect);  // backing off
  EXPECT_EQ(l.NextDeadline(), 5 + 2 * kSeconds);
}

TEST(UplinkLink, LateCallbacksOfAClosedClientAreIgnored) {
  UplinkLink l(Opts(), 1);
  l.Input(LinkInput::kStart, 0);
  l.Input(LinkInput::kConnectFailed, 0);
  EXPECT_EQ(l.Input(LinkInput::kConnected, 1), LinkAction::kNone);
  EXPECT_EQ(l.Input(LinkInput::kLost, 1), LinkAction::kNone);
  EXPECT_EQ(l.state(), LinkState::kBackoff);
  EXPECT_EQ(l.ignored(), 2u);
}

TEST(UplinkLink, StopClosesALiveClientAndIsFinal) {
  UplinkLink l(Opts(), 1);
  l.Input(LinkInput::kStart, 0);
  l.Input(LinkInput::kConnected, 0);
  EXPECT_EQ(l.Input(LinkInput::kStop, 1), LinkAction::kDisconnect);
  EXPECT_EQ(l.state(), LinkState::kStopped);
  EXPECT_EQ(l.NextDeadline(), kNever);
  EXPECT_EQ(l.Input(LinkInput::kStart, 2), LinkAction::kNone);
  UplinkLink idle(Opts(), 1);
  EXPECT_EQ(idle.Input(LinkInput::kStop, 0), LinkAction::kNone);  // nothing to close
}

}  // namespace
}  // namespace vigil::uplink
