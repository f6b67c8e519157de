#include "device/sensor_model.h"

#include <algorithm>
#include <cmath>

#include "common/telemetry/vital_units.h"
#include "device/signal_noise.h"

namespace vigil {
namespace {

using senml::Artefact;

constexpr TimeUs kSlot = 10 * 60 * kSeconds;  // spontaneous artefacts: at most one per slot

// Noise streams (one per measured quantity) and the artefact streams.
enum Stream : uint64_t {
  kNoiseA = 1,
  kNoiseB,
  kNoiseC,
  kArtefactSlot = 50,
  kArtefactStart,
  kArtefactLength,
  kArtefactKind,
  kPumpRate = 60,
  kPumpReservoir,
  kAmbient,
};

// Which artefacts a kind suffers, and how often: the probability that a 10-minute slot
// holds one. Roughly: oximeter clips slip and patients move; cuffs fail a determination
// now and then; pumps rarely occlude.
struct ArtefactMenu {
  double per_slot;
  Artefact kinds[2];
  size_t count;
};

ArtefactMenu MenuOf(DeviceKind k) {
  switch (k) {
    case DeviceKind::kEcgPatch:
      return {0.08, {Artefact::kLeadOff, Artefact::kMotion}, 2};
    case DeviceKind::kPulseOximeter:
      return {0.12, {Artefact::kProbeOff, Artefact::kMotion}, 2};
    case DeviceKind::kThermometer:
      return {0.02, {Artefact::kProbeOff, Artefact::kNone}, 1};
    case DeviceKind::kBpCuff:
      return {0.05, {Artefact::kCuffError, Artefact::kNone}, 1};
    case DeviceKind::kInfusionPump:
      return {0.01, {Artefact::kOcclusion, Artefact::kNone}, 1};
    case DeviceKind::kSmartwatch:
      return {0.20, {Artefact::kMotion, Artefact::kNone}, 1};
    case DeviceKind::kGlucoseMonitor:
      return {0.02, {Artefact::kNoSignal, Artefact::kNone}, 1};
    case DeviceKind::kTablet:
    case DeviceKind::kOther:
      break;
  }
  return {0, {Artefact::kNone, Artefact::kNone}, 0};
}

constexpr double kPumpRates[] = {5, 10, 20, 42, 50, 83, 100, 125};  // mL/h, common programmes
constexpr double kReservoirs[] = {100, 250, 500, 1000};             // mL

}  // namespace

SensorModel::SensorModel(DeviceKind kind, const PatientModel* patient, uint64_t seed)
    : kind_(kind), patient_(patient), seed_(seed) {
  if (kind == DeviceKind::kInfusionPump) {
    rate_ml_h_ = kPumpRates[noise::Hash(seed, kPumpRate, 0) % std::size(kPumpRates)];
    reservoir_ml_ = kReservoirs[noise::Hash(seed, kPumpReservoir, 0) % std::size(kReservoirs)];
  }
}

Error SensorModel::ScheduleArtefact(const ArtefactWindow& w) {
  if (w.kind == Artefact::kNone || static_cast<uint8_t>(w.kind) > senml::kMaxArtefactCode ||
      w.until <= w.from)
    return Error::kInvalidArgument;
  if (window_count_ == kMaxWindows) return Error::kNoBufs;
  windows_[window_count_++] = w;
  return Error::kOk;
}

Artefact SensorModel::ArtefactAt(TimeUs now) const {
  for (size_t i = 0; i < window_count_; ++i)
    if (now >= windows_[i].from && now < windows_[i].until) return windows_[i].kind;
  const ArtefactMenu menu = MenuOf(kind_);
  if (!spontaneous_ || menu.count == 0) return Artefact::kNone;
  TimeUs slot = now / kSlot;
  if (now % kSlot < 0) --slot;
  const auto k = static_cast<uint64_t>(slot);
  if (noise::Uniform01(noise::Hash(seed_, kArtefactSlot, k)) >= menu.per_slot)
    return Artefact::kNone;
  // 10..90 s, starting where the whole window still fits in the slot.
  const TimeUs length =
      10 * kSeconds + static_cast<TimeUs>(noise::Uniform01(noise::Hash(seed_, kArtefactLength, k)) *
                                          static_cast<double>(80 * kSeconds));
  const TimeUs start =
      slot * kSlot + static_cast<TimeUs>(noise::Uniform01(noise::Hash(seed_, kArtefactStart, k)) *
                                         static_cast<double>(kSlot - length));
  if (now < start || now >= start + length) return Artefact::kNone;
  return menu.kinds[noise::Hash(seed_, kArtefactKind, k) % menu.count];
}

double SensorModel::Gauss(uint64_t stream) const {
  return noise::Gaussian(noise::Hash(seed_, 2 * stream, samples_),
                         noise::Hash(seed_, 2 * stream + 1, samples_));
}

void SensorModel::Add(SensorSample* s, Vital v, double value, Artefact a) const {
  TelemetryRecord& r = s->records[s->count++];
  r.vital = v;
  r.value = senml::RoundClinical(v, value);
  r.artefact = a;
}

SensorSample SensorModel::Sample(TimeUs now) {
  SensorSample s;
  const Artefact a = ArtefactAt(now);
  const bool art = a != Artefact::kNone;
  const Physiology p = patient_ != nullptr ? patient_->At(now) : Physiology{};
  auto nonneg = [](double v) { return std::max(0.0, v); };
  switch (kind_) {
    case DeviceKind::kEcgPatch:
      if (a == Artefact::kLeadOff) {
        Add(&s, Vital::kHeartRate, 0, a);
        Add(&s, Vital::kRespRate, 0, a);
      } else {
        // Motion: the QRS detector counts muscle noise as beats.
        const double extra = a == Artefact::kMotion ? 30 * std::fabs(Gauss(kNoiseC)) : 0;
        Add(&s, Vital::kHeartRate, nonneg(p.heart_rate + extra + Gauss(kNoiseA)), a);
        Add(&s, Vital::kRespRate, nonneg(p.resp_rate + 0.8 * Gauss(kNoiseB)), a);
      }
      break;
    case DeviceKind::kPulseOximeter:
      if (a == Artefact::kProbeOff) {
        Add(&s, Vital::kSpO2, 0, a);
        Add(&s, Vital::kPulseRate, 0, a);
      } else {
        const double drop = art ? 8 * std::fabs(Gauss(kNoiseC)) : 0;
        Add(&s, Vital::kSpO2, std::clamp(p.spo2 - drop + 0.8 * Gauss(kNoiseA), 0.0, 100.0), a);
        Add(&s, Vital::kPulseRate, nonneg(p.heart_rate + (art ? 15 : 1.5) * Gauss(kNoiseB)), a);
      }
      break;
    case DeviceKind::kThermometer: {
      // A probe off the patient reads the room, 21-27 degC.
      const double room = 21 + 6 * noise::Uniform01(noise::Hash(seed_, kAmbient, 0));
      Add(&s, Vital::kTemperature,
          (a == Artefact::kProbeOff ? room : p.temperature) + 0.05 * Gauss(kNoiseA), a);
      break;
    }
    case DeviceKind::kBpCuff:
      if (art) {
        Add(&s, Vital::kSystolic, 0, a);
        Add(&s, Vital::kDiastolic, 0, a);
        Add(&s, Vital::kPulseRate, 0, a);
      } else {
        const double sys = p.systolic + 4 * Gauss(kNoiseA);
        const double dia = std::min(p.diastolic + 3 * Gauss(kNoiseB), sys - 10);
        Add(&s, Vital::kSystolic, nonneg(sys), a);
        Add(&s, Vital::kDiastolic, nonneg(dia), a);
        Add(&s, Vital::kPulseRate, nonneg(p.heart_rate + 2 * Gauss(kNoiseC)), a);
      }
      break;
    case DeviceKind::kInfusionPump: {
      if (!running_) {
        running_ = true;
        started_ = now;
      }
      const double hours =
          static_cast<double>(now - started_) / static_cast<double>(3600 * kSeconds);
      const double left = std::max(0.0, reservoir_ml_ - rate_ml_h_ * hours);
      // An empty reservoir ends the infusion: the pump stops.
      Add(&s, Vital::kInfusionRate, left > 0 ? rate_ml_h_ : 0, a);
      Add(&s, Vital::kInfusionVolume, left, a);
      break;
    }
    case DeviceKind::kSmartwatch:
      Add(&s, Vital::kPulseRate, nonneg(p.heart_rate + (art ? 20 : 3) * Gauss(kNoiseA)), a);
      break;
    case DeviceKind::kGlucoseMonitor:
      Add(&s, Vital::kGlucose, art ? 0 : nonneg(p.glucose * (1 + 0.08 * Gauss(kNoiseA))), a);
      break;
    case DeviceKind::kTablet:
    case DeviceKind::kOther:
      break;
  }
  ++samples_;
  return s;
}

Result<size_t> SensorModel::NextPack(TimeUs now, MutableByteSpan out) {
  const SensorSample s = Sample(now);
  if (s.count == 0) return size_t{0};
  return EncodeTelemetry(s.view(), out);
}

}  // namespace vigil
