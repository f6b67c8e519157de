// Prometheus' text exposition format (version 0.0.4), the one every scraper reads:
//   # HELP vigil_frames_received_total Frames the gateway received.
//   # TYPE vigil_frames_received_total counter
//   vigil_frames_received_total 1234
//   vigil_alerts_total{signature_id="9100001"} 3
// Families are written in the order they are first added; samples of one family stay
// together whatever order they are added in, as the format requires.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  enum class Type { kCounter, kGauge };

  // `name` must match [a-zA-Z_:][a-zA-Z0-9_:]* and label names [a-zA-Z_][a-zA-Z0-9_]*
  // (not starting with "__"); a sample that does not is skipped and counted in
  // invalid(): a bug, never a reason to emit an unparsable page. Label values are escaped.
  void Add(std::string_view name, Type type, std::string_view help, double value,
           const Labels& labels = {});
  void Counter(std::string_view name, std::string_view help, double value,
               const Labels& labels = {}) {
    Add(name, Type::kCounter, help, value, labels);
  }
  void Gauge(std::string_view name, std::string_view help, double value,
             const Labels& labels = {}) {
    Add(name, Type::kGauge, help, value, labels);
  }

  std::string Render() const;
  size_t invalid() const { return invalid_; }

  static bool ValidMetricName(std::string_view name);
  static bool ValidLabelName(std::string_view name);

 private:
  struct Family {
    std::string name;
    Type type;
    std::string help;
    std::vector<std::string> samples;  // rendered lines
  };
  std::vector<Family> families_;
  size_t invalid_ = 0;
};

}  // namespace vigil
