// Throughput of the discrete-event engine and of the 802.15.4 radio model.
//   BM_Scheduler*: events per second (items_per_second).
//   BM_Radio*: simulated frames per second, events per frame, and how many seconds of
//   virtual time one second of host time simulates.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/radio.h"
#include "sim/scheduler.h"

namespace {

using vigil::TimeUs;
using vigil::sim::NodeId;
using vigil::sim::Radio;
using vigil::sim::Scheduler;
using vigil::sim::TxRequest;
using vigil::sim::TxResult;

struct SplitMix64 {
  uint64_t state;
  uint64_t operator()() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
};

// Fill the queue with N events at random times, then drain it.
void BM_SchedulerFillDrain(benchmark::State& state) {
  const int64_t n = state.range(0);
  SplitMix64 rng{1};
  uint64_t sink = 0;
  for (auto _ : state) {
    Scheduler s;
    for (int64_t i = 0; i < n; ++i) {
      s.At(static_cast<TimeUs>(rng() % 1'000'000), [&sink] { ++sink; });
    }
    s.Run();
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SchedulerFillDrain)->Arg(1 << 10)->Arg(1 << 16);

// Steady state: `timers` periodic timers, each rescheduling itself (heap size constant),
// as protocol retransmission timers and traffic generators do in a simulation.
void BM_SchedulerSteadyState(benchmark::State& state) {
  const int64_t timers = state.range(0);
  Scheduler s;
  SplitMix64 rng{2};
  struct Timer {
    Scheduler* s;
    SplitMix64* rng;
    void Fire() {
      s->After(static_cast<TimeUs>(1 + (*rng)() % 10'000), [this] { Fire(); });
    }
  };
  std::vector<Timer> ts(static_cast<size_t>(timers), Timer{&s, &rng});
  for (auto& t : ts) t.Fire();
  constexpr int kBatch = 10'000;
  for (auto _ : state) {
    for (int i = 0; i < kBatch; ++i) s.RunNext();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_SchedulerSteadyState)->Arg(16)->Arg(1024)->Arg(1 << 16);

// Schedule two events and cancel one: the cost of a timer that is usually cancelled
// (an ACK wait, a protocol retransmission timer).
void BM_SchedulerScheduleCancel(benchmark::State& state) {
  Scheduler s;
  TimeUs t = 0;
  for (auto _ : state) {
    vigil::sim::EventId keep = s.At(t + 10, [] {});
    vigil::sim::EventId drop = s.At(t + 20, [] {});
    s.Cancel(drop);
    s.RunNext();
    t = s.Now();
    benchmark::DoNotOptimize(keep);
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_SchedulerScheduleCancel);

// Two nodes, back-to-back acknowledged 60-byte frames.
void BM_RadioUnicastExchange(benchmark::State& state) {
  Scheduler sched;
  Radio radio(sched, SplitMix64{3});
  vigil::sim::NodeConfig c;
  c.range_m = 10;
  c.address = 1;
  NodeId a = radio.AddNode(c);
  c.address = 2;
  radio.AddNode(c);
  const std::vector<uint8_t> payload(60, 0x5A);
  uint64_t frames = 0;
  const uint64_t events_before = sched.executed();
  const TimeUs virtual_before = sched.Now();
  for (auto _ : state) {
    radio.node(a).Send(TxRequest{payload, true, 2, static_cast<uint8_t>(frames)});
    sched.Run();
    ++frames;
  }
  state.SetItemsProcessed(static_cast<int64_t>(frames));
  state.counters["events_per_frame"] =
      static_cast<double>(sched.executed() - events_before) / static_cast<double>(frames);
  state.counters["virtual_s_per_s"] = benchmark::Counter(
      static_cast<double>(sched.Now() - virtual_before) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RadioUnicastExchange);

// A ward: `nodes` devices in one room (all in range), each sending an acknowledged
// 80-byte frame to the coordinator (node 0) every 2 s on average.
void BM_RadioBusyWard(benchmark::State& state) {
  const int64_t nodes = state.range(0);
  Scheduler sched;
  Radio radio(sched, SplitMix64{4});
  SplitMix64 traffic{5};
  for (int64_t i = 0; i < nodes; ++i) {
    vigil::sim::NodeConfig c;
    c.address = static_cast<uint64_t>(i);
    c.x = static_cast<double>(i % 10);
    c.y = static_cast<double>(i / 10);
    c.range_m = 100;
    radio.AddNode(c);
  }
  const std::vector<uint8_t> payload(80, 0x33);
  struct Source {
    Radio* radio;
    SplitMix64* rng;
    const std::vector<uint8_t>* payload;
    NodeId id;
    uint8_t seq = 0;
    void Tick() {
      radio->node(id).Send(TxRequest{*payload, true, 0, seq++});
      radio->scheduler().After(static_cast<TimeUs>((*rng)() % 4'000'000), [this] { Tick(); });
    }
  };
  std::vector<Source> sources;
  sources.reserve(static_cast<size_t>(nodes));
  for (int64_t i = 1; i < nodes; ++i) {
    sources.push_back(Source{&radio, &traffic, &payload, static_cast<NodeId>(i)});
  }
  for (auto& s : sources) s.Tick();
  const auto before = radio.TotalStats();
  const uint64_t events_before = sched.executed();
  TimeUs horizon = 0;
  for (auto _ : state) {
    horizon += 1'000'000;  // one virtual second per iteration
    sched.RunUntil(horizon);
  }
  const auto after = radio.TotalStats();
  state.SetItemsProcessed(static_cast<int64_t>(after.tx_frames - before.tx_frames));
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(sched.executed() - events_before), benchmark::Counter::kIsRate);
  state.counters["virtual_s_per_s"] =
      benchmark::Counter(static_cast<double>(horizon) / 1e6, benchmark::Counter::kIsRate);
  // Receptions lost to collisions (summed over all receivers) per frame sent.
  state.counters["collisions_per_frame"] =
      static_cast<double>(after.rx_collisions - before.rx_collisions) /
      static_cast<double>(std::max<uint64_t>(1, after.tx_frames - before.tx_frames));
}
BENCHMARK(BM_RadioBusyWard)->Arg(10)->Arg(100);

}  // namespace
