#include "ids/eve_schema_check.h"

#include <arpa/inet.h>

#include <fstream>
#include <initializer_list>
#include <regex>

namespace vigil::ids {
namespace {

using nlohmann::json;

// Collects the first violation, with the path of the field.
class Check {
 public:
  bool ok() const { return error_.empty(); }
  std::string result() const { return error_; }
  void Fail(const std::string& field, const std::string& what) {
    if (error_.empty()) error_ = field + ": " + what;
  }

  // Every key of `o` must be in `allowed`.
  void OnlyKeys(const json& o, const std::string& where,
                std::initializer_list<const char*> allowed) {
    for (auto it = o.begin(); it != o.end(); ++it) {
      bool known = false;
      for (const char* k : allowed) known = known || it.key() == k;
      if (!known) Fail(where.empty() ? it.key() : where + "." + it.key(), "not allowed here");
    }
  }
  const json* Get(const json& o, const char* key, const std::string& where, bool required) {
    auto it = o.find(key);
    if (it == o.end()) {
      if (required) Fail(Path(where, key), "required");
      return nullptr;
    }
    return &*it;
  }
  void String(const json& o, const char* key, const std::string& where, bool required) {
    if (const json* v = Get(o, key, where, required); v && !v->is_string())
      Fail(Path(where, key), "expected a string");
  }
  void Integer(const json& o, const char* key, const std::string& where, bool required) {
    if (const json* v = Get(o, key, where, required); v && !v->is_number_integer())
      Fail(Path(where, key), "expected an integer");
  }
  void Object(const json& o, const char* key, const std::string& where, bool required) {
    if (const json* v = Get(o, key, where, required); v && !v->is_object())
      Fail(Path(where, key), "expected an object");
  }
  void HexUid(const json& o, const char* key, const std::string& where) {
    const json* v = Get(o, key, where, true);
    if (v == nullptr) return;
    if (!v->is_string() || !IsHexUid(v->get<std::string>()))
      Fail(Path(where, key), "expected 16 lowercase hex digits");
  }

  static std::string Path(const std::string& where, const char* key) {
    return where.empty() ? std::string(key) : where + "." + key;
  }
  static bool IsHexUid(const std::string& s) {
    if (s.size() != 16) return false;
    for (char c : s)
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
  }

