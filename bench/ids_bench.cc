// IDS figures: events per second through the engine with every default detector, on a
// ward-like mix (mostly authenticated data from many devices, a trickle of security
// events), and EVE JSON lines formatted per second.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "ids/alert.h"
#include "ids/default_detectors.h"
#include "ids/engine.h"
#include "ids/signatures.h"

namespace vigil {
namespace {

std::vector<Event> WardTraffic(size_t devices, size_t n) {
  std::mt19937_64 rng(1);
  std::vector<Event> out;
  out.reserve(n);
  TimeUs t = 0;
  for (size_t i = 0; i < n; ++i) {
    t += static_cast<TimeUs>(rng() % (2 * kMillis));
    Event e;
    e.time = t;
    e.uid = 0x00124b0000000000ULL + rng() % devices;
    e.observer = 0xC000000000000000ULL + e.uid % 4;  // four wards
    e.link = e.uid & 0xffff;
    e.counter = static_cast<uint32_t>(i);
    const uint64_t r = rng() % 1000;
    e.kind = r < 970   ? EventKind::kDataReceived
             : r < 980 ? EventKind::kAssociated
             : r < 985 ? EventKind::kAuthFailed
             : r < 990 ? EventKind::kMalformedFrame
             : r < 995 ? EventKind::kAssociationAttempt
                       : EventKind::kReplay;
    out.push_back(e);
  }
  return out;
}

void BM_IdsEngineDefaultDetectors(benchmark::State& state) {
  const auto events = WardTraffic(static_cast<size_t>(state.range(0)), 200000);
  ids::Engine engine;
  ids::RegisterDefaultDetectors(engine, ids::IdsConfig{});
  uint64_t alerts = 0;
  engine.SetSink([&](const ids::Alert&) { ++alerts; });
  TimeUs offset = 0;
  for (auto _ : state) {
    for (Event e : events) {
      e.time += offset;
      engine.Consume(e);
    }
    offset += events.back().time + kSeconds;
    engine.Tick(offset);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
  state.counters["alerts"] = static_cast<double>(alerts);
}
BENCHMARK(BM_IdsEngineDefaultDetectors)->Arg(50)->Arg(5000)->Unit(benchmark::kMillisecond);

void BM_IdsEveJsonLine(benchmark::State& state) {
  ids::Alert a = ids::MakeAlert(ids::sig::kConfirmationFailed);
  a.time = 123456789;
  a.uid = 0x00124b0000aa0001;
  a.observer = 0xC0A0000000000001;
  a.link = 7;
  a.detector = "identity_theft";
  a.detail = "confirmation for device 00124b0000aa0001 failed at coordinator c0a0000000000001";
  ids::EveContext ctx;
  ctx.epoch_offset_us = 1700000000LL * kSeconds;
  for (auto _ : state) benchmark::DoNotOptimize(ids::FormatEveJson(a, ctx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IdsEveJsonLine);

}  // namespace
}  // namespace vigil
