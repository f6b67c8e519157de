#include "ids/ids_config.h"

#include <set>
#include <string_view>

#include "ids/signatures.h"

namespace vigil::ids {
namespace {

// Collects the first violation only: one clear message beats a list of consequences.
class Checker {
 public:
  void Positive(std::string_view field, TimeUs v) {
    if (v <= 0) Fail(field, "must be a positive time");
  }
  void AtLeastOne(std::string_view field, uint64_t v) {
    if (v < 1) Fail(field, "must be at least 1");
  }
  void Fraction(std::string_view field, double v) {
    if (!(v > 0 && v <= 1)) Fail(field, "must be in (0, 1]");
  }
  void NonNegative(std::string_view field, double v) {
    if (!(v >= 0)) Fail(field, "must be >= 0");
  }
  void NonNegativeTime(std::string_view field, TimeUs v) {
    if (v < 0) Fail(field, "must be >= 0");
  }
  std::string result() const { return error_; }

  void Fail(std::string_view field, std::string_view what) {
    if (error_.empty()) error_ = std::string(field) + " " + std::string(what);
  }

 private:
  std::string error_;
};

}  // namespace

std::string IdsConfig::Validate() const {
  Checker c;
  c.Positive("identity_theft.incident_window", identity_theft.incident_window);
  c.Positive("identity_theft.challenge_timeout", identity_theft.challenge_timeout);
  c.NonNegativeTime("auth_failure.holdoff", auth_failure.holdoff);
  c.AtLeastOne("replay.threshold", replay.threshold);
  c.Positive("replay.window", replay.window);
  c.NonNegativeTime("replay.holdoff", replay.holdoff);
  c.Positive("flooding.window", flooding.window);
  c.AtLeastOne("flooding.per_link_threshold", flooding.per_link_threshold);
  c.AtLeastOne("flooding.total_threshold", flooding.total_threshold);
  c.AtLeastOne("flooding.rate_limited_threshold", flooding.rate_limited_threshold);
  c.NonNegativeTime("flooding.holdoff", flooding.holdoff);
  c.AtLeastOne("brute_force.threshold", brute_force.threshold);
  c.Positive("brute_force.window", brute_force.window);
  c.NonNegativeTime("brute_force.holdoff", brute_force.holdoff);
  c.NonNegativeTime("broadcast_forgery.holdoff", broadcast_forgery.holdoff);
  c.NonNegativeTime("restored_registry.holdoff", restored_registry.holdoff);
  c.AtLeastOne("malformed.per_source_threshold", malformed.per_source_threshold);
  c.AtLeastOne("malformed.frame_tag_threshold", malformed.frame_tag_threshold);
  c.AtLeastOne("malformed.total_threshold", malformed.total_threshold);
  c.Positive("malformed.window", malformed.window);
  c.NonNegativeTime("malformed.holdoff", malformed.holdoff);
  c.NonNegativeTime("behaviour.travel_gap", behaviour.travel_gap);
  c.NonNegativeTime("behaviour.ghost_tolerance", behaviour.ghost_tolerance);
  c.AtLeastOne("behaviour.learning_samples", behaviour.learning_samples);
  c.Fraction("behaviour.baseline_alpha", behaviour.baseline_alpha);
  c.AtLeastOne("behaviour.rate_window_frames", behaviour.rate_window_frames);
  c.NonNegative("behaviour.rate_k_sigma", behaviour.rate_k_sigma);
  c.Fraction("behaviour.rate_min_relative", behaviour.rate_min_relative);
  c.Positive("behaviour.reassoc_window", behaviour.reassoc_window);
  c.AtLeastOne("behaviour.reassoc_min_count", behaviour.reassoc_min_count);
  c.NonNegative("behaviour.reassoc_factor", behaviour.reassoc_factor);
  c.NonNegativeTime("behaviour.holdoff", behaviour.holdoff);
  c.AtLeastOne("rate_limit.count", rate_limit.count);
  c.Positive("rate_limit.period", rate_limit.period);
  std::set<int> seen;
  for (size_t i = 0; i < rate_limit.rules.size(); ++i) {
    const ThresholdRule& r = rate_limit.rules[i];
    const std::string field = "rate_limit.rules[" + std::to_string(i) + "]";
    if (FindSignature(r.signature_id) == nullptr) {
      c.Fail(field + ".signature_id", std::to_string(r.signature_id) + " is not a signature");
    } else if (!seen.insert(r.signature_id).second) {
      c.Fail(field + ".signature_id", std::to_string(r.signature_id) + " has a rule already");
    }
    if (!r.suppress) {
      c.AtLeastOne(field + ".count", r.count);
      c.Positive(field + ".period", r.period);
    }
  }
  c.AtLeastOne("max_tracked_keys", max_tracked_keys);
  return c.result();
}

}  // namespace vigil::ids
