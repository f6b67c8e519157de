#include "daemon/config.h"

#include <toml++/toml.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include "common/hex.h"
#include "daemon/udp.h"
#include "edge/clinical/clinical_config_toml.h"
#include "ids/signatures.h"

namespace vigil {

DaemonConfig DefaultDaemonConfig() { return DaemonConfig{}; }

bool ParseVersion(std::string_view s, wire::Version* out) {
  if (s == "v1")
    *out = wire::Version::kV1;
  else if (s == "v2")
    *out = wire::Version::kV2;
  else if (s == "v3-paper" || s == "v3")
    *out = wire::Version::kV3Paper;
  else if (s == "hardened")
    *out = wire::Version::kHardened;
  else
    return false;
  return true;
}

namespace {

class Reader {
 public:
  Reader(std::string_view origin, std::string* why) : origin_(origin), why_(why) {}

  bool Fail(const toml::node& n, std::string_view section, std::string_view key,
            const std::string& msg) {
    if (why_) {
      *why_ = std::string(origin_) + ":" + std::to_string(n.source().begin.line) + ": [" +
              std::string(section) + "] " + std::string(key) + ": " + msg;
    }
    return false;
  }

  // Rejects keys this version does not know: a typo must not silently keep a default.
  bool CheckKeys(const toml::table& t, std::string_view section,
                 std::initializer_list<std::string_view> known) {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (auto kn : known) ok |= k.str() == kn;
      if (!ok) return Fail(v, section, k.str(), "unknown field");
    }
    return true;
  }

  bool Bool(const toml::table& t, std::string_view section, std::string_view key, bool* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_boolean()) return Fail(*n, section, key, "expected true or false");
    *out = n->as_boolean()->get();
    return true;
  }

  bool Int(const toml::table& t, std::string_view section, std::string_view key, int64_t lo,
           int64_t hi, int64_t* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_integer()) return Fail(*n, section, key, "expected an integer");
    const int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      return Fail(*n, section, key,
                  "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                      std::to_string(v));
    *out = v;
    return true;
  }

  bool String(const toml::table& t, std::string_view section, std::string_view key,
              std::string* out) {
    const toml::node* n = t.get(key);
    if (!n) return true;
    if (!n->is_string()) return Fail(*n, section, key, "expected a string");
    *out = n->as_string()->get();
    return true;
  }

  bool Endpoint_(const toml::table& t, std::string_view section, std::string_view key,
                 std::string* out) {
    std::string v = *out;
    if (!String(t, section, key, &v)) return false;
    std::string why;
    if (!Endpoint::Parse(v, &why).ok()) return Fail(*t.get(key), section, key, why);
    *out = v;
    return true;
  }

 private:
  std::string_view origin_;
  std::string* why_;
};

bool ParseTrack(std::string_view s, ids::ThresholdTrack* out) {
  if (s == "by_device")
    *out = ids::ThresholdTrack::kByDevice;
  else if (s == "by_src")
    *out = ids::ThresholdTrack::kBySrc;
  else if (s == "by_dst")
    *out = ids::ThresholdTrack::kByDst;
  else if (s == "by_rule")
    *out = ids::ThresholdTrack::kByRule;
  else
    return false;
  return true;
}

bool Track(Reader& r, const toml::table& t, std::string_view section, ids::ThresholdTrack* out) {
  std::string v;
  if (!r.String(t, section, "track", &v)) return false;
  if (v.empty()) return true;
  if (!ParseTrack(v, out))
    return r.Fail(
        *t.get("track"), section, "track",
        "expected one of \"by_device\", \"by_src\", \"by_dst\", \"by_rule\", got \"" + v + "\"");
  return true;
}

