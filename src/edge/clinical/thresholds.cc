#include "edge/clinical/thresholds.h"

#include <cmath>
#include <sstream>

namespace vigil::clinical {

namespace {

std::string Num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

VitalSettings Make(std::optional<double> critical_low, std::optional<double> low,
                   std::optional<double> high, std::optional<double> critical_high,
                   double hysteresis, TimeUs clear_after, double update_step, TimeUs max_age,
                   double plausible_min, double plausible_max) {
  VitalSettings s;
  s.critical_low = critical_low;
  s.low = low;
  s.high = high;
  s.critical_high = critical_high;
  s.hysteresis = hysteresis;
  s.clear_after = clear_after;
  s.update_step = update_step;
  s.max_age = max_age;
  s.plausible_min = plausible_min;
  s.plausible_max = plausible_max;
  return s;
}

constexpr TimeUs kMinute = 60 * kSeconds;
constexpr TimeUs kHour = 60 * kMinute;
constexpr std::nullopt_t kOff = std::nullopt;

}  // namespace

// The medium-priority limits put the alarm zone on NEWS2's 3-point band for values charted
// as whole numbers (temperature: its top band, 2 points), so that a threshold alarm and the
// NEWS2 chart never disagree about a single value; docs/clinical.md gives every basis.
VitalSettings DefaultVitalSettings(Vital v, SpO2Scale scale) {
  switch (v) {
    case Vital::kHeartRate:
    case Vital::kPulseRate:
      return Make(30, 41, 130, 150, 5, 10 * kSeconds, 5, kMinute, 0, 350);
    case Vital::kSpO2:
      if (scale == SpO2Scale::kScale2)
        return Make(80, 84, kOff, kOff, 2, 10 * kSeconds, 2, kMinute, 0, 100);
      return Make(85, 92, kOff, kOff, 2, 10 * kSeconds, 2, kMinute, 0, 100);
    case Vital::kRespRate:
      return Make(kOff, 9, 24, kOff, 2, 30 * kSeconds, 2, kMinute, 0, 150);
    case Vital::kTemperature:
      return Make(kOff, 35.1, 39.0, kOff, 0.2, kMinute, 0.3, kHour, 10, 47);
    case Vital::kSystolic:
      return Make(70, 91, 219, kOff, 5, 0, 10, kHour, 0, 350);
    case Vital::kDiastolic:
      return Make(kOff, kOff, kOff, kOff, 5, 0, 10, kHour, 0, 300);
    case Vital::kGlucose:
      return Make(3.0, 4.0, kOff, kOff, 0.3, 0, 0.5, 15 * kMinute, 0, 60);
    case Vital::kInfusionRate:
      return Make(kOff, kOff, kOff, kOff, 0, 0, 1, kMinute, 0, 2000);
    case Vital::kInfusionVolume:
      return Make(kOff, kOff, kOff, kOff, 0, 0, 10, kMinute, 0, 5000);
  }
  return VitalSettings{};
}

VitalTable DefaultVitalTable(SpO2Scale scale) {
  VitalTable t;
  for (Vital v : kAllVitals) t[static_cast<size_t>(v)] = DefaultVitalSettings(v, scale);
  return t;
}

Error ValidateVitalSettings(const VitalSettings& s, std::string* field, std::string* reason) {
  auto fail = [&](const char* f, std::string r) {
    *field = f;
    *reason = std::move(r);
    return Error::kInvalidArgument;
  };
  struct Limit {
    const char* name;
    const std::optional<double>* v;
  };
  const Limit limits[] = {{"critical_low", &s.critical_low},
                          {"low", &s.low},
                          {"high", &s.high},
                          {"critical_high", &s.critical_high}};
  for (const Limit& l : limits)
    if (*l.v && !std::isfinite(**l.v)) return fail(l.name, "must be a finite number");
  if (!std::isfinite(s.hysteresis)) return fail("hysteresis", "must be a finite number");
  if (!std::isfinite(s.update_step)) return fail("update_step", "must be a finite number");
  if (!std::isfinite(s.plausible_min)) return fail("plausible_min", "must be a finite number");
  if (!std::isfinite(s.plausible_max)) return fail("plausible_max", "must be a finite number");
  if (s.plausible_min >= s.plausible_max)
    return fail("plausible_min", "must be below plausible_max (" + Num(s.plausible_max) +
                                     "), got " + Num(s.plausible_min));
  // Strictly increasing in chart order, each compared with the nearest set limit below it.
  const Limit* prev = nullptr;
  for (const Limit& l : limits) {
    if (!*l.v) continue;
    if (**l.v < s.plausible_min || **l.v > s.plausible_max)
      return fail(l.name, "must be within the plausible range " + Num(s.plausible_min) + ".." +
                              Num(s.plausible_max) + ", got " + Num(**l.v));
    if (prev && **l.v <= **prev->v)
      return fail(l.name, std::string("must be above ") + prev->name + " (" + Num(**prev->v) +
                              "), got " + Num(**l.v));
    prev = &l;
  }
  if (s.hysteresis < 0) return fail("hysteresis", "must be >= 0, got " + Num(s.hysteresis));
  const std::optional<double> low_side = s.low ? s.low : s.critical_low;
  const std::optional<double> high_side = s.high ? s.high : s.critical_high;
  if (low_side && high_side && *low_side + s.hysteresis >= *high_side - s.hysteresis)
    return fail("hysteresis", "leaves no value clear of both limits (" + Num(*low_side) + " + " +
                                  Num(s.hysteresis) + " must be below " + Num(*high_side) + " - " +
                                  Num(s.hysteresis) + ")");
  if (s.clear_after < 0 || s.clear_after > 3600 * kSeconds)
    return fail("clear_after_s", "must be 0..3600 seconds");
  if (s.update_step <= 0) return fail("update_step", "must be > 0, got " + Num(s.update_step));
  if (s.max_age <= 0 || s.max_age > 86400 * kSeconds)
    return fail("max_age_s", "must be 1..86400 seconds");
  return Error::kOk;
}

}  // namespace vigil::clinical
