#include "sim/radio.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "sim/radio_floor.h"

namespace vigil::sim {
namespace {

// SplitMix64: a tiny seeded generator, so these tests depend on nothing outside sim/.
struct SplitMix64 {
  uint64_t state;
  uint64_t operator()() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

RandomFn Zero() {
  return [] { return uint64_t{0}; };
}
RandomFn Constant(uint64_t v) {
  return [v] { return v; };
}

std::vector<uint8_t> Bytes(size_t n, uint8_t fill = 0xAB) { return std::vector<uint8_t>(n, fill); }

TxRequest Unicast(size_t n, uint64_t dst, uint8_t seq = 1) {
  return TxRequest{Bytes(n), true, dst, seq};
}
TxRequest Broadcast(size_t n, uint8_t seq = 1) {
  return TxRequest{Bytes(n), false, kBroadcast, seq};
}

// Nodes addressed 0x100 + id, fully connected by explicit lossless links unless a test
// changes that.
struct Net {
  explicit Net(RandomFn random, RadioConfig config = {})
      : radio(sched, std::move(random), config) {}
  NodeId Add(bool listening = true) {
    NodeConfig c;
    c.address = 0x100 + radio.size();
    c.listening = listening;
    return radio.AddNode(c);
  }
  void Connect(NodeId a, NodeId b, double loss = 0.0) {
    ASSERT_EQ(radio.SetLinkSymmetric(a, b, LinkConfig{true, loss}), Error::kOk);
  }
  static uint64_t Addr(NodeId id) { return 0x100 + id; }
  Scheduler sched;
  Radio radio;
};

TEST(RadioAirtimeTest, MaxFrameTakes133ByteTimes) {
  EXPECT_EQ(FrameAirtimeUs(127), (127 + 6) * 32);
  EXPECT_EQ(kAckAirtimeUs, 11 * 32);
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  std::vector<AirFrame> air;
  net.radio.SetAirObserver([&](const AirFrame& f) { air.push_back(f); });
  ASSERT_EQ(net.radio.node(a).Send(Broadcast(127)), Error::kOk);
  net.sched.Run();
  ASSERT_EQ(air.size(), 1u);
  EXPECT_EQ(air[0].end - air[0].start, 4256);
  EXPECT_EQ(net.radio.node(a).stats().bytes_on_air_phy, 133u);
  EXPECT_EQ(net.radio.node(a).stats().bytes_on_air_mpdu, 127u);
}

TEST(RadioSendTest, OversizedOrEmptyFrameIsRejectedNotSent) {
  Net net(Zero());
  NodeId a = net.Add();
  bool called = false;
  EXPECT_EQ(net.radio.node(a).Send(Broadcast(128), [&](const TxResult&) { called = true; }),
            Error::kInvalidArgument);
  EXPECT_EQ(net.radio.node(a).Send(TxRequest{}), Error::kInvalidArgument);
  net.sched.Run();
  EXPECT_FALSE(called);
  EXPECT_EQ(net.radio.node(a).stats().tx_rejected, 2u);
  EXPECT_EQ(net.radio.node(a).stats().tx_frames, 0u);
}

TEST(RadioSendTest, FullQueueReturnsNoBufs) {
  RadioConfig cfg;
  cfg.mac.queue_limit = 3;
  Net net(Zero(), cfg);
  NodeId a = net.Add();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(net.radio.node(a).Send(Broadcast(10)), Error::kOk);
  EXPECT_EQ(net.radio.node(a).Send(Broadcast(10)), Error::kNoBufs);
  net.sched.Run();
  EXPECT_EQ(net.radio.node(a).stats().tx_success, 4u);
}

TEST(RadioUnicastTest, AckedDeliveryOnIdleChannelEqualsAnalyticFloor) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  std::optional<RxFrame> got;
  std::vector<uint8_t> got_bytes;
  net.radio.node(b).SetReceiver([&](const RxFrame& f) {
    got = f;
    got_bytes.assign(f.bytes.begin(), f.bytes.end());
  });
  std::optional<TxResult> done;
  ASSERT_EQ(
      net.radio.node(a).Send(Unicast(50, Net::Addr(b), 7), [&](const TxResult& r) { done = r; }),
      Error::kOk);
  net.sched.Run();
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(done.has_value());
  // Zero backoff: CCA (128) + turnaround (192), then 56 byte times on air.
  EXPECT_EQ(got->start, 320);
  EXPECT_EQ(got->end, 320 + 56 * 32);
  EXPECT_EQ(got->dst, Net::Addr(b));
  EXPECT_EQ(got->seq, 7);
  EXPECT_EQ(got->transmitter, a);
  EXPECT_EQ(got_bytes, Bytes(50));
  EXPECT_EQ(done->status, TxStatus::kSuccess);
  EXPECT_EQ(done->transmissions, 1);
  EXPECT_EQ(done->done_at, *FrameExchangeUs(50, true, CsmaEstimate::kMinimum));
  EXPECT_EQ(done->done_at, 320 + 56 * 32 + 192 + 11 * 32);
  EXPECT_EQ(net.radio.node(b).stats().acks_sent, 1u);
  EXPECT_EQ(net.radio.node(a).stats().rx_acks, 1u);
}

TEST(RadioUnicastTest, BackToBackFramesOfOneNodeEndAtAnalyticFloor) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  const std::vector<size_t> sizes = {20, 127, 10, 18};
  TimeUs last = -1;
  uint8_t seq = 0;
  for (size_t s : sizes) {
    ASSERT_EQ(net.radio.node(a).Send(Unicast(s, Net::Addr(b), seq++),
                                     [&](const TxResult& r) {
                                       EXPECT_EQ(r.status, TxStatus::kSuccess);
                                       last = r.done_at;
                                     }),
              Error::kOk);
  }
  net.sched.Run();
  EXPECT_EQ(last, *RadioFloorUs(sizes, true, CsmaEstimate::kMinimum));
  EXPECT_EQ(net.radio.node(b).stats().rx_delivered, sizes.size());
}

TEST(RadioUnicastTest, RequestResponseExchangeEndsAtAnalyticFloor) {
  // A -> B (40 bytes), B answers on reception (60), A answers that (30); all acked.
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  TimeUs last = -1;
  net.radio.node(b).SetReceiver([&](const RxFrame& f) {
    if (f.seq == 1) {
      EXPECT_EQ(net.radio.node(b).Send(Unicast(60, Net::Addr(a), 2)), Error::kOk);
    }
  });
  net.radio.node(a).SetReceiver([&](const RxFrame& f) {
    if (f.seq == 2) {
      EXPECT_EQ(net.radio.node(a).Send(Unicast(30, Net::Addr(b), 3),
                                       [&](const TxResult& r) { last = r.done_at; }),
                Error::kOk);
    }
  });
  ASSERT_EQ(net.radio.node(a).Send(Unicast(40, Net::Addr(b), 1)), Error::kOk);
  net.sched.Run();
  const FloorFrame seq[] = {{40, true, 0}, {60, true, 1}, {30, true, 0}};
  EXPECT_EQ(last, *RadioFloorUs(seq, CsmaEstimate::kMinimum));
  EXPECT_EQ(net.radio.TotalStats().cca_busy, 0u);
}

TEST(RadioUnicastTest, LossyLinkRetriesUpToMaxFrameRetriesThenReportsNoAck) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  ASSERT_EQ(net.radio.SetLink(a, b, LinkConfig{true, 1.0}), Error::kOk);
  std::optional<TxResult> done;
  net.radio.node(a).Send(Unicast(50, Net::Addr(b)), [&](const TxResult& r) { done = r; });
  net.sched.Run();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, TxStatus::kNoAck);
  EXPECT_EQ(done->transmissions, 1 + 3);
  // Each attempt: CSMA (320) + frame + macAckWaitDuration (864).
  EXPECT_EQ(done->done_at, 4 * (320 + 56 * 32 + 864));
  const RadioStats& sa = net.radio.node(a).stats();
  EXPECT_EQ(sa.tx_frames, 4u);
  EXPECT_EQ(sa.tx_retries, 3u);
  EXPECT_EQ(sa.tx_no_ack, 1u);
  EXPECT_EQ(net.radio.node(b).stats().rx_link_losses, 4u);
  EXPECT_EQ(net.radio.node(b).stats().rx_delivered, 0u);
}

