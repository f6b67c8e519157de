#include "device/sensor_model.h"

#include <algorithm>
#include <cstdio>

namespace vigil {

SensorModel::SensorModel(DeviceKind kind, uint64_t seed) : kind_(kind), state_(seed | 1) {
  switch (kind) {
    case DeviceKind::kEcgPatch:
      a_ = 72, b_ = 16;
      break;  // heart rate, resp. rate
    case DeviceKind::kPulseOximeter:
      a_ = 97, b_ = 75;
      break;  // SpO2 %, pulse
    case DeviceKind::kThermometer:
      a_ = 36.9;
      break;  // core temperature
    case DeviceKind::kBpCuff:
      a_ = 120, b_ = 80;
      break;  // systolic, diastolic
    case DeviceKind::kInfusionPump:
      a_ = 50, b_ = 500;
      break;  // ml/h, ml remaining
    case DeviceKind::kSmartwatch:
      a_ = 78, b_ = 0;
      break;  // pulse, steps
    case DeviceKind::kTablet:
      a_ = 0;
      break;  // chart updates
    case DeviceKind::kOther:
      a_ = 0;
      break;
  }
}

double SensorModel::Walk(double& v, double lo, double hi, double step) {
  // xorshift64*: cheap, seedable, good enough for a synthetic signal.
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const uint64_t r = state_ * 0x2545F4914F6CDD1DULL;
  const double u = static_cast<double>(r >> 11) / static_cast<double>(1ULL << 53);
  v = std::clamp(v + (u * 2 - 1) * step, lo, hi);
  return v;
}

std::string SensorModel::Next() {
  char buf[64];
  switch (kind_) {
    case DeviceKind::kEcgPatch:
      snprintf(buf, sizeof(buf), "hr=%.0f rr=%.0f", Walk(a_, 45, 140, 2), Walk(b_, 8, 30, 1));
      break;
    case DeviceKind::kPulseOximeter:
      snprintf(buf, sizeof(buf), "spo2=%.0f pr=%.0f", Walk(a_, 85, 100, 0.7), Walk(b_, 45, 140, 2));
      break;
    case DeviceKind::kThermometer:
      snprintf(buf, sizeof(buf), "temp=%.1f", Walk(a_, 35.0, 41.0, 0.05));
      break;
    case DeviceKind::kBpCuff:
      snprintf(buf, sizeof(buf), "sys=%.0f dia=%.0f", Walk(a_, 85, 190, 3), Walk(b_, 45, 120, 2));
      break;
    case DeviceKind::kInfusionPump:
      b_ = std::max(0.0, b_ - a_ / 3600.0);
      snprintf(buf, sizeof(buf), "rate=%.0f left=%.0f", Walk(a_, 0, 200, 1), b_);
      break;
    case DeviceKind::kSmartwatch:
      c_ += 1;
      snprintf(buf, sizeof(buf), "pulse=%.0f steps=%.0f", Walk(a_, 45, 160, 3),
               b_ += (static_cast<double>(state_ % 7)));
      break;
    case DeviceKind::kTablet:
    case DeviceKind::kOther:
      c_ += 1;
      snprintf(buf, sizeof(buf), "seq=%.0f", c_);
      break;
  }
  return buf;
}

}  // namespace vigil
