// Clinical evaluation at the edge: one reading through the engine (thresholds, NEWS2 for
// its parameters, technical alarms, deadlines), on a ward of monitored patients with every
// sensor reporting once a second; NEWS2 scoring alone; a pseudonym per record.
#include <benchmark/benchmark.h>

#include <vector>

#include "edge/clinical/clinical_engine.h"
#include "edge/privacy/pseudonym.h"

namespace vigil {
namespace {

using clinical::ClinicalConfig;
using clinical::ClinicalEngine;
using clinical::PatientConfig;
using clinical::PatientDevice;

struct Feed {
  uint64_t uid;
  Vital vital;
  double value;
};

ClinicalConfig WardOf(size_t patients, std::vector<Feed>* round) {
  ClinicalConfig c;
  for (size_t i = 0; i < patients; ++i) {
    PatientConfig p;
    p.id = "MRN-" + std::to_string(10000 + i);
    p.bed = "bed-" + std::to_string(i);
    p.ward = "icu";
    const uint64_t base = 0x00124b0000000000ULL + (i << 4);
    p.devices = {{base + 1, DeviceKind::kPulseOximeter, {Vital::kSpO2, Vital::kPulseRate}},
                 {base + 2, DeviceKind::kEcgPatch, {Vital::kHeartRate, Vital::kRespRate}},
                 {base + 3, DeviceKind::kBpCuff, {Vital::kSystolic, Vital::kDiastolic}},
                 {base + 4, DeviceKind::kThermometer, {Vital::kTemperature}}};
    p.vitals = clinical::SiteVitalsFor(c, p.spo2_scale);
    c.patients.push_back(std::move(p));
    // One patient in ten desaturating and tachypnoeic: alarms are active, as on a ward.
    const bool ill = i % 10 == 0;
    round->push_back({base + 1, Vital::kSpO2, ill ? 89.0 : 97.0});
    round->push_back({base + 1, Vital::kPulseRate, 84});
    round->push_back({base + 2, Vital::kHeartRate, 84});
    round->push_back({base + 2, Vital::kRespRate, ill ? 23.0 : 15.0});
    round->push_back({base + 3, Vital::kSystolic, 118});
    round->push_back({base + 4, Vital::kTemperature, 37.1});
  }
  return c;
}

void BM_ClinicalEngineOnReading(benchmark::State& state) {
  std::vector<Feed> round;
  ClinicalEngine engine(WardOf(static_cast<size_t>(state.range(0)), &round), 0);
  const TimeUs step = kSeconds / static_cast<TimeUs>(round.size());  // a round per second
  TimeUs now = 0;
  size_t i = 0;
  uint64_t events = 0;
  for (auto _ : state) {
    const Feed& f = round[i];
    now += step;
    // A little jitter on the value so that updates and hysteresis are exercised.
    const double v = f.value + static_cast<double>(i % 3);
    benchmark::DoNotOptimize(
        engine.OnReading(f.uid, Reading{f.vital, v, now}, clinical::ReadingQuality::kValid, now));
    while (engine.PollEvent()) ++events;
    if (++i == round.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["events"] = static_cast<double>(events);
}
BENCHMARK(BM_ClinicalEngineOnReading)->Arg(30)->Arg(300);

void BM_News2Score(benchmark::State& state) {
  clinical::News2Inputs in;
  in.resp_rate = {22.0, 0, false};
  in.spo2 = {93.0, 0, false};
  in.systolic = {105.0, 0, false};
  in.pulse = {112.0, 0, false};
  in.temperature = {38.4, 0, false};
  for (auto _ : state) benchmark::DoNotOptimize(clinical::ScoreNews2(in, kSeconds));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_News2Score);

void BM_Pseudonym(benchmark::State& state) {
  std::array<uint8_t, privacy::kSiteKeySize> key{};
  key.fill(0x5a);
  privacy::Pseudonymiser p(key);
  std::string out;
  for (auto _ : state) benchmark::DoNotOptimize(p.Pseudonym("MRN-0042", &out));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Pseudonym);

}  // namespace
}  // namespace vigil