TEST(RadioUnicastTest, LostAcksMakeTheReceiverSeeEveryRetransmission) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  ASSERT_EQ(net.radio.SetLink(b, a, LinkConfig{true, 1.0}), Error::kOk);  // ACK path only
  std::optional<TxResult> done;
  net.radio.node(a).Send(Unicast(30, Net::Addr(b)), [&](const TxResult& r) { done = r; });
  net.sched.Run();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, TxStatus::kNoAck);
  EXPECT_EQ(net.radio.node(b).stats().rx_delivered, 4u);  // duplicates: owner must filter
  EXPECT_EQ(net.radio.node(b).stats().acks_sent, 4u);
  EXPECT_EQ(net.radio.node(a).stats().rx_link_losses, 4u);
}

TEST(RadioUnicastTest, NodeWithReceiverOffNeitherHearsNorAcks) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  int heard = 0;
  net.radio.node(b).SetReceiver([&](const RxFrame&) { ++heard; });
  net.radio.node(b).SetListening(false);
  std::vector<TxStatus> results;
  auto record = [&](const TxResult& r) { results.push_back(r.status); };
  net.radio.node(a).Send(Unicast(30, Net::Addr(b), 1), record);
  net.sched.Run();
  net.radio.node(b).SetListening(true);
  net.radio.node(a).Send(Unicast(30, Net::Addr(b), 2), record);
  net.sched.Run();
  EXPECT_EQ(results, (std::vector<TxStatus>{TxStatus::kNoAck, TxStatus::kSuccess}));
  EXPECT_EQ(heard, 1);
}

