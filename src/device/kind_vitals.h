// Which vital signs each kind of device measures: what its sensor model sends
// (device/sensor_model.h) and what the gateway accepts from it (Classify's `measured`:
// a vital outside the set is implausible for that device).
#pragma once

#include "common/telemetry/classify.h"
#include "connection/device_identity.h"

namespace vigil {

// ecg_patch: heart_rate, resp_rate; pulse_oximeter: spo2, pulse_rate; thermometer:
// temperature; bp_cuff: systolic, diastolic, pulse_rate; infusion_pump: infusion_rate,
// infusion_volume; smartwatch: pulse_rate; glucose_monitor: glucose; tablet: nothing;
// other: anything (the kind says nothing about what it measures).
constexpr VitalSet MeasuredVitals(DeviceKind k) {
  switch (k) {
    case DeviceKind::kEcgPatch:
      return VitalBit(Vital::kHeartRate) | VitalBit(Vital::kRespRate);
    case DeviceKind::kPulseOximeter:
      return VitalBit(Vital::kSpO2) | VitalBit(Vital::kPulseRate);
    case DeviceKind::kThermometer:
      return VitalBit(Vital::kTemperature);
    case DeviceKind::kBpCuff:
      return VitalBit(Vital::kSystolic) | VitalBit(Vital::kDiastolic) | VitalBit(Vital::kPulseRate);
    case DeviceKind::kInfusionPump:
      return VitalBit(Vital::kInfusionRate) | VitalBit(Vital::kInfusionVolume);
    case DeviceKind::kSmartwatch:
      return VitalBit(Vital::kPulseRate);
    case DeviceKind::kGlucoseMonitor:
      return VitalBit(Vital::kGlucose);
    case DeviceKind::kTablet:
      return 0;
    case DeviceKind::kOther:
      return kAnyVital;
  }
  return kAnyVital;
}

}  // namespace vigil
