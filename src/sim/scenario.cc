#include "sim/scenario.h"

#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "device/episode.h"

namespace vigil::sim {
namespace {

// The kinds the testbed models, by index (kOther is not one of them).
std::string_view KindNameAt(size_t i) { return vigil::DeviceKindName(static_cast<DeviceKind>(i)); }

// A parse failure, carried out of the nested readers.
struct Failure {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(int line, const std::string& ctx, std::string_view field,
                         const std::string& what) const {
    std::ostringstream o;
    o << source_ << ":" << line << ": ";
    if (!ctx.empty()) o << ctx << ": ";
    if (!field.empty()) o << "field \"" << field << "\": ";
    o << what;
    throw Failure{o.str()};
  }

  static int Line(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

  // Every key of `t` must be one of `allowed`.
  void Keys(const toml::table& t, const std::string& ctx,
            std::initializer_list<std::string_view> allowed) const {
    for (const auto& [k, v] : t) {
      bool known = false;
      for (std::string_view a : allowed) known |= k.str() == a;
      if (!known) Fail(Line(v), ctx, k.str(), "unknown field");
    }
  }

  const toml::table* Table(const toml::table& t, std::string_view key,
                           const std::string& ctx) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) Fail(Line(*n), ctx, key, "expected a table");
    return n->as_table();
  }

  void Number(const toml::table& t, std::string_view key, const std::string& ctx, double* out,
              double lo, double hi) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    double v = 0;
    if (auto i = n->value_exact<int64_t>()) {
      v = static_cast<double>(*i);
    } else if (auto d = n->value_exact<double>()) {
      v = *d;
    } else {
      Fail(Line(*n), ctx, key, "expected a number");
    }
    if (!std::isfinite(v) || v < lo || v > hi) {
      std::ostringstream o;
      o << "must be between " << lo << " and " << hi << " (got " << v << ")";
      Fail(Line(*n), ctx, key, o.str());
    }
    *out = v;
  }

  void Integer(const toml::table& t, std::string_view key, const std::string& ctx, int* out, int lo,
               int hi) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    auto i = n->value_exact<int64_t>();
    if (!i) Fail(Line(*n), ctx, key, "expected an integer");
    if (*i < lo || *i > hi) {
      std::ostringstream o;
      o << "must be between " << lo << " and " << hi << " (got " << *i << ")";
      Fail(Line(*n), ctx, key, o.str());
    }
    *out = static_cast<int>(*i);
  }

  void String(const toml::table& t, std::string_view key, const std::string& ctx,
              std::string* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    auto s = n->value_exact<std::string>();
    if (!s) Fail(Line(*n), ctx, key, "expected a string");
    *out = *s;
  }

  void Strings(const toml::table& t, std::string_view key, const std::string& ctx,
               std::vector<std::string>* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    const toml::array* a = n->as_array();
    if (a == nullptr) Fail(Line(*n), ctx, key, "expected an array of strings");
    out->clear();
    for (const toml::node& e : *a) {
      auto s = e.value_exact<std::string>();
      if (!s) Fail(Line(e), ctx, key, "expected an array of strings");
      out->push_back(*s);
    }
  }

  void Kinds(const toml::table& t, std::string_view key, const std::string& ctx,
             std::vector<DeviceKind>* out) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return;
    std::vector<std::string> names;
    Strings(t, key, ctx, &names);
    out->clear();
    const toml::array* a = n->as_array();
    for (size_t i = 0; i < names.size(); ++i) {
      DeviceKind k;
      if (!ParseDeviceKind(names[i], &k)) {
        std::string known;
        for (size_t j = 0; j < kDeviceKindCount; ++j)
          known += (known.empty() ? "" : ", ") + std::string(KindNameAt(j));
        Fail(Line(*a->get(i)), ctx, key,
             "unknown device kind \"" + names[i] + "\" (known: " + known + ")");
      }
      out->push_back(k);
    }
  }

  void Range(const toml::table& t, std::string_view lo_key, std::string_view hi_key,
             const std::string& ctx, double* lo, double* hi, double min, double max) const {
    Number(t, lo_key, ctx, lo, min, max);
    Number(t, hi_key, ctx, hi, min, max);
    if (*lo > *hi) {
      const toml::node* n = t.get(hi_key) ? t.get(hi_key) : t.get(lo_key);
      Fail(n ? Line(*n) : Line(t), ctx, hi_key, "must not be below " + std::string(lo_key));
    }
  }

 private:
  std::string source_;
};

