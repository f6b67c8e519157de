// What names an enrolled device besides its keys: which uids may be assigned, and the
// kind of device (shown to operators, used by the testbed and by clinical thresholds).
// Shared by the device side (provisioning bundle) and the coordinator (registry).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil {

// 0 means "no device" and all-ones is the broadcast pattern; neither may be enrolled.
constexpr bool IsAssignableUid(uint64_t uid) { return uid != 0 && uid != ~uint64_t{0}; }

enum class DeviceKind : uint8_t {
  kEcgPatch,
  kPulseOximeter,
  kThermometer,
  kBpCuff,
  kInfusionPump,
  kSmartwatch,
  kTablet,
  kOther,
  kGlucoseMonitor,  // appended: the testbed indexes the first seven kinds by position
};

inline constexpr std::array<DeviceKind, 9> kAllDeviceKinds = {
    DeviceKind::kEcgPatch, DeviceKind::kPulseOximeter, DeviceKind::kThermometer,
    DeviceKind::kBpCuff,   DeviceKind::kInfusionPump,  DeviceKind::kSmartwatch,
    DeviceKind::kTablet,   DeviceKind::kOther,         DeviceKind::kGlucoseMonitor};

// Stable snake_case names ("ecg_patch", "pulse_oximeter", ...): they are stored in
// bundles and registries, so they never change once released.
std::string_view DeviceKindName(DeviceKind k);
// Exact match on the stable name; nullopt otherwise.
std::optional<DeviceKind> DeviceKindFromName(std::string_view name);

}  // namespace vigil