TEST(RadioUnicastTest, SleepyNodeWithReceiverOffStillGetsItsOwnAck) {
  Net net(Zero());
  NodeId a = net.Add(/*listening=*/false), b = net.Add();
  net.Connect(a, b);
  std::optional<TxResult> done;
  net.radio.node(a).Send(Unicast(30, Net::Addr(b)), [&](const TxResult& r) { done = r; });
  net.sched.Run();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, TxStatus::kSuccess);
}

TEST(RadioUnicastTest, OnlyTheAddressedNodeAcksButEveryoneInRangeOverhears) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add(), c = net.Add();
  net.Connect(a, b);
  net.Connect(a, c);
  net.Connect(b, c);
  std::vector<uint64_t> c_heard;
  net.radio.node(c).SetReceiver([&](const RxFrame& f) { c_heard.push_back(f.dst); });
  net.radio.node(a).Send(Unicast(40, Net::Addr(b)));
  net.sched.Run();
  EXPECT_EQ(c_heard, (std::vector<uint64_t>{Net::Addr(b)}));
  EXPECT_EQ(net.radio.node(b).stats().acks_sent, 1u);
  EXPECT_EQ(net.radio.node(c).stats().acks_sent, 0u);
  EXPECT_EQ(net.radio.node(a).stats().tx_success, 1u);
}

TEST(RadioUnicastTest, ExtraAddressIsAcknowledged) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  net.radio.node(b).SetAddresses({Net::Addr(b), 0xBEEF});
  std::optional<TxResult> done;
  net.radio.node(a).Send(Unicast(20, 0xBEEF), [&](const TxResult& r) { done = r; });
  net.sched.Run();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, TxStatus::kSuccess);
}

TEST(RadioBroadcastTest, HeardByEveryListeningNodeInRangeAndNobodyElse) {
  Scheduler sched;
  Radio radio(sched, Zero());
  auto add = [&](double x) {
    NodeConfig c;
    c.x = x;
    c.range_m = 30;
    return radio.AddNode(c);
  };
  NodeId a = add(0), b = add(10), c = add(30), d = add(31), e = add(5);
  radio.node(e).SetListening(false);
  std::vector<NodeId> heard;
  for (NodeId n : {a, b, c, d, e}) {
    radio.node(n).SetReceiver([&heard, n](const RxFrame&) { heard.push_back(n); });
  }
  std::optional<TxResult> done;
  radio.node(a).Send(TxRequest{Bytes(60), true, kBroadcast, 1},
                     [&](const TxResult& r) { done = r; });
  sched.Run();
  EXPECT_EQ(heard, (std::vector<NodeId>{b, c}));  // d is 31 m away, e is off
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, TxStatus::kSuccess);  // no ACK is awaited for broadcast
  EXPECT_EQ(done->done_at, 320 + 66 * 32);
  EXPECT_EQ(radio.TotalStats().acks_sent, 0u);
  EXPECT_FALSE(radio.Link(a, d).connected);
  EXPECT_TRUE(radio.Link(a, c).connected);
}

