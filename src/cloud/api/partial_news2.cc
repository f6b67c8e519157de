#include "cloud/api/partial_news2.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "edge/clinical/news2.h"

namespace vigil::cloud::api {

nlohmann::json PartialNews2(const std::vector<StoredReading>& latest, int64_t now_ms) {
  using nlohmann::json;
  std::optional<double> rr, spo2, sys, pulse, temp;
  for (const StoredReading& r : latest) {
    if (r.quality == "invalid" || now_ms - r.time_ms > kNews2MaxAgeMs) continue;
    if (r.vital == "resp_rate") rr = r.value;
    if (r.vital == "spo2") spo2 = r.value;
    if (r.vital == "systolic") sys = r.value;
    if (r.vital == "heart_rate" || (r.vital == "pulse_rate" && !pulse)) pulse = r.value;
    if (r.vital == "temperature") temp = r.value;
  }
  int total = 0;
  bool three = false;
  json terms = json::object();
  auto add = [&](std::string_view name, std::optional<double> v, auto score) {
    if (!v) return;
    const int s = score(*v);
    total += s;
    three = three || s == 3;
    terms[std::string(name)] = s;
  };
  add("resp_rate", rr, [](double v) { return clinical::ScoreRespRate(v); });
  add("spo2", spo2,
      [](double v) { return clinical::ScoreSpO2(v, clinical::SpO2Scale::kScale1, false); });
  add("systolic", sys, [](double v) { return clinical::ScoreSystolic(v); });
  add("pulse", pulse, [](double v) { return clinical::ScorePulse(v); });
  add("temperature", temp, [](double v) { return clinical::ScoreTemperature(v); });
  if (terms.empty()) return nullptr;
  return {{"score", total},
          {"complete", false},
          {"band", clinical::News2BandName(clinical::BandFor(total, three))},
          {"terms", terms},
          {"missing", json::array({"air_or_oxygen", "consciousness"})}};
}

}  // namespace vigil::cloud::api
