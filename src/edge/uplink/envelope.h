// The uplink's message contract, version 1 (docs/uplink.md, docs/uplink.schema.json):
// what a gateway publishes and the cloud ingests. One JSON object per MQTT message, on
// the topic vigil/v1/<site>/<gateway>/<kind>.
//
// Every queued message carries `id` = "<gateway>/<stream>/<seq>": `stream` is the random
// 64-bit id of the gateway's queue file and `seq` counts the messages committed to it
// (1, 2, 3 ... never reused, even after the queue is drained or the gateway restarts).
// A consumer removes redeliveries by `id`, and a gap in `seq` is a message the gateway
// dropped under its queue policy (counted in the status message's `dropped`).
//
// The records are what the edge hands over; the functions here check them against the
// contract and format them. Times are UTC milliseconds since the Unix epoch (the driver
// converts from its monotonic clock); values are in the unit VitalUcumUnit() names (UCUM),
// the clinical unit of common/vitals.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/vitals.h"
#include "connection/device_identity.h"
#include "edge/uplink/message_class.h"

namespace vigil::uplink {

inline constexpr int kEnvelopeVersion = 1;
inline constexpr std::string_view kTopicRoot = "vigil/v1";
// A message larger than this is refused (an EVE line is about 1 KB).
inline constexpr size_t kMaxPayloadBytes = 64 * 1024;

// Who sends: the same for every message of one gateway's queue.
struct Origin {
  std::string site;     // a topic level: letters, digits, '.', '_', '-' (IsTopicLevel)
  std::string gateway;  // ditto; the CN of the gateway's client certificate
  uint64_t stream = 0;  // OutboxQueue::stream()
};

// How far the edge trusts a value. kValid: it passed the edge's checks; kQuestionable:
// plausible but flagged (artefact suspected, signal poor); kInvalid: kept for the record
// only (out of range, sensor off): never to be charted as a measurement.
enum class Quality : uint8_t { kValid, kQuestionable, kInvalid };

struct TelemetryRecord {
  std::string pseudonym;  // the patient's (or, unassigned, the device's) pseudonym
  std::string ward;
  DeviceKind device_kind = DeviceKind::kOther;
  Vital vital = Vital::kHeartRate;
  double value = 0;  // finite, in VitalUcumUnit(vital)
  Quality quality = Quality::kValid;
  int64_t time_ms = 0;  // when the frame that carried it was verified
};

// An alarm condition's life (IEC 60601-1-8 terms): raised when it starts, updated when
// its priority or value changes while it lasts, cleared when it ends. All messages of one
// condition share `alarm_id`.
enum class AlarmState : uint8_t { kRaised, kUpdated, kCleared };
enum class AlarmPriority : uint8_t { kLow, kMedium, kHigh };

struct AlarmRecord {
  std::string alarm_id;
  AlarmState state = AlarmState::kRaised;
  AlarmPriority priority = AlarmPriority::kMedium;
  std::string condition;   // snake_case, e.g. "spo2_low", "probe_off"
  bool technical = false;  // a technical alarm (the equipment), not a physiological one
  std::string pseudonym;
  std::string ward;
  DeviceKind device_kind = DeviceKind::kOther;
  std::optional<Vital> vital;   // the quantity the condition is about, if one
  std::optional<double> value;  // requires `vital`; in VitalUcumUnit(*vital)
  std::string message;          // optional text for the clinician
  int64_t time_ms = 0;
};

struct SecurityRecord {
  int signature_id = 0;
  int severity = 3;        // 1 high .. 3 low (the EVE alert's)
  std::string device_uid;  // 16 lowercase hex digits, or empty when no device is named
  std::string eve;         // the alert's EVE JSON object, one line (ids::FormatEveJson)
  int64_t time_ms = 0;
};

// A device as the gateway sees it (its inventory, .../device): sent for every device at
// the start of a session and whenever its state changes, and as the answer to a cloud
// command (command_id and command_result set). Queued in the security class (it gives
// way after telemetry), on its own topic.
enum class DeviceState : uint8_t { kAssociated, kIdle, kRevoked, kTampered };
std::string_view DeviceStateName(DeviceState s);  // "associated" | "idle" | ...

struct DeviceRecord {
  uint64_t uid = 0;
  DeviceKind kind = DeviceKind::kOther;
  std::string ward;
  DeviceState state = DeviceState::kIdle;
  std::string firmware_version;  // empty: not known to the gateway
  int64_t last_seen_ms = 0;      // 0: not heard since the gateway started
  // The pseudonym the device's readings carry while no patient is assigned to it, so that
  // the cloud can put the device on a bed's patient (it cannot compute it: the site key
  // never leaves the edge). Never a patient's pseudonym, never the uid.
  std::string pseudonym;
  std::string command_id;     // the cloud command this answers, or empty
  bool command_done = false;  // with command_id: executed (true) or refused
  std::string detail;         // optional, one line
  int64_t time_ms = 0;
};

// Published retained on .../status, not queued: the last one is the gateway's state.
struct StatusRecord {
  bool online = true;   // false: the last will, or a clean stop
  std::string version;  // the gateway's software version
  int64_t started_ms = 0;
  int64_t time_ms = 0;
  uint64_t queued = 0;                                 // messages waiting in the queue
  std::array<uint64_t, kMessageClassCount> dropped{};  // since the queue file was made
};

std::string_view QualityName(Quality q);              // "valid" | "questionable" | "invalid"
std::string_view AlarmStateName(AlarmState s);        // "raised" | "updated" | "cleared"
std::string_view AlarmPriorityName(AlarmPriority p);  // "low" | "medium" | "high"

// "2024-05-01T12:00:00.123Z". REQUIRES: 0 <= unix_ms < year 10000.
std::string UtcIso8601(int64_t unix_ms);
// 1..64 of [A-Za-z0-9._-]: safe as an MQTT topic level and inside an id.
bool IsTopicLevel(std::string_view s);
std::string Topic(const Origin& o, std::string_view kind);
std::string StreamHex(uint64_t stream);  // 16 lowercase hex digits
std::string MessageId(const Origin& o, uint64_t seq);

// kInvalidArgument (and `why`, one line naming the field) for a record or an origin the
// contract does not allow; kOk otherwise. The Format* functions require a record that
// passed its check.
Error CheckOrigin(const Origin& o, std::string* why);
Error CheckTelemetry(const TelemetryRecord& r, std::string* why);
Error CheckAlarm(const AlarmRecord& r, std::string* why);
Error CheckSecurity(const SecurityRecord& r, std::string* why);
Error CheckDevice(const DeviceRecord& r, std::string* why);

std::string FormatTelemetry(const Origin& o, uint64_t seq, const TelemetryRecord& r);
std::string FormatAlarm(const Origin& o, uint64_t seq, const AlarmRecord& r);
std::string FormatSecurity(const Origin& o, uint64_t seq, const SecurityRecord& r);
std::string FormatDevice(const Origin& o, uint64_t seq, const DeviceRecord& r);
std::string FormatStatus(const Origin& o, const StatusRecord& r);

}  // namespace vigil::uplink