TEST(RadioBroadcastTest, MovingOutOfRangeStopsReception) {
  Scheduler sched;
  Radio radio(sched, Zero());
  NodeConfig c;
  c.range_m = 10;
  NodeId a = radio.AddNode(c);
  c.x = 5;
  NodeId b = radio.AddNode(c);
  radio.node(a).Send(TxRequest{Bytes(10), false, kBroadcast, 1});
  sched.Run();
  ASSERT_EQ(radio.SetPosition(b, 50, 0), Error::kOk);
  radio.node(a).Send(TxRequest{Bytes(10), false, kBroadcast, 2});
  sched.Run();
  EXPECT_EQ(radio.node(b).stats().rx_delivered, 1u);
}

TEST(RadioCollisionTest, HiddenNodesCorruptBothFramesAtCommonReceiver) {
  // A - B - C: A and C cannot hear each other, so C's CCA is clear during A's frame.
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add(), c = net.Add();
  net.Connect(a, b);
  net.Connect(b, c);
  int heard = 0;
  net.radio.node(b).SetReceiver([&](const RxFrame&) { ++heard; });
  net.radio.node(a).Send(Broadcast(100));  // on air 320 .. 3712
  net.sched.At(1000, [&] { net.radio.node(c).Send(Broadcast(100)); });
  net.sched.Run();
  EXPECT_EQ(heard, 0);
  EXPECT_EQ(net.radio.node(b).stats().rx_collisions, 2u);
  EXPECT_EQ(net.radio.node(c).stats().cca_busy, 0u);
  EXPECT_EQ(net.radio.node(c).stats().tx_success, 1u);  // a broadcaster cannot tell
}

TEST(RadioCollisionTest, FrameStartingWhileAnotherSignalIsOnAirIsCorrupted) {
  // B turns its receiver on in the middle of A's frame (so it never synchronised to it),
  // then hidden node C starts a frame: A's signal is still there and garbles C's.
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add(/*listening=*/false), c = net.Add();
  net.Connect(a, b);
  net.Connect(b, c);
  int heard = 0;
  net.radio.node(b).SetReceiver([&](const RxFrame&) { ++heard; });
  net.radio.node(a).Send(Broadcast(127));  // on air 320 .. 4576
  net.sched.At(1000, [&] { net.radio.node(b).SetListening(true); });
  net.sched.At(1500, [&] { net.radio.node(c).Send(Broadcast(20)); });
  net.sched.Run();
  EXPECT_EQ(heard, 0);
  EXPECT_EQ(net.radio.node(b).stats().rx_collisions, 1u);
}

TEST(RadioCollisionTest, IdenticalBackoffCollidesOnEveryAttempt) {
  // A and C hear each other, but with equal backoff draws both CCAs end before either
  // frame starts (the CCA + turnaround vulnerability window).
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add(), c = net.Add();
  net.Connect(a, b);
  net.Connect(b, c);
  net.Connect(a, c);
  std::vector<TxStatus> results;
  auto record = [&](const TxResult& r) { results.push_back(r.status); };
  net.radio.node(a).Send(Unicast(40, Net::Addr(b)), record);
  net.radio.node(c).Send(Unicast(40, Net::Addr(b)), record);
  net.sched.Run();
  EXPECT_EQ(results, (std::vector<TxStatus>{TxStatus::kNoAck, TxStatus::kNoAck}));
  EXPECT_EQ(net.radio.node(b).stats().rx_delivered, 0u);
  EXPECT_EQ(net.radio.node(b).stats().rx_collisions, 8u);  // 2 frames x 4 attempts
  EXPECT_EQ(net.radio.node(a).stats().rx_missed, 4u);      // half duplex
  EXPECT_EQ(net.radio.node(c).stats().rx_missed, 4u);
}

TEST(RadioCsmaTest, BusyChannelDefersTransmissionInsteadOfColliding) {
  // Every draw is 7: backoff 7 periods (2240 us) at every BE.
  Net net(Constant(7));
  NodeId a = net.Add(), b = net.Add(), c = net.Add();
  net.Connect(a, b);
  net.Connect(b, c);
  net.Connect(a, c);
  int heard = 0;
  net.radio.node(b).SetReceiver([&](const RxFrame&) { ++heard; });
  net.radio.node(a).Send(Broadcast(100));  // on air 2560 .. 5952
  TimeUs c_done = -1;
  net.sched.At(400, [&] {
    net.radio.node(c).Send(Broadcast(100), [&](const TxResult& r) { c_done = r.done_at; });
  });
  net.sched.Run();
  EXPECT_EQ(heard, 2);
  EXPECT_EQ(net.radio.node(b).stats().rx_collisions, 0u);
  EXPECT_EQ(net.radio.node(c).stats().cca_busy, 2u);  // CCAs at 2640 and 5008
  EXPECT_EQ(c_done, 7376 + 128 + 192 + 106 * 32);
}

