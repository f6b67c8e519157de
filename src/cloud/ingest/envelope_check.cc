#include "cloud/ingest/envelope_check.h"

#include <cmath>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "edge/uplink/envelope.h"

namespace vigil::cloud {
namespace {

using nlohmann::json;

constexpr int64_t kMaxTimeMs = 253402300799999;  // 9999-12-31T23:59:59.999Z
constexpr size_t kMaxText = 128;

bool IsLevel(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

bool IsLowerHex(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool IsIsoMs(std::string_view s) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != kShape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (kShape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != kShape[i]) return false;
  }
  return true;
}

bool IsCondition(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

template <typename Set>
bool OneOf(std::string_view s, const Set& set) {
  for (auto v : set)
    if (s == v) return true;
  return false;
}

// Walks one object: each accessor records the first failure and then does nothing.
class Fields {
 public:
  explicit Fields(const json& o) : o_(o) {}
  CheckResult result;
  bool ok() const { return result.ok(); }
  void Failed(Reject r, std::string_view field) {
    if (ok()) result = {r, std::string(field)};
  }

  void Allow(std::initializer_list<std::string_view> names) {
    for (auto it = o_.begin(); it != o_.end() && ok(); ++it) {
      bool known = false;
      for (auto n : names) known = known || it.key() == n;
      if (!known) Failed(Reject::kUnknownField, it.key());
    }
  }
  const json* Get(std::string_view name, bool required) {
    if (!ok()) return nullptr;
    auto it = o_.find(name);
    if (it == o_.end()) {
      if (required) Failed(Reject::kMissingField, name);
      return nullptr;
    }
    return &*it;
  }
  std::string Str(std::string_view name, size_t min_len = 0, size_t max_len = kMaxText,
                  bool required = true) {
    const json* v = Get(name, required);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      Failed(Reject::kWrongType, name);
      return {};
    }
    const auto& s = v->get_ref<const std::string&>();
    if (s.size() < min_len || s.size() > max_len) Failed(Reject::kOutOfRange, name);
    return s;
  }
  template <typename Set>
  std::string EnumOf(std::string_view name, const Set& set) {
    std::string s = Str(name, 0, 64);
    if (ok() && !OneOf(s, set)) Failed(Reject::kBadFormat, name);
    return s;
  }
  std::string Enum(std::string_view name, std::initializer_list<std::string_view> set) {
    return EnumOf(name, set);
  }
  int64_t Int(std::string_view name, int64_t min, int64_t max, bool required = true) {
    const json* v = Get(name, required);
    if (v == nullptr) return 0;
    if (!v->is_number_integer()) {
      Failed(Reject::kWrongType, name);
      return 0;
    }
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(max)) {
      Failed(Reject::kOutOfRange, name);
      return 0;
    }
    const int64_t n = v->get<int64_t>();
    if (n < min || n > max) Failed(Reject::kOutOfRange, name);
    return n;
  }
  std::optional<double> Number(std::string_view name, bool required) {
    const json* v = Get(name, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number()) {
      Failed(Reject::kWrongType, name);
      return std::nullopt;
    }
    const double d = v->get<double>();
    if (!std::isfinite(d)) Failed(Reject::kOutOfRange, name);
    return d;
  }
  bool Bool(std::string_view name) {
    const json* v = Get(name, true);
    if (v == nullptr) return false;
    if (!v->is_boolean()) Failed(Reject::kWrongType, name);
    return v->is_boolean() && v->get<bool>();
  }

 private:
  const json& o_;
};

constexpr std::array<std::string_view, 8> kDeviceKinds = {
    "ecg_patch",     "pulse_oximeter", "thermometer", "bp_cuff",
    "infusion_pump", "smartwatch",     "tablet",      "other"};

std::optional<Vital> VitalField(Fields& f, std::string_view name, bool required) {
  const std::string s = f.Str(name, 0, 64, required);
  if (!f.ok() || (!required && s.empty() && f.Get(name, false) == nullptr)) return std::nullopt;
  auto v = VitalFromName(s);
  if (!v) f.Failed(Reject::kBadFormat, name);
  return v;
}

}  // namespace

std::string_view RejectName(Reject r) {
  static constexpr std::array<std::string_view, kRejectCount> names = {
      "none",         "too_large",     "not_json",       "not_object",    "unknown_version",
      "unknown_kind", "missing_field", "unknown_field",  "wrong_type",    "out_of_range",
      "bad_format",   "id_mismatch",   "topic_mismatch", "time_mismatch", "unit_mismatch",
      "dependency"};
  return names[static_cast<size_t>(r)];
}

std::string_view KindName(Kind k) {
  static constexpr std::array<std::string_view, kKindCount> names = {
      "telemetry", "alarm", "security", "status", "device"};
  return names[static_cast<size_t>(k)];
}

