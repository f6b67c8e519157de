// The National Early Warning Score 2 (Royal College of Physicians, NEWS2, 2017): the
// score of each parameter, the aggregate, its band and the clinical response it implies.
// Pure functions of their inputs: no clock, no state. The engine (clinical_engine.h)
// gathers the inputs and says where each came from; docs/clinical.md has the chart.
//
// Values are scored as a nurse charts them: rounded to the chart's resolution (whole
// numbers; temperature to 0.1 degC), halves away from zero, before the band is looked up.
// So 20.4 breaths/min scores as 20 and 20.5 as 21.
//
// A score built from fewer than all parameters is a lower bound of the true score (every
// missing term would add zero or more); `complete` says whether it is the score, and every
// term states its source and age, so that a partial score can never pass for a full one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/time.h"

namespace vigil::clinical {

// The seven NEWS2 parameters, in the chart's order.
enum class News2Param : uint8_t {
  kRespRate,
  kSpO2,
  kAirOrOxygen,
  kSystolic,
  kPulse,
  kConsciousness,
  kTemperature,
};
inline constexpr size_t kNews2ParamCount = 7;
std::string_view News2ParamName(News2Param p);  // "resp_rate", "spo2", "air_or_oxygen", ...

// ACVPU: new confusion (C), voice (V), pain (P), unresponsive (U) all score 3.
enum class Consciousness : uint8_t { kAlert, kConfusion, kVoice, kPain, kUnresponsive };
std::string_view ConsciousnessName(Consciousness c);  // "alert", "confusion", ...
std::optional<Consciousness> ConsciousnessFromName(std::string_view s);

// Scale 1 for everyone, scale 2 only for patients with hypercapnic respiratory failure
// for whom a clinician has prescribed a target saturation of 88-92 % (RCP NEWS2, ch. 4).
enum class SpO2Scale : uint8_t { kScale1 = 1, kScale2 = 2 };

// Per-parameter scores (0..3) of the chart.
int ScoreRespRate(double breaths_per_min);
int ScoreSpO2(double percent, SpO2Scale scale, bool on_oxygen);
int ScoreAirOrOxygen(bool on_oxygen);
int ScoreSystolic(double mmhg);
int ScorePulse(double per_min);
int ScoreConsciousness(Consciousness c);
int ScoreTemperature(double celsius);

// The chart's bands of the aggregate. kLowMedium is "a score of 3 in any single parameter"
// while the aggregate is 0-4; an aggregate of 5 or more is medium or high whatever the
// single scores are.
enum class News2Band : uint8_t { kLow, kLowMedium, kMedium, kHigh };
std::string_view News2BandName(News2Band b);  // "low", "low_medium", "medium", "high"
News2Band BandFor(int aggregate, bool any_single_three);

// What the RCP chart asks of the ward for a score (chart 3, "clinical response").
struct News2Response {
  News2Band band = News2Band::kLow;
  std::string_view monitoring;  // minimum frequency of observations
  std::string_view response;    // who is told, who assesses
};
News2Response ResponseFor(int aggregate, bool any_single_three);

// Where a term's value came from. Consciousness and air/oxygen cannot be measured by the
// sensors: they come from a clinician's entry, the patient's configuration, or (for
// consciousness only) are assumed Alert, and each score says which.
enum class TermSource : uint8_t {
  kMeasured,        // a valid device reading, fresh
  kStale,           // a device reading older than its maximum age: not scored
  kMissing,         // no valid reading at all: not scored
  kClinicianEntry,  // entered at the bedside or the nurse station
  kPatientConfig,   // from the patient's configuration (on_oxygen)
  kAssumed,         // no entry: consciousness taken as Alert
};
std::string_view TermSourceName(TermSource s);

struct News2Term {
  News2Param param = News2Param::kRespRate;
  TermSource source = TermSource::kMissing;
  std::optional<double> value;        // the measured value (terms from a device); none otherwise
  int score = 0;                      // 0 when not scored (stale or missing)
  std::optional<TimeUs> observed_at;  // when measured or entered; none for config/assumed
  TimeUs age = 0;                     // now - observed_at (0 without observed_at)
  bool scored() const { return source != TermSource::kStale && source != TermSource::kMissing; }
};

// The inputs of one score. A measured parameter is absent (nullopt) when the engine has
// no fresh value for it; `stale` then says whether there was an old one.
struct News2Inputs {
  struct Measured {
    std::optional<double> value;
    TimeUs observed_at = 0;
    bool stale = false;  // a value exists but is too old; `value` holds it, not scored
  };
  Measured resp_rate, spo2, systolic, pulse, temperature;
  SpO2Scale scale = SpO2Scale::kScale1;
  bool on_oxygen = false;
  TermSource oxygen_source = TermSource::kPatientConfig;
  std::optional<TimeUs> oxygen_at;  // set for a clinician entry
  Consciousness consciousness = Consciousness::kAlert;
  TermSource consciousness_source = TermSource::kAssumed;
  std::optional<TimeUs> consciousness_at;  // set for a clinician entry
};

struct News2Score {
  int aggregate = 0;  // sum of the scored terms (a lower bound when !complete)
  bool any_single_three = false;
  bool complete = false;  // every measured parameter present and fresh
  bool consciousness_assumed = false;
  News2Band band = News2Band::kLow;  // of `aggregate`: "at least" when !complete
  SpO2Scale scale = SpO2Scale::kScale1;
  TimeUs computed_at = 0;
  TimeUs oldest_input_age = 0;  // the oldest scored measured term's age
  std::array<News2Term, kNews2ParamCount> terms{};
  const News2Term& term(News2Param p) const { return terms[static_cast<size_t>(p)]; }
};

// Scores `in` at time `now` (ages are now - observed_at).
News2Score ScoreNews2(const News2Inputs& in, TimeUs now);

}  // namespace vigil::clinical
