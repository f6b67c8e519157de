#include "edge/clinical/clinical_config_toml.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/hex.h"
#include "edge/toml_reader.h"

namespace vigil::clinical {

namespace {

using edge::TomlReader;

std::string VitalList() {
  std::string s;
  for (Vital v : kAllVitals) s += (s.empty() ? "" : ", ") + std::string(VitalName(v));
  return s;
}

bool Limit(TomlReader& r, const toml::table& t, std::string_view section, const std::string& key,
           std::string_view name, std::optional<double>* out) {
  const toml::node* n = t.get(name);
  if (!n) return true;
  if (const auto* s = n->as_string()) {
    if (s->get() == "off") {
      out->reset();
      return true;
    }
  } else if (n->is_number()) {
    *out = n->value<double>().value_or(0);
    return true;
  }
  return r.Fail(*n, section, key, "expected a number or \"off\"");
}

// One vital's table, applied on top of `s`, then validated as a whole (the error points at
// the offending key when the table sets it, else at the table).
bool ReadVital(TomlReader& r, const toml::table& t, std::string_view section,
               const std::string& prefix, VitalSettings* s) {
  for (auto&& [k, v] : t) {
    static constexpr std::string_view kKnown[] = {"enabled",       "critical_low",  "low",
                                                  "high",          "critical_high", "hysteresis",
                                                  "clear_after_s", "update_step",   "max_age_s",
                                                  "plausible_min", "plausible_max"};
    bool ok = false;
    for (std::string_view kn : kKnown) ok |= k.str() == kn;
    if (!ok) return r.Fail(v, section, prefix + std::string(k.str()), "unknown field");
  }
  VitalSettings c = *s;
  bool ok = true;
  auto key = [&](std::string_view f) { return prefix + std::string(f); };
  auto num = [&](std::string_view f, double* out) {
    const toml::node* n = t.get(f);
    if (!n) return true;
    if (!n->is_number()) return r.Fail(*n, section, key(f), "expected a number");
    *out = n->value<double>().value_or(0);
    return true;
  };
  auto secs = [&](std::string_view f, int64_t lo, int64_t hi, TimeUs* out) {
    const toml::node* n = t.get(f);
    if (!n) return true;
    if (!n->is_integer()) return r.Fail(*n, section, key(f), "expected whole seconds");
    const int64_t v = n->as_integer()->get();
    if (v < lo || v > hi)
      return r.Fail(*n, section, key(f),
                    "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " +
                        std::to_string(v));
    *out = v * kSeconds;
    return true;
  };
  if (const toml::node* n = t.get("enabled")) {
    if (!n->is_boolean()) return r.Fail(*n, section, key("enabled"), "expected true or false");
    c.enabled = n->as_boolean()->get();
  }
  ok = ok && Limit(r, t, section, key("critical_low"), "critical_low", &c.critical_low);
  ok = ok && Limit(r, t, section, key("low"), "low", &c.low);
  ok = ok && Limit(r, t, section, key("high"), "high", &c.high);
  ok = ok && Limit(r, t, section, key("critical_high"), "critical_high", &c.critical_high);
  ok = ok && num("hysteresis", &c.hysteresis);
  ok = ok && secs("clear_after_s", 0, 3600, &c.clear_after);
  ok = ok && num("update_step", &c.update_step);
  ok = ok && secs("max_age_s", 1, 86400, &c.max_age);
  ok = ok && num("plausible_min", &c.plausible_min);
  ok = ok && num("plausible_max", &c.plausible_max);
  if (!ok) return false;
  std::string field, reason;
  if (ValidateVitalSettings(c, &field, &reason) != Error::kOk) {
    const toml::node* n = t.get(field);
    return r.Fail(n ? *n : static_cast<const toml::node&>(t), section, key(field),
                  reason + (n ? "" : " (with the default " + field + ")"));
  }
  *s = c;
  return true;
}

// [*.thresholds]: one table per vital, applied to `table`.
bool ReadThresholds(TomlReader& r, const toml::node& n, std::string_view section,
                    VitalTable* table) {
  const toml::table* t = n.as_table();
  if (!t) return r.Fail(n, section, "thresholds", "expected a table of vitals");
  for (auto&& [k, v] : *t) {
    const std::optional<Vital> vital = VitalFromName(k.str());
    if (!vital)
      return r.Fail(v, section, "thresholds." + std::string(k.str()),
                    "unknown vital (expected one of " + VitalList() + ")");
    const toml::table* vt = v.as_table();
    if (!vt) return r.Fail(v, section, "thresholds." + std::string(k.str()), "expected a table");
    if (!ReadVital(r, *vt, section, "thresholds." + std::string(k.str()) + ".",
                   &(*table)[static_cast<size_t>(*vital)]))
      return false;
  }
  return true;
}

bool ReadDevice(TomlReader& r, const toml::node& n, std::string_view section, PatientDevice* d) {
  const toml::table* t = n.as_table();
  if (!t) return r.Fail(n, section, "devices", "expected { uid = ..., kind = ... } tables");
  for (auto&& [k, v] : *t)
    if (k.str() != "uid" && k.str() != "kind" && k.str() != "vitals")
      return r.Fail(v, section, "devices." + std::string(k.str()), "unknown field");
  std::string uid, kind;
  const toml::node* un = t->get("uid");
  if (!un) return r.Fail(n, section, "devices.uid", "required");
  if (!un->is_string()) return r.Fail(*un, section, "devices.uid", "expected a string");
  uid = un->as_string()->get();
  const std::optional<uint64_t> parsed = UidFromString(uid);
  if (!parsed || !IsAssignableUid(*parsed))
    return r.Fail(*un, section, "devices.uid", "expected 16 hex digits, got \"" + uid + "\"");
  d->uid = *parsed;
  const toml::node* kn = t->get("kind");
  if (!kn) return r.Fail(n, section, "devices.kind", "required");
  if (!kn->is_string()) return r.Fail(*kn, section, "devices.kind", "expected a string");
  kind = kn->as_string()->get();
  const std::optional<DeviceKind> k = DeviceKindFromName(kind);
  if (!k) {
    std::string kinds;
    for (DeviceKind dk : kAllDeviceKinds)
      kinds += (kinds.empty() ? "" : ", ") + std::string(DeviceKindName(dk));
    return r.Fail(*kn, section, "devices.kind",
                  "unknown kind \"" + kind + "\" (expected one of " + kinds + ")");
  }
  d->kind = *k;
  d->vitals = DefaultVitalsOf(*k);
  if (const toml::node* vn = t->get("vitals")) {
    const toml::array* a = vn->as_array();
    if (!a) return r.Fail(*vn, section, "devices.vitals", "expected a list of vital names");
    d->vitals.clear();
    for (const toml::node& e : *a) {
      const std::optional<std::string_view> s = e.value<std::string_view>();
      const std::optional<Vital> v = s ? VitalFromName(*s) : std::nullopt;
      if (!v)
        return r.Fail(e, section, "devices.vitals",
                      "unknown vital (expected one of " + VitalList() + ")");
      d->vitals.push_back(*v);
    }
  }
  return true;
}

}  // namespace

Error ParseClinicalConfig(std::string_view text, std::string_view origin, ClinicalConfig* out,
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
  const toml::node* cn = root.get("clinical");
  if (!cn) return Error::kOk;
  TomlReader r(origin, why);
  const toml::table* ct = cn->as_table();
  if (!ct) {
    r.Fail(*cn, "", "clinical", "expected a [clinical] section");
    return Error::kInvalidArgument;
  }
  constexpr std::string_view kSection = "clinical";
  ClinicalConfig c = *out;
  if (!r.CheckKeys(
          *ct, kSection,
          {"technical_priority", "news2_alarms", "news2_clear_after_s", "min_update_interval_s",
           "max_silence_s", "ward", "thresholds", "spo2_scale2", "patient"}))
    return Error::kInvalidArgument;
  std::string priority(AlarmPriorityName(c.technical_priority));
  std::string default_ward;
  bool ok = r.String(*ct, kSection, "technical_priority", &priority);
  if (ok) {
    const std::optional<AlarmPriority> p = AlarmPriorityFromName(priority);
    if (!p)
      ok = r.Fail(*ct->get("technical_priority"), kSection, "technical_priority",
                  "expected \"low\", \"medium\" or \"high\", got \"" + priority + "\"");
    else
      c.technical_priority = *p;
  }
  ok = ok && r.Bool(*ct, kSection, "news2_alarms", &c.news2_alarms);
  ok = ok && r.Seconds(*ct, kSection, "news2_clear_after_s", 0, 86400, &c.news2_clear_after);
  ok = ok && r.Seconds(*ct, kSection, "min_update_interval_s", 0, 86400, &c.min_update_interval);
  ok = ok && r.Seconds(*ct, kSection, "max_silence_s", 1, 3600, &c.max_silence);
  ok = ok && r.String(*ct, kSection, "ward", &default_ward);
  if (ok && ct->get("ward") && !IsPrintableId(default_ward, true))
    ok = r.Fail(*ct->get("ward"), kSection, "ward", "must be 1-64 printable characters");
  if (ok && ct->get("thresholds"))
    ok = ReadThresholds(r, *ct->get("thresholds"), kSection, &c.site_vitals);
  if (ok && ct->get("spo2_scale2")) {
    const toml::node& n = *ct->get("spo2_scale2");
    if (!n.as_table())
      ok = r.Fail(n, kSection, "spo2_scale2", "expected a table");
    else
      ok = ReadVital(r, *n.as_table(), kSection, "spo2_scale2.", &c.site_spo2_scale2);
  }
  if (!ok) return Error::kInvalidArgument;

  c.patients.clear();
  std::set<std::string> ids;
  std::set<std::pair<std::string, std::string>> beds;
  std::map<uint64_t, size_t> uids;
  if (const toml::node* pn = ct->get("patient")) {
    const toml::array* list = pn->as_array();
    if (!list) {
      r.Fail(*pn, kSection, "patient", "expected [[clinical.patient]] tables");
      return Error::kInvalidArgument;
    }
    for (const toml::node& n : *list) {
      std::string section = "clinical.patient #" + std::to_string(c.patients.size() + 1);
      const toml::table* t = n.as_table();
      if (!t) {
        r.Fail(n, kSection, "patient", "expected [[clinical.patient]] tables");
        return Error::kInvalidArgument;
      }
      PatientConfig p;
      p.ward = default_ward;
      // The bed first, so that every later error can name the patient by bed.
      if (!r.String(*t, section, "bed", &p.bed)) return Error::kInvalidArgument;
      if (!t->get("bed")) {
        r.Fail(n, section, "bed", "required");
        return Error::kInvalidArgument;
      }
      if (!IsPrintableId(p.bed, true)) {
        r.Fail(*t->get("bed"), section, "bed", "must be 1-64 printable characters");
        return Error::kInvalidArgument;
      }
      section += " (bed \"" + p.bed + "\")";
      if (!r.CheckKeys(*t, section,
                       {"id", "bed", "ward", "spo2_scale", "on_oxygen", "devices", "thresholds"}))
        return Error::kInvalidArgument;
      ok = r.String(*t, section, "id", &p.id);
      if (ok && !t->get("id")) ok = r.Fail(n, section, "id", "required");
      if (ok && !IsPrintableId(p.id, false))
        ok = r.Fail(*t->get("id"), section, "id",
                    "must be 1-64 printable characters without spaces");
      if (ok && !ids.insert(p.id).second)
        ok = r.Fail(*t->get("id"), section, "id", "the same id is on another patient");
      ok = ok && r.String(*t, section, "ward", &p.ward);
      if (ok && !IsPrintableId(p.ward, true))
        ok = r.Fail(t->get("ward") ? *t->get("ward") : n, section, "ward",
                    t->get("ward") ? "must be 1-64 printable characters"
                                   : "required (or set [clinical] ward)");
      if (ok && !beds.insert({p.ward, p.bed}).second)
        ok = r.Fail(*t->get("bed"), section, "bed",
                    "another patient of ward \"" + p.ward + "\" has this bed");
      int64_t scale = static_cast<int64_t>(p.spo2_scale);
      ok = ok && r.Int(*t, section, "spo2_scale", 1, 2, &scale);
      p.spo2_scale = scale == 2 ? SpO2Scale::kScale2 : SpO2Scale::kScale1;
      ok = ok && r.Bool(*t, section, "on_oxygen", &p.on_oxygen);
      if (ok && t->get("devices")) {
        const toml::array* devs = t->get("devices")->as_array();
        if (!devs) {
          ok = r.Fail(*t->get("devices"), section, "devices",
                      "expected a list of { uid = ..., kind = ... }");
        } else {
          for (const toml::node& dn : *devs) {
            PatientDevice d;
            ok = ReadDevice(r, dn, section, &d);
            if (!ok) break;
            auto [it, fresh] = uids.emplace(d.uid, c.patients.size());
            if (!fresh) {
              ok = r.Fail(
                  dn, section, "devices.uid",
                  UidToString(d.uid) + " is already on patient #" + std::to_string(it->second + 1));
              break;
            }
            p.devices.push_back(std::move(d));
          }
        }
      }
      p.vitals = SiteVitalsFor(c, p.spo2_scale);
      if (ok && t->get("thresholds"))
        ok = ReadThresholds(r, *t->get("thresholds"), section, &p.vitals);
      if (!ok) return Error::kInvalidArgument;
      c.patients.push_back(std::move(p));
    }
  }
  std::string msg;
  if (ValidateClinicalConfig(c, &msg) != Error::kOk) {
    if (why) *why = std::string(origin) + ": [clinical] " + msg;
    return Error::kInvalidArgument;
  }
  *out = std::move(c);
  return Error::kOk;
}

Error LoadClinicalConfig(const std::string& path, ClinicalConfig* out, std::string* why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (why) *why = path + ": cannot open";
    return Error::kNotFound;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseClinicalConfig(ss.str(), path, out, why);
}

}  // namespace vigil::clinical