// [ids] and [[ids.threshold]]: the output rate limit (ids::RateLimitConfig).
bool ReadIds(Reader& r, const toml::table& t, ids::RateLimitConfig* rl) {
  if (!r.CheckKeys(t, "ids",
                   {"rate_limit", "alerts_per_second", "threshold_count", "threshold_seconds",
                    "threshold_track", "summary_max_devices", "threshold"}))
    return false;
  bool ok = r.Bool(t, "ids", "rate_limit", &rl->enabled);
  int64_t v = rl->max_alerts_per_second;
  ok = ok && r.Int(t, "ids", "alerts_per_second", 0, 1000000, &v);
  rl->max_alerts_per_second = static_cast<uint32_t>(v);
  v = rl->count;
  ok = ok && r.Int(t, "ids", "threshold_count", 1, 1000000, &v);
  rl->count = static_cast<uint32_t>(v);
  v = rl->period / kSeconds;
  ok = ok && r.Int(t, "ids", "threshold_seconds", 1, 86400, &v);
  rl->period = v * kSeconds;
  v = rl->summary_max_devices;
  ok = ok && r.Int(t, "ids", "summary_max_devices", 0, 65536, &v);
  rl->summary_max_devices = static_cast<uint32_t>(v);
  if (ok) {
    std::string track;
    ok = r.String(t, "ids", "threshold_track", &track);
    if (ok && !track.empty() && !ParseTrack(track, &rl->track))
      ok = r.Fail(*t.get("threshold_track"), "ids", "threshold_track",
                  "expected one of \"by_device\", \"by_src\", \"by_dst\", \"by_rule\", got \"" +
                      track + "\"");
  }
  if (!ok) return false;
  const toml::node* list = t.get("threshold");
  if (list == nullptr) return true;
  const toml::array* rules = list->as_array();
  if (rules == nullptr)
    return r.Fail(*list, "ids", "threshold", "expected [[ids.threshold]] tables");
  constexpr std::string_view kSection = "ids.threshold";
  for (const toml::node& n : *rules) {
    const toml::table* rt = n.as_table();
    if (rt == nullptr) return r.Fail(n, "ids", "threshold", "expected [[ids.threshold]] tables");
    if (!r.CheckKeys(*rt, kSection,
                     {"signature_id", "type", "track", "count", "seconds", "device_uid"}))
      return false;
    ids::ThresholdRule rule;
    rule.count = rl->count;
    rule.period = rl->period;
    rule.track = rl->track;
    int64_t id = 0;
    if (!r.Int(*rt, kSection, "signature_id", 1, INT32_MAX, &id)) return false;
    if (rt->get("signature_id") == nullptr) return r.Fail(n, kSection, "signature_id", "required");
    if (ids::FindSignature(static_cast<int>(id)) == nullptr)
      return r.Fail(*rt->get("signature_id"), kSection, "signature_id",
                    std::to_string(id) + " is not a Vigil signature (docs/ids.md)");
    for (const ids::ThresholdRule& other : rl->rules)
      if (other.signature_id == id)
        return r.Fail(*rt->get("signature_id"), kSection, "signature_id",
                      std::to_string(id) + " has a rule already");
    rule.signature_id = static_cast<int>(id);
    std::string type = "limit";
    if (!r.String(*rt, kSection, "type", &type)) return false;
    if (type != "limit" && type != "suppress")
      return r.Fail(*rt->get("type"), kSection, "type",
                    "expected \"limit\" or \"suppress\", got \"" + type + "\"");
    rule.suppress = type == "suppress";
    if (!Track(r, *rt, kSection, &rule.track)) return false;
    int64_t count = rule.count;
    if (!r.Int(*rt, kSection, "count", 1, 1000000, &count)) return false;
    rule.count = static_cast<uint32_t>(count);
    int64_t seconds = rule.period / kSeconds;
    if (!r.Int(*rt, kSection, "seconds", 1, 86400, &seconds)) return false;
    rule.period = seconds * kSeconds;
    std::string uid;
    if (!r.String(*rt, kSection, "device_uid", &uid)) return false;
    if (!uid.empty()) {
      if (!rule.suppress)
        return r.Fail(*rt->get("device_uid"), kSection, "device_uid",
                      "only for type = \"suppress\"");
      auto parsed = UidFromString(uid);
      if (!parsed)
        return r.Fail(*rt->get("device_uid"), kSection, "device_uid",
                      "expected 16 hex digits, got \"" + uid + "\"");
      rule.device_uid = *parsed;
    }
    rl->rules.push_back(rule);
  }
  return true;
}