CheckResult CheckEnvelope(std::string_view topic, std::string_view payload, Envelope* out) {
  if (payload.size() > kMaxEnvelopeBytes) return {Reject::kTooLarge, ""};
  const json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (j.is_discarded()) return {Reject::kNotJson, ""};
  if (!j.is_object()) return {Reject::kNotObject, ""};
  Fields f(j);
  {
    auto v = j.find("v");
    if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != 1)
      return {Reject::kUnknownVersion, "v"};
  }
  Envelope e;
  {
    auto k = j.find("kind");
    if (k == j.end() || !k->is_string()) return {Reject::kUnknownKind, "kind"};
    const auto& s = k->get_ref<const std::string&>();
    if (s == "telemetry")
      e.kind = Kind::kTelemetry;
    else if (s == "alarm")
      e.kind = Kind::kAlarm;
    else if (s == "security")
      e.kind = Kind::kSecurity;
    else if (s == "status")
      e.kind = Kind::kStatus;
    else if (s == "device")
      e.kind = Kind::kDevice;
    else
      return {Reject::kUnknownKind, "kind"};
  }
  switch (e.kind) {
    case Kind::kTelemetry:
      f.Allow({"v", "id", "kind", "site", "gateway", "stream", "seq", "time", "time_ms",
               "pseudonym", "ward", "device_kind", "vital", "value", "unit", "quality"});
      break;
    case Kind::kAlarm:
      f.Allow({"v",         "id",      "kind",        "site",  "gateway",  "stream",    "seq",
               "time",      "time_ms", "alarm_id",    "state", "priority", "condition", "technical",
               "pseudonym", "ward",    "device_kind", "vital", "value",    "unit",      "message"});
      break;
    case Kind::kSecurity:
      f.Allow({"v", "id", "kind", "site", "gateway", "stream", "seq", "time", "time_ms",
               "signature_id", "severity", "device_uid", "eve"});
      break;
    case Kind::kStatus:
      f.Allow({"v", "id", "kind", "site", "gateway", "stream", "time", "time_ms", "state",
               "version", "started", "queued", "dropped"});
      break;
    case Kind::kDevice:
      f.Allow({"v", "id", "kind", "site", "gateway", "stream", "seq", "time", "time_ms",
               "device_uid", "device_kind", "ward", "state", "firmware_version", "last_seen_ms",
               "pseudonym", "command_id", "command_result", "detail"});
      break;
  }
  e.site = f.Str("site");
  if (f.ok() && !IsLevel(e.site)) f.Failed(Reject::kBadFormat, "site");
  e.gateway = f.Str("gateway");
  if (f.ok() && !IsLevel(e.gateway)) f.Failed(Reject::kBadFormat, "gateway");
  e.stream = f.Str("stream");
  if (f.ok() && !IsLowerHex(e.stream, 16)) f.Failed(Reject::kBadFormat, "stream");
  if (e.kind != Kind::kStatus) e.seq = f.Int("seq", 1, INT64_MAX);
  const std::string time = f.Str("time");
  if (f.ok() && !IsIsoMs(time)) f.Failed(Reject::kBadFormat, "time");
  e.time_ms = f.Int("time_ms", 0, kMaxTimeMs);
  e.id = f.Str("id", 1, 200);
  if (!f.ok()) return f.result;

  switch (e.kind) {
    case Kind::kTelemetry: {
      TelemetryBody b;
      b.pseudonym = f.Str("pseudonym", 1);
      b.ward = f.Str("ward");
      b.device_kind = f.EnumOf("device_kind", kDeviceKinds);
      auto vital = VitalField(f, "vital", true);
      auto value = f.Number("value", true);
      const std::string unit =
          f.Enum("unit", {"/min", "%", "Cel", "mm[Hg]", "mmol/L", "mL/h", "mL"});
      b.quality = f.Enum("quality", {"valid", "questionable", "invalid"});
      if (!f.ok()) return f.result;
      b.vital = *vital;
      b.value = *value;
      if (unit != VitalUcumUnit(b.vital)) return {Reject::kUnitMismatch, "unit"};
      e.body = std::move(b);
      break;
    }
    case Kind::kAlarm: {
      AlarmBody b;
      b.alarm_id = f.Str("alarm_id", 1);
      b.state = f.Enum("state", {"raised", "updated", "cleared"});
      b.priority = f.Enum("priority", {"low", "medium", "high"});
      b.condition = f.Str("condition", 1, 64);
      if (f.ok() && !IsCondition(b.condition)) f.Failed(Reject::kBadFormat, "condition");
      b.technical = f.Bool("technical");
      b.pseudonym = f.Str("pseudonym", 1);
      b.ward = f.Str("ward");
      b.device_kind = f.EnumOf("device_kind", kDeviceKinds);
      b.vital = VitalField(f, "vital", false);
      b.value = f.Number("value", false);
      if (f.ok() && f.Get("unit", false) != nullptr)
        b.unit = f.Enum("unit", {"/min", "%", "Cel", "mm[Hg]", "mmol/L", "mL/h", "mL"});
      if (f.ok() && f.Get("message", false) != nullptr) b.message = f.Str("message", 1, 1024);
      if (!f.ok()) return f.result;
      if (b.value && (!b.vital || b.unit.empty())) return {Reject::kDependency, "value"};
      if (!b.unit.empty() && !b.value) return {Reject::kDependency, "unit"};
      if (b.vital && !b.unit.empty() && b.unit != VitalUcumUnit(*b.vital))
        return {Reject::kUnitMismatch, "unit"};
      e.body = std::move(b);
      break;
    }
    case Kind::kSecurity: {
      SecurityBody b;
      b.signature_id = f.Int("signature_id", 1, INT64_MAX);
      b.severity = f.Int("severity", 1, 255);
      if (f.ok() && f.Get("device_uid", false) != nullptr) {
        b.device_uid = f.Str("device_uid", 16, 16);
        if (f.ok() && !IsLowerHex(b.device_uid, 16)) f.Failed(Reject::kBadFormat, "device_uid");
      }
      const json* eve = f.Get("eve", true);
      if (eve != nullptr && !eve->is_object()) f.Failed(Reject::kWrongType, "eve");
      if (!f.ok()) return f.result;
      b.eve = eve->dump();
      e.body = std::move(b);
      break;
    }
    case Kind::kStatus: {
      StatusBody b;
      b.state = f.Enum("state", {"online", "offline"});
      b.version = f.Str("version", 1);
      b.started = f.Str("started");
      if (f.ok() && !IsIsoMs(b.started)) f.Failed(Reject::kBadFormat, "started");
      b.queued = f.Int("queued", 0, INT64_MAX);
      const json* d = f.Get("dropped", true);
      if (d != nullptr && !d->is_object()) f.Failed(Reject::kWrongType, "dropped");
      if (!f.ok()) return f.result;
      Fields df(*d);
      df.Allow({"telemetry", "security", "alarm"});
      b.dropped[0] = df.Int("telemetry", 0, INT64_MAX);
      b.dropped[1] = df.Int("security", 0, INT64_MAX);
      b.dropped[2] = df.Int("alarm", 0, INT64_MAX);
      if (!df.ok()) {
        df.result.field = "dropped." + df.result.field;
        return df.result;
      }
      e.body = std::move(b);
      break;
    }
    case Kind::kDevice: {
      DeviceBody b;
      b.device_uid = f.Str("device_uid", 16, 16);
      if (f.ok() && !IsLowerHex(b.device_uid, 16)) f.Failed(Reject::kBadFormat, "device_uid");
      b.device_kind = f.EnumOf("device_kind", kDeviceKinds);
      b.ward = f.Str("ward");
      b.state = f.Enum("state", {"associated", "idle", "revoked", "tampered"});
      if (f.ok() && f.Get("firmware_version", false) != nullptr)
        b.firmware_version = f.Str("firmware_version", 1, 64);
      if (f.ok() && f.Get("last_seen_ms", false) != nullptr)
        b.last_seen_ms = f.Int("last_seen_ms", 0, kMaxTimeMs);
      if (f.ok() && f.Get("pseudonym", false) != nullptr) b.pseudonym = f.Str("pseudonym", 1);
      if (f.ok() && f.Get("command_id", false) != nullptr) {
        b.command_id = f.Str("command_id", 1, 64);
        if (f.ok() && !IsLevel(b.command_id)) f.Failed(Reject::kBadFormat, "command_id");
      }
      if (f.ok() && f.Get("command_result", false) != nullptr)
        b.command_result = f.Enum("command_result", {"done", "refused"});
      if (f.ok() && f.Get("detail", false) != nullptr) b.detail = f.Str("detail", 1);
      if (!f.ok()) return f.result;
      if (b.command_id.empty() != b.command_result.empty())
        return {Reject::kDependency, b.command_id.empty() ? "command_id" : "command_result"};
      e.body = std::move(b);
      break;
    }
  }

  // Consistency between fields, and with the topic.
  if (e.kind == Kind::kStatus) {
    const std::string prefix = e.gateway + "/" + e.stream + "/status-";
    const std::string_view rest = std::string_view(e.id).substr(
        std::min(e.id.size(), e.id.starts_with(prefix) ? prefix.size() : e.id.size()));
    const std::string& state = std::get<StatusBody>(e.body).state;
    const std::string want = std::to_string(e.time_ms) + "-" + state;
    if (!e.id.starts_with(prefix) || rest != want) return {Reject::kIdMismatch, "id"};
  } else if (e.id != e.gateway + "/" + e.stream + "/" + std::to_string(e.seq)) {
    return {Reject::kIdMismatch, "id"};
  }
  if (time != uplink::UtcIso8601(e.time_ms)) return {Reject::kTimeMismatch, "time"};
  if (!topic.empty() &&
      topic != "vigil/v1/" + e.site + "/" + e.gateway + "/" + std::string(KindName(e.kind)))
    return {Reject::kTopicMismatch, "topic"};
  if (out != nullptr) *out = std::move(e);
  return {};
}

}  // namespace vigil::cloud
