#include "edge/clinical/news2.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace vigil::clinical {
namespace {

nlohmann::json LoadCases(const std::string& name) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/testdata/news2/" + name);
  EXPECT_TRUE(in.good()) << name;
  return nlohmann::json::parse(in);
}

SpO2Scale ScaleOf(const nlohmann::json& j) {
  return j.value("scale", 1) == 2 ? SpO2Scale::kScale2 : SpO2Scale::kScale1;
}

// Chart 1, one band edge at a time: a wrong comparison (< for <=) or a band shifted by one
// fails exactly the case at that edge.
TEST(News2, News2MatchesPublishedTableCaseByCase) {
  const nlohmann::json cases = LoadCases("parameters.json")["cases"];
  ASSERT_GT(cases.size(), 80u);
  for (const nlohmann::json& c : cases) {
    const std::string param = c["param"];
    const int want = c["score"];
    int got = -1;
    if (param == "resp_rate") {
      got = ScoreRespRate(c["value"]);
    } else if (param == "spo2") {
      got = ScoreSpO2(c["value"], ScaleOf(c), c["on_oxygen"]);
    } else if (param == "air_or_oxygen") {
      got = ScoreAirOrOxygen(c["on_oxygen"]);
    } else if (param == "systolic") {
      got = ScoreSystolic(c["value"]);
    } else if (param == "pulse") {
      got = ScorePulse(c["value"]);
    } else if (param == "consciousness") {
      const std::optional<Consciousness> level =
          ConsciousnessFromName(c["level"].get<std::string>());
      ASSERT_TRUE(level) << c.dump();
      got = ScoreConsciousness(*level);
    } else if (param == "temperature") {
      got = ScoreTemperature(c["value"]);
    } else {
      FAIL() << "unknown parameter in test data: " << param;
    }
    EXPECT_EQ(got, want) << c.dump();
  }
}

// Chart 3: the aggregate, the single-parameter-3 rule, the bands and the monitoring each
// implies, plus incomplete scores.
TEST(News2, AggregateBandsAndResponseMatchPublishedChart) {
  const nlohmann::json cases = LoadCases("aggregate.json")["cases"];
  ASSERT_GT(cases.size(), 10u);
  constexpr TimeUs kNow = 1000 * kSeconds;
  for (const nlohmann::json& c : cases) {
    const nlohmann::json& in = c["inputs"];
    std::vector<std::string> stale;
    if (in.contains("stale")) stale = in["stale"].get<std::vector<std::string>>();
    auto measured = [&](const char* key) {
      News2Inputs::Measured m;
      if (in.contains(key)) {
        m.value = in[key].get<double>();
        m.observed_at = kNow - 30 * kSeconds;
        m.stale = std::find(stale.begin(), stale.end(), key) != stale.end();
      }
      return m;
    };
    News2Inputs x;
    x.resp_rate = measured("resp_rate");
    x.spo2 = measured("spo2");
    x.systolic = measured("systolic");
    x.pulse = measured("pulse");
    x.temperature = measured("temperature");
    x.scale = ScaleOf(in);
    x.on_oxygen = in["on_oxygen"];
    const std::optional<Consciousness> level =
        ConsciousnessFromName(in["consciousness"].get<std::string>());
    ASSERT_TRUE(level) << c["name"];
    x.consciousness = *level;
    x.consciousness_source = TermSource::kClinicianEntry;
    x.consciousness_at = kNow;
    const News2Score s = ScoreNews2(x, kNow);
    const nlohmann::json& want = c["expect"];
    EXPECT_EQ(s.aggregate, want["aggregate"].get<int>()) << c["name"];
    EXPECT_EQ(s.any_single_three, want["any_single_three"].get<bool>()) << c["name"];
    EXPECT_EQ(News2BandName(s.band), want["band"].get<std::string>()) << c["name"];
    EXPECT_EQ(s.complete, want["complete"].get<bool>()) << c["name"];
    EXPECT_EQ(ResponseFor(s.aggregate, s.any_single_three).monitoring,
              want["monitoring"].get<std::string>())
        << c["name"];
  }
}

TEST(News2, BandEdgesOfTheAggregate) {
  EXPECT_EQ(BandFor(0, false), News2Band::kLow);
  EXPECT_EQ(BandFor(4, false), News2Band::kLow);
  EXPECT_EQ(BandFor(3, true), News2Band::kLowMedium);
  EXPECT_EQ(BandFor(4, true), News2Band::kLowMedium);
  EXPECT_EQ(BandFor(5, false), News2Band::kMedium);
  EXPECT_EQ(BandFor(5, true), News2Band::kMedium);
  EXPECT_EQ(BandFor(6, true), News2Band::kMedium);
  EXPECT_EQ(BandFor(7, false), News2Band::kHigh);
  EXPECT_EQ(BandFor(20, true), News2Band::kHigh);
}

// A score whose inputs are stale must say so term by term: neither `complete` nor the
// stale terms' scores may suggest it is the patient's score.
TEST(News2, ScoreFromStaleInputsDoesNotLookComplete) {
  constexpr TimeUs kNow = 3600 * kSeconds;
  News2Inputs x;
  x.resp_rate = {30.0, kNow - 10 * 60 * kSeconds, true};  // would score 3
  x.spo2 = {97.0, kNow - 5 * kSeconds, false};
  x.pulse = {70.0, kNow - 5 * kSeconds, false};
  const News2Score s = ScoreNews2(x, kNow);
  EXPECT_FALSE(s.complete);
  EXPECT_EQ(s.aggregate, 0);
  EXPECT_EQ(s.term(News2Param::kRespRate).source, TermSource::kStale);
  EXPECT_EQ(s.term(News2Param::kRespRate).score, 0);
  EXPECT_EQ(s.term(News2Param::kRespRate).age, 10 * 60 * kSeconds);
  EXPECT_EQ(s.term(News2Param::kSystolic).source, TermSource::kMissing);
  EXPECT_EQ(s.term(News2Param::kTemperature).source, TermSource::kMissing);
  EXPECT_EQ(s.term(News2Param::kSpO2).source, TermSource::kMeasured);
  EXPECT_EQ(s.oldest_input_age, 5 * kSeconds);
  EXPECT_TRUE(s.consciousness_assumed);
  EXPECT_EQ(s.term(News2Param::kConsciousness).source, TermSource::kAssumed);
  EXPECT_EQ(s.term(News2Param::kAirOrOxygen).source, TermSource::kPatientConfig);
}

}  // namespace
}  // namespace vigil::clinical
