// Telemetry figures: what the gateway spends per verified DATA frame to decode and
// classify its reading pack (the strict SenML/CBOR decoder and the validator together),
// and what a device spends to encode one. Reference, on the same packs: libcbor's generic
// decoder (cbor_load), which only builds the item tree on the heap and checks nothing of
// SenML.
#include <benchmark/benchmark.h>
#include <cbor.h>

#include <array>
#include <vector>

#include "common/telemetry/classify.h"
#include "common/telemetry/senml_decoder.h"
#include "common/telemetry/senml_encoder.h"
#include "device/kind_vitals.h"

namespace vigil {
namespace {

using senml::Artefact;

// Arg 0: an ECG patch (two records, integers); 1: a BP cuff (three records); 2: an
// infusion pump (two single floats); 3: an oximeter with probe-off (art_ fields).
std::vector<TelemetryRecord> Records(int64_t which) {
  switch (which) {
    case 0:
      return {{Vital::kHeartRate, 72}, {Vital::kRespRate, 16}};
    case 1:
      return {{Vital::kSystolic, 124}, {Vital::kDiastolic, 81}, {Vital::kPulseRate, 77}};
    case 2:
      return {{Vital::kInfusionRate, 83}, {Vital::kInfusionVolume, 412.5}};
    default:
      return {{Vital::kSpO2, 0, Artefact::kProbeOff}, {Vital::kPulseRate, 0, Artefact::kProbeOff}};
  }
}

DeviceKind KindOf(int64_t which) {
  switch (which) {
    case 0:
      return DeviceKind::kEcgPatch;
    case 1:
      return DeviceKind::kBpCuff;
    case 2:
      return DeviceKind::kInfusionPump;
    default:
      return DeviceKind::kPulseOximeter;
  }
}

std::vector<uint8_t> Pack(int64_t which) {
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  const auto records = Records(which);
  Result<size_t> n = EncodeTelemetry(records, buf);
  return {buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n.ok() ? *n : 0)};
}

void BM_TelemetryDecodeClassify(benchmark::State& state) {
  const auto pack = Pack(state.range(0));
  const VitalSet measured = MeasuredVitals(KindOf(state.range(0)));
  TimeUs now = 0;
  size_t clinical = 0;
  for (auto _ : state) {
    const TelemetryDecode d = DecodeTelemetry(pack, now += kMillis);
    const Classification c = Classify(d.pack, measured);
    clinical += c.clinical;
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(pack.size()));
  state.counters["pack_bytes"] = static_cast<double>(pack.size());
  benchmark::DoNotOptimize(clinical);
}
BENCHMARK(BM_TelemetryDecodeClassify)->DenseRange(0, 3);

void BM_TelemetryEncode(benchmark::State& state) {
  const auto records = Records(state.range(0));
  std::array<uint8_t, senml::kMaxPackBytes> buf{};
  for (auto _ : state) {
    Result<size_t> n = EncodeTelemetry(records, buf);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(buf);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TelemetryEncode)->DenseRange(0, 3);

// Reference: a generic CBOR decoder building (and freeing) the item tree of the same pack.
void BM_LibcborLoadReference(benchmark::State& state) {
  const auto pack = Pack(state.range(0));
  for (auto _ : state) {
    cbor_load_result r;
    cbor_item_t* item = cbor_load(pack.data(), pack.size(), &r);
    benchmark::DoNotOptimize(item);
    if (item != nullptr) cbor_decref(&item);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LibcborLoadReference)->DenseRange(0, 3);

}  // namespace
}  // namespace vigil