TEST(RadioCsmaTest, ChannelAccessFailureAfterMaxCsmaBackoffs) {
  Net net(Zero());
  NodeId a = net.Add(), c = net.Add();
  net.Connect(a, c);
  net.radio.node(a).Send(Broadcast(127));  // on air 320 .. 4576
  std::optional<TxResult> done;
  net.sched.At(
      400, [&] { net.radio.node(c).Send(Broadcast(20), [&](const TxResult& r) { done = r; }); });
  net.sched.Run();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->status, TxStatus::kChannelAccessFailure);
  EXPECT_EQ(done->transmissions, 0);
  EXPECT_EQ(done->done_at, 400 + 5 * 128);  // NB = 0..4 busy, then give up
  EXPECT_EQ(net.radio.node(c).stats().cca_busy, 5u);
  EXPECT_EQ(net.radio.node(c).stats().tx_channel_access_failures, 1u);
  EXPECT_EQ(net.radio.node(c).stats().tx_frames, 0u);
}

// A small busy network driven by seeded generators; returns a trace of deliveries and
// outcomes and the total statistics.
struct RunOutcome {
  std::vector<std::tuple<TimeUs, NodeId, NodeId, uint8_t>> deliveries;
  std::vector<std::tuple<TimeUs, NodeId, int>> outcomes;
  RadioStats total;
};

RunOutcome RunBusyNetwork(uint64_t seed) {
  RunOutcome out;
  Scheduler sched;
  RadioConfig cfg;
  cfg.default_loss = 0.1;
  Radio radio(sched, SplitMix64{seed}, cfg);
  SplitMix64 traffic{seed ^ 0x5555};
  const int kNodes = 6;
  for (int i = 0; i < kNodes; ++i) {
    NodeConfig c;
    c.address = 0x100 + static_cast<uint64_t>(i);
    c.x = static_cast<double>(i) * 8.0;
    c.range_m = 30;  // nodes 0 and 5 are 40 m apart: some hidden pairs
    NodeId id = radio.AddNode(c);
    radio.node(id).SetReceiver([&out, id](const RxFrame& f) {
      out.deliveries.emplace_back(f.end, id, f.transmitter, f.seq);
    });
  }
  for (int k = 0; k < 300; ++k) {
    const NodeId from = static_cast<NodeId>(traffic() % kNodes);
    NodeId to = static_cast<NodeId>(traffic() % kNodes);
    if (to == from) to = (to + 1) % kNodes;
    const TimeUs at = static_cast<TimeUs>(traffic() % 2'000'000);
    const size_t len = 10 + traffic() % 110;
    const uint8_t seq = static_cast<uint8_t>(k);
    sched.At(at, [&radio, &out, from, to, len, seq] {
      radio.node(from).Send(TxRequest{std::vector<uint8_t>(len, seq), true, 0x100 + to, seq},
                            [&out, from](const TxResult& r) {
                              out.outcomes.emplace_back(r.done_at, from,
                                                        static_cast<int>(r.status));
                            });
    });
  }
  sched.Run();
  out.total = radio.TotalStats();
  return out;
}

TEST(RadioDeterminismTest, SameSeedGivesSameTraceAndStats) {
  RunOutcome x = RunBusyNetwork(42);
  RunOutcome y = RunBusyNetwork(42);
  EXPECT_EQ(x.total, y.total);
  EXPECT_EQ(x.deliveries, y.deliveries);
  EXPECT_EQ(x.outcomes, y.outcomes);
  EXPECT_EQ(x.outcomes.size(), 300u);
  // The scenario is busy enough to exercise the interesting paths.
  EXPECT_GT(x.total.rx_link_losses, 0u);
  EXPECT_GT(x.total.tx_retries, 0u);
  RunOutcome z = RunBusyNetwork(43);
  EXPECT_NE(x.deliveries, z.deliveries);
}

