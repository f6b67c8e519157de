#include "device/patient_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "device/signal_noise.h"

namespace vigil {
namespace {

constexpr TimeUs kMinutes = 60 * kSeconds;
constexpr TimeUs kDay = 24 * 60 * kMinutes;

// One independent noise stream per vital and time scale.
enum Stream : uint64_t {
  kHrSlow = 1,
  kHrFast,
  kRrSlow,
  kRrFast,
  kSpo2Slow,
  kSpo2Fast,
  kTempSlow,
  kSbpSlow,
  kSbpFast,
  kDbpSlow,
  kDbpFast,
  kGluSlow,
  kGluFast,
  kBaseline = 100,
};

// How each episode kind moves each vital at full severity (weight 1).
struct Effect {
  double hr, rr, spo2, temp, sbp, dbp, glucose;
};
constexpr Effect kEffects[] = {
    // sepsis: tachycardia, tachypnoea, fever, hypotension, mild desaturation, hyperglycaemia
    {+40, +12, -3, +2.0, -35, -20, +3.0},
    // hypoxia: desaturation with compensatory tachypnoea and tachycardia
    {+25, +10, -22, 0, 0, 0, 0},
    // hypotension: falling pressures, baroreflex tachycardia
    {+30, 0, 0, 0, -45, -25, 0},
};

}  // namespace

Physiology PatientModel::DrawBaseline(uint64_t seed) {
  auto u = [seed](uint64_t i, double lo, double hi) {
    return lo + (hi - lo) * noise::Uniform01(noise::Hash(seed, kBaseline, i));
  };
  Physiology b;
  b.heart_rate = u(0, 62, 88);
  b.resp_rate = u(1, 12, 18);
  b.spo2 = u(2, 95.5, 98.5);
  b.temperature = u(3, 36.4, 37.1);
  b.systolic = u(4, 108, 138);
  b.diastolic = b.systolic * u(5, 0.58, 0.68);
  b.glucose = u(6, 4.6, 6.8);
  return b;
}

PatientModel::PatientModel(uint64_t seed) : PatientModel(seed, DrawBaseline(seed)) {}

PatientModel::PatientModel(uint64_t seed, const Physiology& baseline)
    : seed_(seed),
      baseline_(baseline),
      circadian_phase_(2 * std::numbers::pi * noise::Uniform01(noise::Hash(seed, kBaseline, 7))) {}

Physiology PatientModel::At(TimeUs t) const {
  auto smooth = [this, t](uint64_t stream, TimeUs period) {
    return noise::Smooth(seed_, stream, t, period);
  };
  // A day's rhythm: temperature and heart rate peak together (late afternoon in life).
  const double day =
      std::sin(2 * std::numbers::pi * static_cast<double>(t % kDay) / static_cast<double>(kDay) +
               circadian_phase_);
  Physiology p = baseline_;
  p.heart_rate += 5 * smooth(kHrSlow, 20 * kMinutes) + 2 * smooth(kHrFast, 2 * kMinutes) + 3 * day;
  p.resp_rate += 1.5 * smooth(kRrSlow, 20 * kMinutes) + 0.8 * smooth(kRrFast, 2 * kMinutes);
  p.spo2 += 0.6 * smooth(kSpo2Slow, 20 * kMinutes) + 0.3 * smooth(kSpo2Fast, 2 * kMinutes);
  p.temperature += 0.1 * smooth(kTempSlow, 60 * kMinutes) + 0.25 * day;
  p.systolic += 6 * smooth(kSbpSlow, 20 * kMinutes) + 3 * smooth(kSbpFast, 2 * kMinutes);
  p.diastolic += 4 * smooth(kDbpSlow, 20 * kMinutes) + 2 * smooth(kDbpFast, 2 * kMinutes);
  p.glucose += 0.8 * smooth(kGluSlow, 90 * kMinutes) + 0.2 * smooth(kGluFast, 10 * kMinutes);
  for (const Episode& e : episodes_.episodes()) {
    const double w = EpisodeWeight(e, t);
    if (w == 0) continue;
    const Effect& d = kEffects[static_cast<size_t>(e.kind)];
    p.heart_rate += w * d.hr;
    p.resp_rate += w * d.rr;
    p.spo2 += w * d.spo2;
    p.temperature += w * d.temp;
    p.systolic += w * d.sbp;
    p.diastolic += w * d.dbp;
    p.glucose += w * d.glucose;
  }
  // What a living body can show (and keeps diastolic below systolic).
  p.heart_rate = std::clamp(p.heart_rate, 25.0, 220.0);
  p.resp_rate = std::clamp(p.resp_rate, 4.0, 60.0);
  p.spo2 = std::clamp(p.spo2, 40.0, 100.0);
  p.temperature = std::clamp(p.temperature, 30.0, 43.0);
  p.systolic = std::clamp(p.systolic, 40.0, 250.0);
  p.diastolic = std::clamp(p.diastolic, 20.0, std::min(150.0, p.systolic - 10));
  p.glucose = std::clamp(p.glucose, 1.5, 35.0);
  return p;
}

}  // namespace vigil
