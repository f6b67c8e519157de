// The classes of messages the gateway sends up (docs/uplink.md, "Topics"). A class names
// the topic a message goes to, the order the queue drains in, and who gives way when the
// queue is full: the numbers are the priority and are stored in queue files, so they
// never change once released.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::uplink {

enum class MessageClass : uint8_t {
  kTelemetry = 0,  // routine vital signs: the first to give way
  kSecurity = 1,   // IDS alerts (EVE JSON)
  kAlarm = 2,      // clinical alarms: drained first, evicted last
};

inline constexpr size_t kMessageClassCount = 3;
// Highest priority first: the order the queue drains in.
inline constexpr std::array<MessageClass, kMessageClassCount> kDrainOrder = {
    MessageClass::kAlarm, MessageClass::kSecurity, MessageClass::kTelemetry};

// "telemetry" | "security" | "alarm": the last level of the topic and the envelope's kind.
constexpr std::string_view MessageClassName(MessageClass c) {
  constexpr std::array<std::string_view, kMessageClassCount> names = {"telemetry", "security",
                                                                      "alarm"};
  return names[static_cast<size_t>(c)];
}

constexpr std::optional<MessageClass> MessageClassFromByte(int64_t v) {
  if (v < 0 || v >= static_cast<int64_t>(kMessageClassCount)) return std::nullopt;
  return static_cast<MessageClass>(v);
}

constexpr size_t Index(MessageClass c) { return static_cast<size_t>(c); }

}  // namespace vigil::uplink