// [uplink]: the MQTT uplink (daemon/uplink_settings.h). The section switches it on.
bool ReadUplink(Reader& r, const toml::table& t, UplinkSettings* u) {
  constexpr std::string_view kS = "uplink";
  // clang-format off
  if (!r.CheckKeys(
          t, kS,
          {"broker", "server_name", "ca", "cert", "key", "crl", "site", "gateway_id", "queue",
           "sync", "max_messages", "max_bytes", "max_inflight", "keepalive_s", "connect_timeout_ms",
           "reconnect_min_ms", "reconnect_max_ms", "status_interval_s",
           "command_key", "command_state"}))
    return false;
  // clang-format on
  u->enabled = true;
  bool ok = true;
  for (auto [key, out] : {std::pair<const char*, std::string*>{"broker", &u->broker},
                          {"server_name", &u->server_name},
                          {"ca", &u->ca},
                          {"cert", &u->cert},
                          {"key", &u->key},
                          {"crl", &u->crl},
                          {"site", &u->site},
                          {"gateway_id", &u->gateway_id},
                          {"queue", &u->queue},
                          {"command_key", &u->command_key},
                          {"command_state", &u->command_state}})
    ok = ok && r.String(t, kS, key, out);
  std::string sync = u->sync_full ? "full" : "normal";
  ok = ok && r.String(t, kS, "sync", &sync);
  if (ok && sync != "full" && sync != "normal")
    return r.Fail(*t.get("sync"), kS, "sync",
                  "expected \"full\" or \"normal\", got \"" + sync + "\"");
  u->sync_full = sync == "full";
  struct Limit {
    const char* key;
    int64_t lo, hi;
    uint64_t* u64;
    uint32_t* u32;
  } const limits[] = {
      {"max_messages", 1, int64_t{1} << 40, &u->max_messages, nullptr},
      {"max_bytes", 4096, int64_t{1} << 50, &u->max_bytes, nullptr},
      {"max_inflight", 1, 65535, nullptr, &u->max_inflight},
      {"keepalive_s", 5, 3600, nullptr, &u->keepalive_s},
      {"connect_timeout_ms", 100, 600000, nullptr, &u->connect_timeout_ms},
      {"reconnect_min_ms", 10, 3600000, nullptr, &u->reconnect_min_ms},
      {"reconnect_max_ms", 10, 3600000, nullptr, &u->reconnect_max_ms},
      {"status_interval_s", 1, 86400, nullptr, &u->status_interval_s},
  };
  for (const Limit& l : limits) {
    int64_t v = l.u64 ? static_cast<int64_t>(*l.u64) : static_cast<int64_t>(*l.u32);
    ok = ok && r.Int(t, kS, l.key, l.lo, l.hi, &v);
    if (l.u64) *l.u64 = static_cast<uint64_t>(v);
    if (l.u32) *l.u32 = static_cast<uint32_t>(v);
  }
  if (!ok) return false;
  if (std::string bad = ValidateUplinkSettings(*u); !bad.empty()) {
    const std::string field = bad.substr(0, bad.find(':'));
    const toml::node* n = t.get(field);
    return r.Fail(n != nullptr ? *n : static_cast<const toml::node&>(t), kS, field,
                  bad.substr(bad.find(':') + 2));
  }
  return true;
}

}  // namespace

