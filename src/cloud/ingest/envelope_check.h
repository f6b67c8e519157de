// Strict validation of the uplink's envelope version 1 (docs/uplink.md,
// docs/uplink.schema.json) as the cloud receives it: every field's presence, type, range
// and pattern; no field the kind does not define; the id, topic and time consistent with
// the other fields. What passes is returned typed; what fails gets one reason (the first
// found) and the name of the field, never its value (dead letters and logs carry the
// reason, and a value may be a vital sign).
//
// Checks beyond the schema, each its own reason: `id` must be `<gateway>/<stream>/<seq>`
// of the message's own fields (kIdMismatch); the topic must be
// `vigil/v1/<site>/<gateway>/<kind>` of them (kTopicMismatch; skipped when the topic is
// empty, for a source without topics); `time` must be `time_ms` formatted
// (kTimeMismatch); a reading's `unit` must be its vital's UCUM unit (kUnitMismatch).
//
// Pure: no I/O, no clock. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/vitals.h"

namespace vigil::cloud {

enum class Reject : uint8_t {
  kNone = 0,
  kTooLarge,        // payload above 64 KiB (the gateway's own bound)
  kNotJson,         // not UTF-8 JSON
  kNotObject,       // JSON, but not an object
  kUnknownVersion,  // `v` missing, not an integer, or not 1
  kUnknownKind,     // `kind` missing or not telemetry/alarm/security/status/device
  kMissingField,    // a required field is absent
  kUnknownField,    // a field the kind does not define
  kWrongType,       // a field has the wrong JSON type
  kOutOfRange,      // a number outside its range, a string too long or too short
  kBadFormat,       // a string that does not match its pattern or enumeration
  kIdMismatch,      // id is not <gateway>/<stream>/<seq> (or the status form)
  kTopicMismatch,   // the topic is not vigil/v1/<site>/<gateway>/<kind>
  kTimeMismatch,    // time is not time_ms formatted
  kUnitMismatch,    // unit is not the vital's unit
  kDependency,      // alarm: value without vital and unit, or unit without value;
                    // device: command_result without command_id or the other way
};
inline constexpr size_t kRejectCount = 16;
std::string_view RejectName(Reject r);

enum class Kind : uint8_t { kTelemetry, kAlarm, kSecurity, kStatus, kDevice };
inline constexpr size_t kKindCount = 5;
std::string_view KindName(Kind k);

struct TelemetryBody {
  std::string pseudonym, ward, device_kind, quality;
  Vital vital = Vital::kHeartRate;
  double value = 0;
};

struct AlarmBody {
  std::string alarm_id, state, priority, condition, pseudonym, ward, device_kind;
  bool technical = false;
  std::optional<Vital> vital;
  std::optional<double> value;
  std::string unit, message;  // empty when absent
};

struct SecurityBody {
  int64_t signature_id = 0;
  int64_t severity = 0;
  std::string device_uid;  // empty when absent
  std::string eve;         // the EVE object, serialised
};

struct StatusBody {
  std::string state, version, started;
  int64_t queued = 0;
  std::array<int64_t, 3> dropped{};  // telemetry, security, alarm
};

// A device as its gateway sees it (the inventory), and the answer to a cloud command.
struct DeviceBody {
  std::string device_uid, device_kind, ward, state;  // state: associated|idle|revoked|tampered
  std::string firmware_version;                      // empty when absent
  int64_t last_seen_ms = 0;                          // 0 when absent
  std::string pseudonym;                             // empty when absent
  std::string command_id, command_result, detail;    // empty when absent
};

struct Envelope {
  Kind kind = Kind::kTelemetry;
  std::string id, site, gateway, stream;
  int64_t seq = 0;  // 0 for status
  int64_t time_ms = 0;
  std::variant<TelemetryBody, AlarmBody, SecurityBody, StatusBody, DeviceBody> body;
};

struct CheckResult {
  Reject reason = Reject::kNone;
  std::string field;  // the field concerned, or empty
  bool ok() const { return reason == Reject::kNone; }
};

inline constexpr size_t kMaxEnvelopeBytes = 64 * 1024;

// `out` is filled only when the result is ok.
CheckResult CheckEnvelope(std::string_view topic, std::string_view payload, Envelope* out);

}  // namespace vigil::cloud