 private:
  std::string error_;
};

bool IsIpAddress(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void CheckEndpoint(Check& c, const json& r, const char* ip_key, const char* port_key) {
  c.String(r, ip_key, "", false);
  c.Integer(r, port_key, "", false);
  if (!c.ok()) return;
  const bool has_ip = r.contains(ip_key);
  if (has_ip != r.contains(port_key)) {
    c.Fail(has_ip ? port_key : ip_key,
           std::string("required with ") + (has_ip ? ip_key : port_key));
    return;
  }
  if (!has_ip) return;
  if (!IsIpAddress(r[ip_key].get<std::string>())) c.Fail(ip_key, "not a numeric IP address");
  const auto port = r[port_key].get<int64_t>();
  if (port < 0 || port > 65535) c.Fail(port_key, "not a port number");
}

void CheckVigil(Check& c, const json& v) {
  const std::string w = "metadata.flowvars[0].vigil";
  if (!v.is_object()) return c.Fail(w, "expected an object");
  c.OnlyKeys(
      v, w,
      {"device_uid", "observer", "detector", "src_node", "dest_node", "detail", "suppressed"});
  c.HexUid(v, "device_uid", w);
  c.HexUid(v, "observer", w);
  c.String(v, "detector", w, true);
  c.String(v, "detail", w, true);
  c.String(v, "src_node", w, false);
  c.String(v, "dest_node", w, false);
  c.Object(v, "suppressed", w, false);
  if (!c.ok() || !v.contains("suppressed")) return;
  const json& s = v["suppressed"];
  const std::string ws = w + ".suppressed";
  c.OnlyKeys(s, ws, {"signature_id", "count", "seconds", "devices", "unlisted"});
  c.Integer(s, "signature_id", ws, true);
  c.Integer(s, "count", ws, true);
  c.Integer(s, "seconds", ws, true);
  c.Integer(s, "unlisted", ws, true);
  const json* d = c.Get(s, "devices", ws, true);
  if (d == nullptr) return;
  if (!d->is_array()) return c.Fail(ws + ".devices", "expected an array");
  for (const json& u : *d)
    if (!u.is_string() || !Check::IsHexUid(u.get<std::string>()))
      return c.Fail(ws + ".devices", "expected 16-hex-digit uids");
}

}  // namespace

std::string CheckEveAlert(const json& r) {
  Check c;
  if (!r.is_object()) return "record: expected an object";
  c.OnlyKeys(r, "",
             {"timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port",
              "proto", "alert", "metadata"});
  c.String(r, "timestamp", "", true);
  c.String(r, "event_type", "", true);
  c.Integer(r, "flow_id", "", false);
  c.String(r, "proto", "", false);
  c.Object(r, "alert", "", true);
  c.Object(r, "metadata", "", false);
  if (!c.ok()) return c.result();

  static const std::regex kTimestamp(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+[+\-]\d+$)");
  if (!std::regex_match(r["timestamp"].get<std::string>(), kTimestamp))
    c.Fail("timestamp", "does not match Suricata's timestamp pattern");
  if (r["event_type"] != "alert") c.Fail("event_type", "expected \"alert\"");
  if (r.contains("flow_id")) {
    const auto id = r["flow_id"].get<int64_t>();
    if (id < 0 || id >= (int64_t{1} << 51)) c.Fail("flow_id", "outside [0, 2^51)");
  }
  CheckEndpoint(c, r, "src_ip", "src_port");
  CheckEndpoint(c, r, "dest_ip", "dest_port");
  if ((r.contains("src_ip") || r.contains("dest_ip")) && !r.contains("proto"))
    c.Fail("proto", "required with an IP endpoint");

  const json& a = r["alert"];
  c.OnlyKeys(a, "alert",
             {"action", "category", "gid", "rev", "rule", "severity", "signature", "signature_id",
              "xff", "metadata", "source", "target"});
  c.String(a, "action", "alert", true);
  c.String(a, "category", "alert", true);
  c.String(a, "signature", "alert", true);
  c.String(a, "rule", "alert", false);
  c.String(a, "xff", "alert", false);
  c.Integer(a, "gid", "alert", true);
  c.Integer(a, "rev", "alert", true);
  c.Integer(a, "severity", "alert", true);
  c.Integer(a, "signature_id", "alert", true);
  if (!c.ok()) return c.result();
  if (a["action"] != "allowed" && a["action"] != "blocked")
    c.Fail("alert.action", "expected \"allowed\" or \"blocked\"");
  const auto severity = a["severity"].get<int64_t>();
  if (severity < 1 || severity > 3) c.Fail("alert.severity", "expected 1..3");

  if (!r.contains("metadata")) {
    c.Fail("metadata", "required (holds the vigil object)");
    return c.result();
  }
  const json& m = r["metadata"];
  c.OnlyKeys(m, "metadata", {"flowbits", "flowvars", "pktvars", "flowints"});
  const json* fv = c.Get(m, "flowvars", "metadata", true);
  if (!c.ok()) return c.result();
  if (!fv->is_array()) return "metadata.flowvars: expected an array";
  for (const json& item : *fv) {
    if (!item.is_object()) return "metadata.flowvars: expected objects";
    for (const char* k : {"gid", "key", "value"})
      if (item.contains(k) && !item[k].is_string())
        return std::string("metadata.flowvars.") + k + ": expected a string";
  }
  if (fv->size() != 1 || !(*fv)[0].contains("vigil") || (*fv)[0].size() != 1)
    return "metadata.flowvars: expected exactly one item, {\"vigil\": {...}}";
  CheckVigil(c, (*fv)[0]["vigil"]);
  return c.result();
}

std::string CheckEveAlertLine(std::string_view line) {
  const json j = json::parse(line, nullptr, false);
  if (j.is_discarded()) return "not valid JSON";
  return CheckEveAlert(j);
}

std::string CheckEveFile(const std::string& path, size_t* lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open";
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (std::string why = CheckEveAlertLine(line); !why.empty())
      return path + ":" + std::to_string(n) + ": " + why;
  }
  if (lines) *lines = n;
  return {};
}

}  // namespace vigil::ids
