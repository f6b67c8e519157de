// The edge pipeline per verified payload (EdgeNode::OnData): decode the SenML/CBOR pack,
// classify each value, evaluate it (thresholds, NEWS2, technical alarms), build the
// pseudonymised uplink records. A ward of 30 patients, each with an oximeter and an ECG
// patch reporting every second; one patient in ten desaturating, so alarms are active.
// Counters: readings per second through the edge. The protocol's verify/decrypt
// (BM_Frame_CoordinatorReceive64) and the queue commit (BM_Outbox_Commit) are measured
// beside it in the same run; the gateway's telemetry path is their sum.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "common/telemetry/senml_encoder.h"
#include "edge/edge_node.h"

namespace vigil {
namespace {

struct Frame {
  uint64_t uid;
  DeviceKind kind;
  std::vector<uint8_t> pack;
  size_t readings;
};

std::vector<uint8_t> Encode(std::initializer_list<TelemetryRecord> records) {
  std::array<uint8_t, 128> buf{};
  std::vector<TelemetryRecord> rs(records);
  Result<size_t> n = EncodeTelemetry(rs, MutableByteSpan(buf.data(), buf.size()));
  return std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n.ok() ? *n : 0));
}

void BM_Edge_OnData(benchmark::State& state) {
  const size_t patients = static_cast<size_t>(state.range(0));
  edge::EdgeNode::Options o;
  o.ward = "icu";
  o.unix_offset_us = 1'700'000'000'000'000;
  std::vector<Frame> round;
  for (size_t i = 0; i < patients; ++i) {
    clinical::PatientConfig p;
    p.id = "MRN-" + std::to_string(10000 + i);
    p.bed = "bed-" + std::to_string(i);
    p.ward = "icu";
    const uint64_t base = 0x00124b0000000000ULL + (i << 4);
    p.devices = {{base + 1, DeviceKind::kPulseOximeter, {Vital::kSpO2, Vital::kPulseRate}},
                 {base + 2, DeviceKind::kEcgPatch, {Vital::kHeartRate, Vital::kRespRate}}};
    p.vitals = clinical::SiteVitalsFor(o.clinical, p.spo2_scale);
    o.clinical.patients.push_back(std::move(p));
    const bool ill = i % 10 == 0;
    round.push_back({base + 1, DeviceKind::kPulseOximeter,
                     Encode({{Vital::kSpO2, ill ? 88.0 : 97.0, {}, 0},
                             {Vital::kPulseRate, 84, {}, 0}}),
                     2});
    round.push_back({base + 2, DeviceKind::kEcgPatch,
                     Encode({{Vital::kHeartRate, 84, {}, 0},
                             {Vital::kRespRate, ill ? 24.0 : 15.0, {}, 0}}),
                     2});
  }
  std::array<uint8_t, privacy::kSiteKeySize> key{};
  key.fill(7);
  privacy::Pseudonymiser pseudonymiser(key);
  Error e;
  std::string why;
  TimeUs now = kSeconds;
  auto node = edge::EdgeNode::Create(o, pseudonymiser, now, &e, &why);
  if (node == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  size_t k = 0;
  uint64_t readings = 0;
  for (auto _ : state) {
    const Frame& f = round[k];
    node->OnData(f.uid, f.kind, ByteSpan(f.pack.data(), f.pack.size()), now);
    readings += f.readings;
    if (++k == round.size()) {  // one round per second of ward time
      k = 0;
      now += kSeconds;
      benchmark::DoNotOptimize(node->TakeTelemetry());
      while (node->PollAlarm()) {
      }
    }
  }
  state.counters["readings/s"] =
      benchmark::Counter(static_cast<double>(readings), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Edge_OnData)->Arg(30)->Arg(300);

}  // namespace
}  // namespace vigil
