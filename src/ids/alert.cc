#include "ids/alert.h"

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

std::string NameOr(const std::function<std::string(uint64_t)>& fn, uint64_t v,
                   uint64_t fallback_uid) {
  if (fn) {
    std::string s = fn(v);
    if (!s.empty()) return s;
  }
  return UidToString(fallback_uid);
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

std::string FormatEveJson(const Alert& alert, const EveContext& ctx) {
  // The event time plus the offset may not overflow: saturate instead of wrapping.
  int64_t unix_us = 0;
  if (__builtin_add_overflow(alert.time, ctx.epoch_offset_us, &unix_us)) {
    unix_us = alert.time > 0 ? INT64_MAX : INT64_MIN;
  }
  std::string src = alert.link != 0 ? NameOr(ctx.link_name, alert.link, alert.uid)
                                    : NameOr(ctx.node_name, alert.uid, alert.uid);
  std::string dest = NameOr(ctx.node_name, alert.observer, alert.observer);

  // ordered_json keeps Suricata's field order, which makes logs easy to eyeball and diff.
  nlohmann::ordered_json j;
  j["timestamp"] = FormatEveTimestamp(unix_us);
  j["event_type"] = "alert";
  j["src"] = std::move(src);
  j["dest"] = std::move(dest);
  j["device_uid"] = UidToString(alert.uid);
  j["alert"] = {{"signature", alert.signature},
                {"signature_id", alert.signature_id},
                {"severity", alert.severity},
                {"category", alert.category}};
  j["detector"] = alert.detector;
  j["detail"] = alert.detail;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace vigil::ids
