#include "ids/alert.h"

#include <arpa/inet.h>

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/hex.h"

namespace vigil::ids {
namespace {

// Days since 1970-01-01 -> proleptic Gregorian date (H. Hinnant's days_from_civil
// inverse); exact for the whole int64 range that Unix microseconds can reach.
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

EveEndpoint Resolve(const std::function<EveEndpoint(uint64_t)>& fn, uint64_t v) {
  if (!fn || v == 0) return {};
  EveEndpoint e = fn(v);
  // A resolver that hands back something that is not an address still names the end.
  if (!e.ip.empty() && !IsIpAddress(e.ip)) {
    if (e.node.empty()) e.node = e.ip;
    e.ip.clear();
  }
  if (e.ip.empty()) e.port = 0;
  return e;
}

void Fnv1a(uint64_t& h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
  h *= 0x100000001b3ULL;
}

}  // namespace

std::string FormatEveTimestamp(int64_t unix_us) {
  const int64_t secs = FloorDiv(unix_us, 1000000);
  const int64_t micros = unix_us - secs * 1000000;
  const int64_t days = FloorDiv(secs, 86400);
  const int64_t sod = secs - days * 86400;
  int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  CivilFromDays(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf,
                "%04" PRId64
                "-%02u-%02u"
                "T%02d:%02d:%02d.%06d+0000",
                y, m, d, static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                static_cast<int>(sod % 60), static_cast<int>(micros));
  return buf;
}

std::string FormatDuration(TimeUs d) {
  if (d < 0) d = 0;
  return std::to_string(d / kSeconds) + "." + std::to_string((d % kSeconds) / 100000) + " s";
}

EveEndpoint EveEndpointFromHostPort(std::string_view text) {
  EveEndpoint e;
  const size_t colon = text.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < text.size()) {
    std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    const std::string ip(host);
    if (ec == std::errc() && end == port.data() + port.size() && value <= 65535 &&
        IsIpAddress(ip)) {
      e.ip = ip;
      e.port = static_cast<uint16_t>(value);
      return e;
    }
  }
  e.node = std::string(text);
  return e;
}

int64_t EveFlowId(const EveEndpoint& src, const EveEndpoint& dest) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const EveEndpoint* e : {&src, &dest}) {
    Fnv1a(h, e->ip);
    Fnv1a(h, std::to_string(e->port));
    Fnv1a(h, e->node);
  }
  return static_cast<int64_t>(h & 0x7ffffffffffffULL);
}

std::string FormatEveJson(const Alert& alert, const EveContext& ctx) {
  // The event time plus the offset may not overflow: saturate instead of wrapping.
  int64_t unix_us = 0;
  if (__builtin_add_overflow(alert.time, ctx.epoch_offset_us, &unix_us)) {
    unix_us = alert.time > 0 ? INT64_MAX : INT64_MIN;
  }
  const EveEndpoint src = alert.link != 0 ? Resolve(ctx.link_endpoint, alert.link)
                                          : Resolve(ctx.node_endpoint, alert.uid);
  const EveEndpoint dest = Resolve(ctx.node_endpoint, alert.observer);

  // ordered_json keeps Suricata's field order, which makes logs easy to eyeball and diff.
  nlohmann::ordered_json j;
  j["timestamp"] = FormatEveTimestamp(unix_us);
  j["flow_id"] = EveFlowId(src, dest);
  j["event_type"] = "alert";
  if (!src.ip.empty()) {
    j["src_ip"] = src.ip;
    j["src_port"] = src.port;
  }
  if (!dest.ip.empty()) {
    j["dest_ip"] = dest.ip;
    j["dest_port"] = dest.port;
  }
  if ((!src.ip.empty() || !dest.ip.empty()) && !ctx.proto.empty()) j["proto"] = ctx.proto;
  j["alert"] = {{"action", alert.action == AlertAction::kBlocked ? "blocked" : "allowed"},
                {"gid", kEveGid},
                {"signature_id", alert.signature_id},
                {"rev", alert.rev},
                {"signature", alert.signature},
                {"category", alert.category},
                {"severity", alert.severity}};

  // Vigil's own fields, in one object. Suricata's schema closes the top level
  // (additionalProperties false); metadata.flowvars items are the open objects an alert
  // may carry, so the object is one flow variable named "vigil".
  nlohmann::ordered_json v;
  v["device_uid"] = UidToString(alert.uid);
  v["observer"] = UidToString(alert.observer);
  v["detector"] = alert.detector;
  if (!src.node.empty()) v["src_node"] = src.node;
  if (!dest.node.empty()) v["dest_node"] = dest.node;
  v["detail"] = alert.detail;
  if (alert.suppressed) {
    const SuppressedAlerts& s = *alert.suppressed;
    nlohmann::ordered_json devices = nlohmann::ordered_json::array();
    for (uint64_t d : s.devices) devices.push_back(UidToString(d));
    v["suppressed"] = {{"signature_id", s.signature_id},
                       {"count", s.count},
                       {"seconds", s.period / kSeconds},
                       {"devices", std::move(devices)},
                       {"unlisted", s.unlisted}};
  }
  nlohmann::ordered_json flowvar = nlohmann::ordered_json::object();
  flowvar["vigil"] = std::move(v);
  nlohmann::ordered_json flowvars = nlohmann::ordered_json::array();
  flowvars.push_back(std::move(flowvar));
  j["metadata"]["flowvars"] = std::move(flowvars);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace vigil::ids