Error ParseDaemonConfig(std::string_view text, std::string_view origin, DaemonConfig* out,
                        std::string* why) {
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& err) {
    if (why) {
      *why = std::string(origin) + ":" + std::to_string(err.source().begin.line) + ": " +
             std::string(err.description());
    }
    return Error::kInvalidArgument;
  }
  Reader r(origin, why);
  for (auto&& [k, v] : root) {
    if (k.str() != "protocol" && k.str() != "gateway" && k.str() != "device" && k.str() != "ids" &&
        k.str() != "uplink" && k.str() != "clinical" && k.str() != "privacy") {
      r.Fail(v, "", k.str(), "unknown section");
      return Error::kInvalidArgument;
    }
    if (!v.is_table()) {
      r.Fail(v, k.str(), "", "expected a [section]");
      return Error::kInvalidArgument;
    }
  }
  DaemonConfig c = *out;
  bool ok = true;
  if (const toml::table* p = root["protocol"].as_table()) {
    ok = r.CheckKeys(*p, "protocol",
                     {"version", "authenticate", "encrypt", "confirm", "tag_size", "pan_id",
                      "answer_window_ms", "retransmit_timeout_ms", "confirm_timeout_ms",
                      "allow_unauthenticated", "roll_common_function"});
    std::string version = wire::VersionName(c.protocol.version);
    ok = ok && r.String(*p, "protocol", "version", &version);
    if (ok && !ParseVersion(version, &c.protocol.version))
      ok = r.Fail(
          *p->get("version"), "protocol", "version",
          "expected one of \"v1\", \"v2\", \"v3-paper\", \"hardened\", got \"" + version + "\"");
    // Hardened deployments default to confirming always; the paper's v3 on anomaly.
    c.protocol.confirm = DefaultConfirmPolicy(c.protocol.version);
    std::string confirm;
    ok = ok && r.String(*p, "protocol", "confirm", &confirm);
    if (ok && !confirm.empty()) {
      if (confirm == "always") {
        c.protocol.confirm = ConfirmPolicy::kAlways;
      } else if (confirm == "on-anomaly") {
        c.protocol.confirm = ConfirmPolicy::kOnAnomaly;
      } else {
        ok = r.Fail(*p->get("confirm"), "protocol", "confirm",
                    "expected \"always\" or \"on-anomaly\", got \"" + confirm + "\"");
      }
    }
    ok = ok && r.Bool(*p, "protocol", "authenticate", &c.protocol.authenticate);
    ok = ok && r.Bool(*p, "protocol", "encrypt", &c.protocol.encrypt_data);
    ok = ok && r.Bool(*p, "protocol", "allow_unauthenticated", &c.protocol.allow_unauthenticated);
    ok = ok && r.Bool(*p, "protocol", "roll_common_function", &c.protocol.roll_common_function);
    int64_t v = c.protocol.wire.data_tag_size;
    ok = ok && r.Int(*p, "protocol", "tag_size", 8, 16, &v);
    c.protocol.wire.data_tag_size = static_cast<uint8_t>(v);
    v = c.protocol.pan_id;
    ok = ok && r.Int(*p, "protocol", "pan_id", 0, 0xFFFE, &v);
    c.protocol.pan_id = static_cast<uint16_t>(v);
    v = c.protocol.answer_window / kMillis;
    ok = ok && r.Int(*p, "protocol", "answer_window_ms", 1, 10000, &v);
    c.protocol.answer_window = v * kMillis;
    v = c.protocol.retransmit_timeout / kMillis;
    ok = ok && r.Int(*p, "protocol", "retransmit_timeout_ms", 1, 60000, &v);
    c.protocol.retransmit_timeout = v * kMillis;
    v = c.protocol.confirm_timeout / kMillis;
    ok = ok && r.Int(*p, "protocol", "confirm_timeout_ms", 1, 60000, &v);
    c.protocol.confirm_timeout = v * kMillis;
    // Combinations (an odd tag with AES-CCM), named by the field that has to change.
    const char* field = "";
    const char* reason = "";
    if (ok && CheckProtocolConfig(c.protocol, &field, &reason) != Error::kOk) {
      const toml::node* n = p->get(field);
      ok = r.Fail(n != nullptr ? *n : *p, "protocol", field,
                  reason + std::string(n != nullptr ? ""
                                                    : " (the default does not fit the "
                                                      "other settings)"));
    }
  }
  if (ok) {
    if (const toml::table* g = root["gateway"].as_table()) {
      ok = r.CheckKeys(*g, "gateway",
                       {"listen", "registry", "registry_key", "alerts", "state", "log",
                        "max_file_bytes", "keep_files", "management", "ward"});
      ok = ok && r.Endpoint_(*g, "gateway", "listen", &c.gateway.listen);
      ok = ok && r.String(*g, "gateway", "registry", &c.gateway.registry);
      ok = ok && r.String(*g, "gateway", "registry_key", &c.gateway.registry_key);
      ok = ok && r.String(*g, "gateway", "alerts", &c.gateway.alerts);
      ok = ok && r.String(*g, "gateway", "state", &c.gateway.state);
      ok = ok && r.String(*g, "gateway", "log", &c.gateway.log);
      ok = ok && r.String(*g, "gateway", "ward", &c.gateway.ward);
      if (g->contains("management"))
        ok = ok && r.Endpoint_(*g, "gateway", "management", &c.gateway.management);
      int64_t max_bytes = static_cast<int64_t>(c.gateway.max_file_bytes);
      int64_t keep = c.gateway.keep_files;
      ok = ok && r.Int(*g, "gateway", "max_file_bytes", 0, int64_t{1} << 40, &max_bytes);
      ok = ok && r.Int(*g, "gateway", "keep_files", 1, 100, &keep);
      c.gateway.max_file_bytes = static_cast<uint64_t>(max_bytes);
      c.gateway.keep_files = static_cast<uint32_t>(keep);
    }
  }
  if (ok) {
    if (const toml::table* d = root["device"].as_table()) {
      ok = r.CheckKeys(
          *d, "device",
          {"gateway", "bind", "report_interval_ms", "store_dir", "firmware", "firmware_key"});
      ok = ok && r.Endpoint_(*d, "device", "gateway", &c.device.gateway);
      ok = ok && r.Endpoint_(*d, "device", "bind", &c.device.bind);
      int64_t v = c.device.report_interval_ms;
      ok = ok && r.Int(*d, "device", "report_interval_ms", 10, 3600000, &v);
      c.device.report_interval_ms = static_cast<uint32_t>(v);
      ok = ok && r.String(*d, "device", "store_dir", &c.device.store_dir);
      ok = ok && r.String(*d, "device", "firmware", &c.device.firmware);
      ok = ok && r.String(*d, "device", "firmware_key", &c.device.firmware_key);
    }
  }
  if (ok) {
    if (const toml::table* t = root["ids"].as_table()) ok = ReadIds(r, *t, &c.ids.rate_limit);
  }
  if (ok) {
    if (const toml::table* u = root["uplink"].as_table()) ok = ReadUplink(r, *u, &c.uplink);
  }
  if (ok) {
    if (std::string bad = c.ids.Validate(); !bad.empty()) {
      if (why) *why = std::string(origin) + ": [ids] " + bad;
      ok = false;
    }
  }
  // The edge's sections have loaders of their own (they name their fields the same way).
  if (ok && root.contains("clinical"))
    ok = clinical::ParseClinicalConfig(text, origin, &c.clinical, why) == Error::kOk;
  if (ok && root.contains("privacy"))
    ok = privacy::ParsePrivacySettings(text, origin, &c.privacy, why) == Error::kOk;
  if (!ok) return Error::kInvalidArgument;
  *out = c;
  return Error::kOk;
}

Error LoadDaemonConfig(const std::string& path, DaemonConfig* out, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (why) *why = path + ": cannot open";
    return Error::kNotFound;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseDaemonConfig(ss.str(), path, out, why);
}

}  // namespace vigil
