#include "edge/uplink/envelope.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>

#include "common/hex.h"
#include "edge/uplink/json_writer.h"

namespace vigil::uplink {
namespace {

constexpr int64_t kMaxTimeMs = 253402300799999;  // 9999-12-31T23:59:59.999Z

bool Fail(std::string* why, std::string msg) {
  if (why) *why = std::move(msg);
  return false;
}

bool CheckText(std::string_view field, std::string_view s, bool required, size_t max,
               std::string* why) {
  if (required && s.empty()) return Fail(why, std::string(field) + ": required");
  if (s.size() > max)
    return Fail(why, std::string(field) + ": longer than " + std::to_string(max) + " bytes");
  if (!IsValidUtf8(s)) return Fail(why, std::string(field) + ": not UTF-8");
  return true;
}

bool CheckTime(int64_t ms, std::string* why) {
  if (ms < 0 || ms > kMaxTimeMs)
    return Fail(why, "time_ms: " + std::to_string(ms) + " is out of range");
  return true;
}

bool IsSnakeCase(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// One JSON object and nothing after it: brackets balance outside strings, and the
// outermost object closes at the last byte. Not a parser: enough to refuse an EVE line
// that was cut, or two of them run together.
bool IsOneJsonObject(std::string_view s) {
  if (s.size() < 2 || s.front() != '{') return false;
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']') {
      if (--depth < 0) return false;
      if (depth == 0 && i + 1 != s.size()) return false;
    } else if (c == '\n')
      return false;
  }
  return depth == 0 && !in_string;
}

void Header(JsonObjectWriter& w, const Origin& o, std::string_view kind, uint64_t seq,
            int64_t time_ms) {
  w.Int("v", kEnvelopeVersion)
      .Str("id", MessageId(o, seq))
      .Str("kind", kind)
      .Str("site", o.site)
      .Str("gateway", o.gateway);
  w.Str("stream", StreamHex(o.stream)).Uint("seq", seq);
  w.Str("time", UtcIso8601(time_ms)).Int("time_ms", time_ms);
}

}  // namespace

std::string_view QualityName(Quality q) {
  switch (q) {
    case Quality::kValid:
      return "valid";
    case Quality::kQuestionable:
      return "questionable";
    case Quality::kInvalid:
      return "invalid";
  }
  return "invalid";
}

std::string_view AlarmStateName(AlarmState s) {
  switch (s) {
    case AlarmState::kRaised:
      return "raised";
    case AlarmState::kUpdated:
      return "updated";
    case AlarmState::kCleared:
      return "cleared";
  }
  return "raised";
}

std::string_view AlarmPriorityName(AlarmPriority p) {
  switch (p) {
    case AlarmPriority::kLow:
      return "low";
    case AlarmPriority::kMedium:
      return "medium";
    case AlarmPriority::kHigh:
      return "high";
  }
  return "high";
}

std::string UtcIso8601(int64_t unix_ms) {
  const time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[96];  // what the format could take for any int, not only for real dates
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

bool IsTopicLevel(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string Topic(const Origin& o, std::string_view kind) {
  std::string t(kTopicRoot);
  t.push_back('/');
  t += o.site;
  t.push_back('/');
  t += o.gateway;
  t.push_back('/');
  t += kind;
  return t;
}

std::string StreamHex(uint64_t stream) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(stream));
  return buf;
}

std::string MessageId(const Origin& o, uint64_t seq) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "/%016llx/%llu", static_cast<unsigned long long>(o.stream),
                static_cast<unsigned long long>(seq));
  return o.gateway + buf;
}

Error CheckOrigin(const Origin& o, std::string* why) {
  const char* field = !IsTopicLevel(o.site)      ? "site"
                      : !IsTopicLevel(o.gateway) ? "gateway"
                                                 : nullptr;
  if (field == nullptr) return Error::kOk;
  Fail(why, std::string(field) + ": \"" + (field[0] == 's' ? o.site : o.gateway) +
                "\": use 1..64 of letters, digits, '.', '_', '-'");
  return Error::kInvalidArgument;
}

Error CheckTelemetry(const TelemetryRecord& r, std::string* why) {
  bool ok = CheckText("pseudonym", r.pseudonym, true, 128, why) &&
            CheckText("ward", r.ward, false, 128, why) && CheckTime(r.time_ms, why);
  if (ok && !std::isfinite(r.value)) ok = Fail(why, "value: not a finite number");
  return ok ? Error::kOk : Error::kInvalidArgument;
}

Error CheckAlarm(const AlarmRecord& r, std::string* why) {
  bool ok = CheckText("alarm_id", r.alarm_id, true, 128, why) &&
            CheckText("pseudonym", r.pseudonym, true, 128, why) &&
            CheckText("ward", r.ward, false, 128, why) &&
            CheckText("message", r.message, false, 1024, why) && CheckTime(r.time_ms, why);
  if (ok && !IsSnakeCase(r.condition))
    ok = Fail(why, "condition: \"" + r.condition + "\": use 1..64 of a-z, 0-9, '_'");
  if (ok && r.value && !r.vital) ok = Fail(why, "value: given without a vital");
  if (ok && r.value && !std::isfinite(*r.value)) ok = Fail(why, "value: not a finite number");
  return ok ? Error::kOk : Error::kInvalidArgument;
}