std::string Quoted(std::string_view what, std::string_view name) {
  return std::string(what) + " \"" + std::string(name) + "\"";
}

Scenario Parse(const Reader& r, const toml::table& root) {
  Scenario s;
  r.Keys(root, "",
         {"name", "description", "hours", "radio", "protocol", "device", "ward", "staff",
          "patients", "events", "attacks", "table1", "benign", "clinical", "episode"});
  r.String(root, "name", "", &s.name);
  r.String(root, "description", "", &s.description);
  r.Number(root, "hours", "", &s.hours, 0.01, 24 * 14);

  if (const toml::table* t = r.Table(root, "radio", "")) {
    const std::string c = "[radio]";
    r.Keys(*t, c, {"loss", "range_m", "ward_spacing_m", "ward_radius_m"});
    r.Number(*t, "loss", c, &s.radio.loss, 0, 0.9);
    r.Number(*t, "range_m", c, &s.radio.range_m, 1, 1000);
    r.Number(*t, "ward_spacing_m", c, &s.radio.ward_spacing_m, 1, 100000);
    r.Number(*t, "ward_radius_m", c, &s.radio.ward_radius_m, 0, 1000);
    if (s.radio.ward_spacing_m <= 2 * s.radio.range_m)
      r.Fail(Reader::Line(*t), c, "ward_spacing_m",
             "must exceed twice range_m, so that wards do not hear each other");
  }
  if (const toml::table* t = r.Table(root, "protocol", "")) {
    const std::string c = "[protocol]";
    r.Keys(*t, c,
           {"retransmit_timeout_ms", "max_retransmits", "answer_window_ms", "confirm_timeout_ms",
            "unsolicited_answers_per_minute"});
    r.Number(*t, "retransmit_timeout_ms", c, &s.protocol.retransmit_timeout_ms, 1, 60000);
    r.Integer(*t, "max_retransmits", c, &s.protocol.max_retransmits, 0, 20);
    r.Number(*t, "answer_window_ms", c, &s.protocol.answer_window_ms, 0, 10000);
    r.Number(*t, "confirm_timeout_ms", c, &s.protocol.confirm_timeout_ms, 1, 60000);
    r.Number(*t, "unsolicited_answers_per_minute", c, &s.protocol.unsolicited_answers_per_minute, 0,
             6000);
  }
  if (const toml::table* t = r.Table(root, "device", "")) {
    for (const auto& [k, v] : *t) {
      DeviceKind kind;
      if (!ParseDeviceKind(k.str(), &kind))
        r.Fail(Reader::Line(v), "[device]", k.str(), "unknown device kind");
      if (!v.is_table()) r.Fail(Reader::Line(v), "[device]", k.str(), "expected a table");
      const std::string c = Quoted("device", k.str());
      const toml::table& kt = *v.as_table();
      r.Keys(kt, c, {"interval_s", "payload_bytes"});
      DeviceKindSpec& ks = s.kinds[static_cast<size_t>(kind)];
      r.Number(kt, "interval_s", c, &ks.interval_s, 0, 86400);
      r.Integer(kt, "payload_bytes", c, &ks.payload_bytes, 6, 90);
    }
  }
  if (const toml::node* n = root.get("ward")) {
    const toml::array* a = n->as_array();
    if (a == nullptr || !a->is_array_of_tables())
      r.Fail(Reader::Line(*n), "", "ward", "expected an array of tables ([[ward]])");
    for (const toml::node& e : *a) {
      const toml::table& t = *e.as_table();
      WardSpec w;
      w.line = Reader::Line(t);
      r.String(t, "name", "[[ward]]", &w.name);
      if (w.name.empty()) r.Fail(Reader::Line(t), "[[ward]]", "name", "missing or empty");
      if (s.FindWard(w.name) >= 0)
        r.Fail(Reader::Line(*t.get("name")), Quoted("ward", w.name), "name", "defined twice");
      const std::string c = Quoted("ward", w.name);
      r.Keys(t, c, {"name", "beds", "occupancy", "patient_devices"});
      r.Integer(t, "beds", c, &w.beds, 0, 500);
      r.Number(t, "occupancy", c, &w.occupancy, 0, 1);
      r.Kinds(t, "patient_devices", c, &w.patient_devices);
      s.wards.push_back(std::move(w));
    }
  }
  if (s.wards.empty()) r.Fail(1, "", "ward", "a scenario needs at least one [[ward]]");
  if (const toml::node* n = root.get("staff")) {
    const toml::array* a = n->as_array();
    if (a == nullptr || !a->is_array_of_tables())
      r.Fail(Reader::Line(*n), "", "staff", "expected an array of tables ([[staff]])");
    for (const toml::node& e : *a) {
      const toml::table& t = *e.as_table();
      StaffSpec st;
      r.String(t, "role", "[[staff]]", &st.role);
      if (st.role.empty()) r.Fail(Reader::Line(t), "[[staff]]", "role", "missing or empty");
      const std::string c = Quoted("staff", st.role);
      r.Keys(t, c,
             {"role", "count", "devices", "home_wards", "shift_hours", "moves_per_hour",
              "visit_minutes_min", "visit_minutes_max"});
      r.Integer(t, "count", c, &st.count, 0, 10000);
      r.Kinds(t, "devices", c, &st.devices);
      r.Strings(t, "home_wards", c, &st.home_wards);
      for (size_t i = 0; i < st.home_wards.size(); ++i) {
        if (s.FindWard(st.home_wards[i]) < 0)
          r.Fail(Reader::Line(*t.get("home_wards")->as_array()->get(i)), c, "home_wards",
                 "no ward named \"" + st.home_wards[i] + "\"");
      }
      r.Number(t, "shift_hours", c, &st.shift_hours, 1, 24);
      r.Number(t, "moves_per_hour", c, &st.moves_per_hour, 0, 60);
      r.Range(t, "visit_minutes_min", "visit_minutes_max", c, &st.visit_minutes_min,
              &st.visit_minutes_max, 0, 24 * 60);
      s.staff.push_back(std::move(st));
    }
  }
  if (const toml::table* t = r.Table(root, "patients", "")) {
    const std::string c = "[patients]";
    r.Keys(*t, c,
           {"stay_hours", "turnover_hours_min", "turnover_hours_max", "walks_per_day",
            "walk_minutes_min", "walk_minutes_max", "own_smartwatch"});
    r.Number(*t, "stay_hours", c, &s.patients.stay_hours, 0.1, 24 * 365);
    r.Range(*t, "turnover_hours_min", "turnover_hours_max", c, &s.patients.turnover_hours_min,
            &s.patients.turnover_hours_max, 0, 24 * 30);
    r.Number(*t, "walks_per_day", c, &s.patients.walks_per_day, 0, 100);
    r.Range(*t, "walk_minutes_min", "walk_minutes_max", c, &s.patients.walk_minutes_min,
            &s.patients.walk_minutes_max, 0, 24 * 60);
    r.Number(*t, "own_smartwatch", c, &s.patients.own_smartwatch, 0, 1);
  }
  if (const toml::table* t = r.Table(root, "events", "")) {
    const std::string c = "[events]";
    r.Keys(*t, c,
           {"reboots_per_device_per_day", "transit_s_min", "transit_s_max",
            "broadcast_interval_min", "downlink_interval_min"});
    r.Number(*t, "reboots_per_device_per_day", c, &s.events.reboots_per_device_per_day, 0, 1000);
    r.Range(*t, "transit_s_min", "transit_s_max", c, &s.events.transit_s_min,
            &s.events.transit_s_max, 0, 3600);
    r.Number(*t, "broadcast_interval_min", c, &s.events.broadcast_interval_min, 0, 24 * 60);
    r.Number(*t, "downlink_interval_min", c, &s.events.downlink_interval_min, 0, 24 * 60);
  }
  if (const toml::table* t = r.Table(root, "attacks", "")) {
    const std::string c = "[attacks]";
    r.Keys(*t, c, {"instances", "window_s", "start_hour", "classes", "clone_image"});
    r.Integer(*t, "instances", c, &s.attacks.instances, 0, 10000);
    r.Number(*t, "window_s", c, &s.attacks.window_s, 0.001, 3600);
    r.Number(*t, "start_hour", c, &s.attacks.start_hour, 0, s.hours);
    r.Strings(*t, "classes", c, &s.attacks.classes);
    std::string image = s.attacks.live_clone_image ? "live" : "earlier";
    r.String(*t, "clone_image", c, &image);
    if (image != "earlier" && image != "live") {
      r.Fail(Reader::Line(*t->get("clone_image")), c, "clone_image",
             "must be \"earlier\" or \"live\", not \"" + image + "\"");
    }
    s.attacks.live_clone_image = image == "live";
  }
  if (const toml::table* t = r.Table(root, "table1", "")) {
    const std::string c = "[table1]";
    r.Keys(*t, c, {"associations", "loss", "ward"});
    r.Integer(*t, "associations", c, &s.table1.associations, 1, 1000000);
    r.Number(*t, "loss", c, &s.table1.loss, 0, 0.9);
    r.String(*t, "ward", c, &s.table1.ward);
    if (!s.table1.ward.empty() && s.FindWard(s.table1.ward) < 0)
      r.Fail(Reader::Line(*t->get("ward")), c, "ward", "no ward named \"" + s.table1.ward + "\"");
  }
  if (const toml::table* t = r.Table(root, "benign", "")) {
    const std::string c = "[benign]";
    r.Keys(*t, c, {"associations", "loss", "disruption_minutes"});
    r.Integer(*t, "associations", c, &s.benign.associations, 0, 10000000);
    r.Number(*t, "loss", c, &s.benign.loss, 0, 0.9);
    r.Number(*t, "disruption_minutes", c, &s.benign.disruption_minutes, 0.5, 24 * 60);
  }
  if (const toml::table* t = r.Table(root, "clinical", "")) {
    const std::string c = "[clinical]";
    r.Keys(*t, c, {"enabled", "alarm_window_minutes"});
    if (const toml::node* n = t->get("enabled")) {
      auto b = n->value_exact<bool>();
      if (!b) r.Fail(Reader::Line(*n), c, "enabled", "expected true or false");
      s.clinical.enabled = *b;
    }
    r.Number(*t, "alarm_window_minutes", c, &s.clinical.alarm_window_minutes, 0, 24 * 60);
  }
  if (const toml::node* n = root.get("episode")) {
    const toml::array* a = n->as_array();
    if (a == nullptr || !a->is_array_of_tables())
      r.Fail(Reader::Line(*n), "", "episode", "expected an array of tables ([[episode]])");
    for (const toml::node& e : *a) {
      const toml::table& t = *e.as_table();
      EpisodeSpec ep;
      ep.line = Reader::Line(t);
      const std::string c = "[[episode]]";
      r.Keys(t, c,
             {"kind", "ward", "bed", "fraction", "onset_hours", "ramp_minutes", "severity",
              "duration_hours"});
      r.String(t, "kind", c, &ep.kind);
      if (!EpisodeKindFromName(ep.kind)) {
        const toml::node* k = t.get("kind");
        r.Fail(k ? Reader::Line(*k) : ep.line, c, "kind",
               "must be \"sepsis\", \"hypoxia\" or \"hypotension\", not \"" + ep.kind + "\"");
      }
      r.String(t, "ward", c, &ep.ward);
      const int w = ep.ward.empty() ? -1 : s.FindWard(ep.ward);
      if (!ep.ward.empty() && w < 0)
        r.Fail(Reader::Line(*t.get("ward")), c, "ward", "no ward named \"" + ep.ward + "\"");
      if (w >= 0 && s.wards[static_cast<size_t>(w)].beds == 0)
        r.Fail(Reader::Line(*t.get("ward")), c, "ward", "ward \"" + ep.ward + "\" has no beds");
      r.Integer(t, "bed", c, &ep.bed, 1, 500);
      r.Number(t, "fraction", c, &ep.fraction, 0, 1);
      if (t.get("bed") != nullptr) {
        if (w < 0) r.Fail(Reader::Line(*t.get("bed")), c, "bed", "needs a ward");
        if (t.get("fraction") != nullptr)
          r.Fail(Reader::Line(*t.get("fraction")), c, "fraction", "give a bed or a fraction");
        const int beds = s.wards[static_cast<size_t>(w)].beds;
        if (ep.bed > beds)
          r.Fail(Reader::Line(*t.get("bed")), c, "bed",
                 "ward \"" + ep.ward + "\" has " + std::to_string(beds) + " beds");
      } else if (ep.fraction <= 0) {
        r.Fail(ep.line, c, "bed", "missing: give a bed (with a ward) or a fraction above 0");
      }
      r.Number(t, "onset_hours", c, &ep.onset_hours, 0, s.hours);
      r.Number(t, "ramp_minutes", c, &ep.ramp_minutes, 0.1, 24 * 60);
      r.Number(t, "severity", c, &ep.severity, 0.01, 1);
      r.Number(t, "duration_hours", c, &ep.duration_hours, 0, 24 * 14);
      s.episodes.push_back(std::move(ep));
    }
    if (!s.episodes.empty() && !s.clinical.enabled)
      r.Fail(s.episodes.front().line, "[[episode]]", "",
             "episodes need clinical telemetry: add [clinical] enabled = true");
  }
  return s;
}

}  // namespace

