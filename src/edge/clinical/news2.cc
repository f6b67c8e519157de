#include "edge/clinical/news2.h"

#include <algorithm>
#include <cmath>

namespace vigil::clinical {

namespace {

// The chart records whole numbers (temperature to one decimal); std::lround rounds halves
// away from zero, as a nurse reading a display does.
long Whole(double v) { return std::lround(v); }
long Tenths(double v) { return std::lround(v * 10.0); }

}  // namespace

std::string_view News2ParamName(News2Param p) {
  switch (p) {
    case News2Param::kRespRate:
      return "resp_rate";
    case News2Param::kSpO2:
      return "spo2";
    case News2Param::kAirOrOxygen:
      return "air_or_oxygen";
    case News2Param::kSystolic:
      return "systolic";
    case News2Param::kPulse:
      return "pulse";
    case News2Param::kConsciousness:
      return "consciousness";
    case News2Param::kTemperature:
      return "temperature";
  }
  return "resp_rate";
}

std::string_view ConsciousnessName(Consciousness c) {
  switch (c) {
    case Consciousness::kAlert:
      return "alert";
    case Consciousness::kConfusion:
      return "confusion";
    case Consciousness::kVoice:
      return "voice";
    case Consciousness::kPain:
      return "pain";
    case Consciousness::kUnresponsive:
      return "unresponsive";
  }
  return "alert";
}

std::optional<Consciousness> ConsciousnessFromName(std::string_view s) {
  for (Consciousness c : {Consciousness::kAlert, Consciousness::kConfusion, Consciousness::kVoice,
                          Consciousness::kPain, Consciousness::kUnresponsive})
    if (ConsciousnessName(c) == s) return c;
  return std::nullopt;
}

// Chart 1, respiration rate: <=8: 3, 9-11: 1, 12-20: 0, 21-24: 2, >=25: 3.
int ScoreRespRate(double breaths_per_min) {
  const long v = Whole(breaths_per_min);
  if (v <= 8) return 3;
  if (v <= 11) return 1;
  if (v <= 20) return 0;
  if (v <= 24) return 2;
  return 3;
}

// Chart 1, SpO2 scale 1: <=91: 3, 92-93: 2, 94-95: 1, >=96: 0.
// Scale 2: <=83: 3, 84-85: 2, 86-87: 1, 88-92 (or >=93 on air): 0; on oxygen
// 93-94: 1, 95-96: 2, >=97: 3.
int ScoreSpO2(double percent, SpO2Scale scale, bool on_oxygen) {
  const long v = Whole(percent);
  if (scale == SpO2Scale::kScale1) {
    if (v <= 91) return 3;
    if (v <= 93) return 2;
    if (v <= 95) return 1;
    return 0;
  }
  if (v <= 83) return 3;
  if (v <= 85) return 2;
  if (v <= 87) return 1;
  if (v <= 92 || !on_oxygen) return 0;
  if (v <= 94) return 1;
  if (v <= 96) return 2;
  return 3;
}

// Chart 1, air or oxygen: oxygen 2, air 0.
int ScoreAirOrOxygen(bool on_oxygen) { return on_oxygen ? 2 : 0; }

// Chart 1, systolic blood pressure: <=90: 3, 91-100: 2, 101-110: 1, 111-219: 0, >=220: 3.
int ScoreSystolic(double mmhg) {
  const long v = Whole(mmhg);
  if (v <= 90) return 3;
  if (v <= 100) return 2;
  if (v <= 110) return 1;
  if (v <= 219) return 0;
  return 3;
}

// Chart 1, pulse: <=40: 3, 41-50: 1, 51-90: 0, 91-110: 1, 111-130: 2, >=131: 3.
int ScorePulse(double per_min) {
  const long v = Whole(per_min);
  if (v <= 40) return 3;
  if (v <= 50) return 1;
  if (v <= 90) return 0;
  if (v <= 110) return 1;
  if (v <= 130) return 2;
  return 3;
}

// Chart 1, consciousness: alert 0, new confusion, voice, pain, unresponsive 3.
int ScoreConsciousness(Consciousness c) { return c == Consciousness::kAlert ? 0 : 3; }

// Chart 1, temperature: <=35.0: 3, 35.1-36.0: 1, 36.1-38.0: 0, 38.1-39.0: 1, >=39.1: 2.
int ScoreTemperature(double celsius) {
  const long t = Tenths(celsius);
  if (t <= 350) return 3;
  if (t <= 360) return 1;
  if (t <= 380) return 0;
  if (t <= 390) return 1;
  return 2;
}

std::string_view News2BandName(News2Band b) {
  switch (b) {
    case News2Band::kLow:
      return "low";
    case News2Band::kLowMedium:
      return "low_medium";
    case News2Band::kMedium:
      return "medium";
    case News2Band::kHigh:
      return "high";
  }
  return "low";
}

// Chart 3: 7 or more high, 5-6 medium, a 3 in one parameter (aggregate 0-4) low-medium,
// otherwise low.
News2Band BandFor(int aggregate, bool any_single_three) {
  if (aggregate >= 7) return News2Band::kHigh;
  if (aggregate >= 5) return News2Band::kMedium;
  if (any_single_three) return News2Band::kLowMedium;
  return News2Band::kLow;
}

News2Response ResponseFor(int aggregate, bool any_single_three) {
  News2Response r;
  r.band = BandFor(aggregate, any_single_three);
  switch (r.band) {
    case News2Band::kHigh:
      r.monitoring = "continuous monitoring of vital signs";
      r.response =
          "emergency response: registered nurse immediately informs the medical team (at least "
          "specialist registrar level); emergency assessment by a team with critical-care "
          "competencies, including advanced airway management; consider transfer to a level 2 "
          "or 3 care facility (HDU or ICU)";
      break;
    case News2Band::kMedium:
      r.monitoring = "minimum 1-hourly";
      r.response =
          "urgent response: registered nurse immediately informs the medical team and requests "
          "urgent assessment by a clinician or team competent in the care of acutely ill "
          "patients; care in an environment with monitoring facilities";
      break;
    case News2Band::kLowMedium:
      r.monitoring = "minimum 1-hourly";
      r.response =
          "urgent ward-based response: registered nurse informs the medical team, who review "
          "and decide whether escalation of care is necessary";
      break;
    case News2Band::kLow:
      if (aggregate == 0) {
        r.monitoring = "minimum 12-hourly";
        r.response = "continue routine NEWS monitoring";
      } else {
        r.monitoring = "minimum 4-6-hourly";
        r.response =
            "ward-based response: a registered nurse assesses the patient and decides whether "
            "to increase monitoring or escalate care";
      }
      break;
  }
  return r;
}

std::string_view TermSourceName(TermSource s) {
  switch (s) {
    case TermSource::kMeasured:
      return "measured";
    case TermSource::kStale:
      return "stale";
    case TermSource::kMissing:
      return "missing";
    case TermSource::kClinicianEntry:
      return "clinician_entry";
    case TermSource::kPatientConfig:
      return "patient_config";
    case TermSource::kAssumed:
      return "assumed";
  }
  return "missing";
}

News2Score ScoreNews2(const News2Inputs& in, TimeUs now) {
  News2Score s;
  s.scale = in.scale;
  s.computed_at = now;
  s.complete = true;
  auto measured = [&](News2Param p, const News2Inputs::Measured& m, auto score_fn) {
    News2Term& t = s.terms[static_cast<size_t>(p)];
    t.param = p;
    t.value = m.value;
    if (m.value) {
      t.observed_at = m.observed_at;
      t.age = now - m.observed_at;
    }
    if (!m.value) {
      t.source = TermSource::kMissing;
    } else if (m.stale) {
      t.source = TermSource::kStale;
    } else {
      t.source = TermSource::kMeasured;
      t.score = score_fn(*m.value);
      s.oldest_input_age = std::max(s.oldest_input_age, t.age);
    }
    if (!t.scored()) s.complete = false;
  };
  measured(News2Param::kRespRate, in.resp_rate, ScoreRespRate);
  measured(News2Param::kSpO2, in.spo2,
           [&](double v) { return ScoreSpO2(v, in.scale, in.on_oxygen); });
  measured(News2Param::kSystolic, in.systolic, ScoreSystolic);
  measured(News2Param::kPulse, in.pulse, ScorePulse);
  measured(News2Param::kTemperature, in.temperature, ScoreTemperature);

  News2Term& o = s.terms[static_cast<size_t>(News2Param::kAirOrOxygen)];
  o.param = News2Param::kAirOrOxygen;
  o.source = in.oxygen_source;
  o.score = ScoreAirOrOxygen(in.on_oxygen);
  o.observed_at = in.oxygen_at;
  o.age = in.oxygen_at ? now - *in.oxygen_at : 0;

  News2Term& c = s.terms[static_cast<size_t>(News2Param::kConsciousness)];
  c.param = News2Param::kConsciousness;
  c.source = in.consciousness_source;
  c.score = ScoreConsciousness(in.consciousness);
  c.observed_at = in.consciousness_at;
  c.age = in.consciousness_at ? now - *in.consciousness_at : 0;
  s.consciousness_assumed = in.consciousness_source == TermSource::kAssumed;

  for (const News2Term& t : s.terms) {
    s.aggregate += t.score;
    s.any_single_three |= t.score == 3;
  }
  s.band = BandFor(s.aggregate, s.any_single_three);
  return s;
}

}  // namespace vigil::clinical