TEST(RadioLossTest, DeliveredFractionIsCloseToConfiguredLoss) {
  Net net(SplitMix64{7});
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b, 0.3);
  const int kFrames = 10'000;
  int sent = 0;
  std::function<void(const TxResult&)> next = [&](const TxResult&) {
    if (++sent < kFrames) net.radio.node(a).Send(Broadcast(20), next);
  };
  net.radio.node(a).Send(Broadcast(20), next);
  net.sched.Run();
  ASSERT_EQ(sent, kFrames);
  const RadioStats& sb = net.radio.node(b).stats();
  EXPECT_EQ(sb.rx_delivered + sb.rx_link_losses, static_cast<uint64_t>(kFrames));
  const double delivered = static_cast<double>(sb.rx_delivered) / kFrames;
  // Standard deviation sqrt(0.3 * 0.7 / 10000) = 0.0046; 0.02 is over 4 sigma.
  EXPECT_NEAR(delivered, 0.7, 0.02);
}

TEST(RadioCallbackTest, ReceiverMayReplaceOrClearItselfFromInsideTheCallback) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  std::vector<int> calls;
  net.radio.node(b).SetReceiver([&](const RxFrame&) {
    calls.push_back(1);
    net.radio.node(b).SetReceiver([&](const RxFrame&) {
      calls.push_back(2);
      net.radio.node(b).SetReceiver(nullptr);
    });
  });
  for (uint8_t s = 0; s < 4; ++s) net.radio.node(a).Send(Broadcast(10, s));
  net.sched.Run();
  EXPECT_EQ(calls, (std::vector<int>{1, 2}));
  EXPECT_EQ(net.radio.node(b).stats().rx_delivered, 4u);
}

TEST(RadioLifetimeTest, DestroyingRadioMidFrameCancelsItsEvents) {
  Scheduler sched;
  {
    Radio radio(sched, Zero());
    NodeConfig c;
    c.range_m = 10;
    NodeId a = radio.AddNode(c);
    radio.AddNode(c);
    radio.node(a).Send(TxRequest{Bytes(100), true, 0, 1});
    sched.RunUntil(1000);  // frame on air
    EXPECT_GT(sched.pending(), 0u);
  }
  EXPECT_EQ(sched.pending(), 0u);
  sched.Run();
}

TEST(RadioConfigTest, BadArgumentsAreErrorsNotCrashes) {
  Scheduler sched;
  EXPECT_THROW(Radio(sched, RandomFn{}), std::invalid_argument);
  RadioConfig bad;
  bad.default_loss = 1.5;
  EXPECT_THROW(Radio(sched, Zero(), bad), std::invalid_argument);
  Radio radio(sched, Zero());
  NodeId a = radio.AddNode({}), b = radio.AddNode({});
  EXPECT_EQ(radio.SetLink(a, a, {}), Error::kInvalidArgument);
  EXPECT_EQ(radio.SetLink(a, 99, {}), Error::kInvalidArgument);
  EXPECT_EQ(radio.SetLink(a, b, LinkConfig{true, 1.5}), Error::kInvalidArgument);
  EXPECT_EQ(radio.SetLink(a, b, LinkConfig{true, std::nan("")}), Error::kInvalidArgument);
  EXPECT_EQ(radio.SetRange(a, -1), Error::kInvalidArgument);
  EXPECT_EQ(radio.SetPosition(7, 0, 0), Error::kInvalidArgument);
  EXPECT_THROW(radio.node(99), std::out_of_range);
  EXPECT_FALSE(radio.Link(a, b).connected);  // no range, no explicit link
}

TEST(RadioStatsTest, TotalIsSumOfNodes) {
  Net net(Zero());
  NodeId a = net.Add(), b = net.Add();
  net.Connect(a, b);
  net.radio.node(a).Send(Unicast(30, Net::Addr(b)));
  net.sched.At(10'000, [&] { net.radio.node(b).Send(Broadcast(20)); });
  net.sched.Run();
  RadioStats sum = net.radio.node(a).stats();
  sum += net.radio.node(b).stats();
  EXPECT_EQ(net.radio.TotalStats(), sum);
  // A's data (30+6) + B's broadcast (20+6) + B's ACK (5+6).
  EXPECT_EQ(sum.bytes_on_air_phy, 36u + 26u + 11u);
}

}  // namespace
}  // namespace vigil::sim
