#include "device/episode.h"

#include <charconv>
#include <cmath>

namespace vigil {
namespace {

double Smoothstep(double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return x * x * (3 - 2 * x);
}

bool ParseNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end && std::isfinite(*out);
}

// "90s", "30m", "2h" -> microseconds.
bool ParseDuration(std::string_view s, TimeUs* out) {
  if (s.size() < 2) return false;
  double unit;
  switch (s.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    default:
      return false;
  }
  double v;
  if (!ParseNumber(s.substr(0, s.size() - 1), &v) || v < 0 || v * unit > 1e9) return false;
  *out = static_cast<TimeUs>(std::llround(v * unit * 1e6));
  return true;
}

}  // namespace

std::string_view EpisodeKindName(EpisodeKind k) {
  switch (k) {
    case EpisodeKind::kSepsis:
      return "sepsis";
    case EpisodeKind::kHypoxia:
      return "hypoxia";
    case EpisodeKind::kHypotension:
      return "hypotension";
  }
  return "?";
}

std::optional<EpisodeKind> EpisodeKindFromName(std::string_view name) {
  for (EpisodeKind k : {EpisodeKind::kSepsis, EpisodeKind::kHypoxia, EpisodeKind::kHypotension})
    if (EpisodeKindName(k) == name) return k;
  return std::nullopt;
}

Error CheckEpisode(const Episode& e, const char** why) {
  const char* bad = nullptr;
  if (static_cast<uint8_t>(e.kind) > static_cast<uint8_t>(EpisodeKind::kHypotension)) {
    bad = "kind: not an episode kind";
  } else if (e.onset < 0) {
    bad = "onset: must not be negative";
  } else if (e.ramp <= 0) {
    bad = "ramp: must be positive";
  } else if (!(e.severity > 0 && e.severity <= 1)) {
    bad = "severity: must be in (0, 1]";
  } else if (e.duration < 0) {
    bad = "duration: must not be negative";
  }
  if (bad == nullptr) return Error::kOk;
  if (why) *why = bad;
  return Error::kInvalidArgument;
}

double EpisodeWeight(const Episode& e, TimeUs t) {
  if (t <= e.onset) return 0;
  const double ramp = static_cast<double>(e.ramp);
  const double rise = Smoothstep(static_cast<double>(t - e.onset) / ramp);
  double fall = 1;
  if (e.duration != kNever && e.onset <= kNever - e.ramp - e.duration) {
    const TimeUs end = e.onset + e.ramp + e.duration;
    if (t > end) fall = 1 - Smoothstep(static_cast<double>(t - end) / ramp);
  }
  return e.severity * rise * fall;
}

Error EpisodeSchedule::Add(const Episode& e, const char** why) {
  if (Error err = CheckEpisode(e, why); err != Error::kOk) return err;
  if (count_ == kMaxEpisodes) {
    if (why) *why = "too many episodes for one patient";
    return Error::kNoBufs;
  }
  episodes_[count_++] = e;
  return Error::kOk;
}

Error ParseEpisode(std::string_view text, Episode* out, std::string* why) {
  auto fail = [&](const std::string& msg) {
    if (why) *why = "episode \"" + std::string(text) + "\": " + msg;
    return Error::kInvalidArgument;
  };
  Episode e;
  size_t pos = 0;
  bool first = true;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    const std::string_view part =
        text.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (first) {
      first = false;
      const auto kind = EpisodeKindFromName(part);
      if (!kind)
        return fail("unknown kind \"" + std::string(part) + "\" (sepsis, hypoxia, hypotension)");
      e.kind = *kind;
      continue;
    }
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      return fail("expected key=value, got \"" + std::string(part) + "\"");
    const std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    if (key == "onset" || key == "ramp" || key == "duration") {
      TimeUs d;
      if (!ParseDuration(value, &d))
        return fail(std::string(key) + ": expected a duration such as 90s, 30m or 2h");
      (key == "onset" ? e.onset : key == "ramp" ? e.ramp : e.duration) = d;
    } else if (key == "severity") {
      if (!ParseNumber(value, &e.severity)) return fail("severity: expected a number");
    } else {
      return fail("unknown key \"" + std::string(key) + "\" (onset, ramp, severity, duration)");
    }
  }
  const char* bad = nullptr;
  if (CheckEpisode(e, &bad) != Error::kOk) return fail(bad);
  *out = e;
  return Error::kOk;
}

}  // namespace vigil
