// Synthetic vital signs per device kind, so that emulated devices send what real ones
// would (and the testbed's behaviour profiles have something realistic to learn).
// A bounded random walk around a physiological baseline; not a clinical model.
#pragma once

#include <cstdint>
#include <string>

#include "connection/device_identity.h"

namespace vigil {

class SensorModel {
 public:
  SensorModel(DeviceKind kind, uint64_t seed);
  // Advances the signal by one reporting interval and returns the reading as a compact
  // text payload, e.g. "hr=74 rr=16" (at most 48 bytes: fits every protected frame).
  std::string Next();
  DeviceKind kind() const { return kind_; }

 private:
  double Walk(double& v, double lo, double hi, double step);
  DeviceKind kind_;
  uint64_t state_;
  double a_ = 0, b_ = 0, c_ = 0;
};

}  // namespace vigil