std::string_view DeviceKindName(DeviceKind k) { return vigil::DeviceKindName(k); }

bool ParseDeviceKind(std::string_view name, DeviceKind* out) {
  for (size_t i = 0; i < kDeviceKindCount; ++i) {
    if (KindNameAt(i) == name) {
      *out = static_cast<DeviceKind>(i);
      return true;
    }
  }
  return false;
}

std::array<DeviceKindSpec, kDeviceKindCount> Scenario::DefaultKinds() {
  std::array<DeviceKindSpec, kDeviceKindCount> k{};
  k[static_cast<size_t>(DeviceKind::kEcgPatch)] = {5, 64};
  k[static_cast<size_t>(DeviceKind::kPulseOximeter)] = {10, 16};
  k[static_cast<size_t>(DeviceKind::kThermometer)] = {60, 8};
  k[static_cast<size_t>(DeviceKind::kBpCuff)] = {900, 12};
  k[static_cast<size_t>(DeviceKind::kInfusionPump)] = {30, 24};
  k[static_cast<size_t>(DeviceKind::kSmartwatch)] = {60, 16};
  k[static_cast<size_t>(DeviceKind::kTablet)] = {30, 48};
  return k;
}

int Scenario::FindWard(std::string_view n) const {
  for (size_t i = 0; i < wards.size(); ++i)
    if (wards[i].name == n) return static_cast<int>(i);
  return -1;
}

ScenarioResult ParseScenario(std::string_view text, std::string_view source_name) {
  ScenarioResult out;
  Reader r{std::string(source_name)};
  try {
    toml::table root = toml::parse(text, source_name);
    out.scenario = Parse(r, root);
  } catch (const toml::parse_error& e) {
    std::ostringstream o;
    o << source_name << ":" << e.source().begin.line << ": " << e.description();
    out.error = o.str();
  } catch (const Failure& f) {
    out.error = f.message;
  }
  return out;
}

ScenarioResult LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const size_t slash = path.find_last_of('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (!in) {
    ScenarioResult r;
    r.error = path + ": cannot open the scenario file";
    return r;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return ParseScenario(buf.str(), base);
}

}  // namespace vigil::sim