Error CheckSecurity(const SecurityRecord& r, std::string* why) {
  bool ok = CheckTime(r.time_ms, why);
  if (ok && !r.device_uid.empty()) {
    bool hex = r.device_uid.size() == 16;
    for (char c : r.device_uid) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!hex) ok = Fail(why, "device_uid: expected 16 lowercase hex digits or nothing");
  }
  if (ok && (r.severity < 1 || r.severity > 255)) ok = Fail(why, "severity: out of range");
  if (ok && r.signature_id <= 0) ok = Fail(why, "signature_id: must be positive");
  // The EVE line is ours (ids::FormatEveJson); what can go wrong on the way is a cut or
  // a second line, which would break the envelope around it.
  if (ok && (!IsOneJsonObject(r.eve) || !IsValidUtf8(r.eve)))
    ok = Fail(why, "eve: expected one EVE JSON object on one line");
  if (ok && r.eve.size() > kMaxPayloadBytes - 1024)
    ok = Fail(why, "eve: longer than " + std::to_string(kMaxPayloadBytes - 1024) + " bytes");
  return ok ? Error::kOk : Error::kInvalidArgument;
}

std::string_view DeviceStateName(DeviceState s) {
  switch (s) {
    case DeviceState::kAssociated:
      return "associated";
    case DeviceState::kIdle:
      return "idle";
    case DeviceState::kRevoked:
      return "revoked";
    case DeviceState::kTampered:
      return "tampered";
  }
  return "idle";
}

Error CheckDevice(const DeviceRecord& r, std::string* why) {
  bool ok = CheckText("ward", r.ward, false, 128, why) &&
            CheckText("firmware_version", r.firmware_version, false, 64, why) &&
            CheckText("pseudonym", r.pseudonym, false, 128, why) &&
            CheckText("detail", r.detail, false, 128, why) && CheckTime(r.time_ms, why);
  if (ok && r.last_seen_ms != 0) ok = CheckTime(r.last_seen_ms, why);
  if (ok && !r.command_id.empty() && !IsTopicLevel(r.command_id))
    ok = Fail(why, "command_id: use 1..64 of letters, digits, '.', '_', '-'");
  return ok ? Error::kOk : Error::kInvalidArgument;
}

std::string FormatDevice(const Origin& o, uint64_t seq, const DeviceRecord& r) {
  JsonObjectWriter w;
  Header(w, o, "device", seq, r.time_ms);
  w.Str("device_uid", UidToString(r.uid))
      .Str("device_kind", DeviceKindName(r.kind))
      .Str("ward", r.ward)
      .Str("state", DeviceStateName(r.state));
  if (!r.firmware_version.empty()) w.Str("firmware_version", r.firmware_version);
  if (r.last_seen_ms != 0) w.Int("last_seen_ms", r.last_seen_ms);
  if (!r.pseudonym.empty()) w.Str("pseudonym", r.pseudonym);
  if (!r.command_id.empty())
    w.Str("command_id", r.command_id).Str("command_result", r.command_done ? "done" : "refused");
  if (!r.detail.empty()) w.Str("detail", r.detail);
  return w.Finish();
}

std::string FormatTelemetry(const Origin& o, uint64_t seq, const TelemetryRecord& r) {
  JsonObjectWriter w;
  Header(w, o, MessageClassName(MessageClass::kTelemetry), seq, r.time_ms);
  w.Str("pseudonym", r.pseudonym)
      .Str("ward", r.ward)
      .Str("device_kind", DeviceKindName(r.device_kind))
      .Str("vital", VitalName(r.vital))
      .Num("value", r.value)
      .Str("unit", VitalUcumUnit(r.vital))
      .Str("quality", QualityName(r.quality));
  return w.Finish();
}

std::string FormatAlarm(const Origin& o, uint64_t seq, const AlarmRecord& r) {
  JsonObjectWriter w;
  Header(w, o, MessageClassName(MessageClass::kAlarm), seq, r.time_ms);
  w.Str("alarm_id", r.alarm_id)
      .Str("state", AlarmStateName(r.state))
      .Str("priority", AlarmPriorityName(r.priority))
      .Str("condition", r.condition)
      .Bool("technical", r.technical)
      .Str("pseudonym", r.pseudonym)
      .Str("ward", r.ward)
      .Str("device_kind", DeviceKindName(r.device_kind));
  if (r.vital) {
    w.Str("vital", VitalName(*r.vital));
    if (r.value) w.Num("value", *r.value).Str("unit", VitalUcumUnit(*r.vital));
  }
  if (!r.message.empty()) w.Str("message", r.message);
  return w.Finish();
}

std::string FormatSecurity(const Origin& o, uint64_t seq, const SecurityRecord& r) {
  JsonObjectWriter w;
  Header(w, o, MessageClassName(MessageClass::kSecurity), seq, r.time_ms);
  w.Int("signature_id", r.signature_id).Int("severity", r.severity);
  if (!r.device_uid.empty()) w.Str("device_uid", r.device_uid);
  w.Raw("eve", r.eve);
  return w.Finish();
}

std::string FormatStatus(const Origin& o, const StatusRecord& r) {
  JsonObjectWriter w;
  const std::string stream = StreamHex(o.stream);
  const std::string_view state = r.online ? "online" : "offline";
  w.Int("v", kEnvelopeVersion)
      .Str("id", o.gateway + "/" + stream + "/status-" + std::to_string(r.time_ms) + "-" +
                     std::string(state))
      .Str("kind", "status")
      .Str("site", o.site)
      .Str("gateway", o.gateway)
      .Str("stream", stream)
      .Str("time", UtcIso8601(r.time_ms))
      .Int("time_ms", r.time_ms)
      .Str("state", state)
      .Str("version", r.version)
      .Str("started", UtcIso8601(r.started_ms))
      .Uint("queued", r.queued);
  JsonObjectWriter d;
  for (MessageClass c : {MessageClass::kTelemetry, MessageClass::kSecurity, MessageClass::kAlarm})
    d.Uint(MessageClassName(c), r.dropped[Index(c)]);
  w.Raw("dropped", d.Finish());
  return w.Finish();
}

}  // namespace vigil::uplink
