#include "connection/device_identity.h"

namespace vigil {

std::string_view DeviceKindName(DeviceKind k) {
  switch (k) {
    case DeviceKind::kEcgPatch:
      return "ecg_patch";
    case DeviceKind::kPulseOximeter:
      return "pulse_oximeter";
    case DeviceKind::kThermometer:
      return "thermometer";
    case DeviceKind::kBpCuff:
      return "bp_cuff";
    case DeviceKind::kInfusionPump:
      return "infusion_pump";
    case DeviceKind::kSmartwatch:
      return "smartwatch";
    case DeviceKind::kTablet:
      return "tablet";
    case DeviceKind::kOther:
      return "other";
    case DeviceKind::kGlucoseMonitor:
      return "glucose_monitor";
  }
  return "other";
}

std::optional<DeviceKind> DeviceKindFromName(std::string_view name) {
  for (DeviceKind k : kAllDeviceKinds)
    if (DeviceKindName(k) == name) return k;
  return std::nullopt;
}

}  // namespace vigil
