// The whole evaluation of seed 000 section 4 on one scenario and seed: Table 1 (timing
// phase), the benign false-positive phase, and one day per protocol version with the
// same hospital and the same attack schedule (Table 2). The result is plain data; the
// renderers are in report.h.
//
// Reproducible: the Evaluation depends only on (scenario, options) except for the wall
// times in `performance`, which the reproducible report leaves out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "connection/wire/format.h"
#include "sim/attacks/attack.h"
#include "sim/benign.h"
#include "sim/campaign.h"
#include "sim/scenario.h"
#include "sim/table1.h"
#include "sim/testbed_config.h"

namespace vigil::sim {

struct EvaluationOptions {
  std::vector<wire::Version> versions = {wire::Version::kV1, wire::Version::kV2,
                                         wire::Version::kV3Paper, wire::Version::kHardened};
  uint64_t seed = 1;
  double hours = 0;  // 0: the scenario's
  bool table1 = true;
  bool benign = true;
  bool day = true;
  Profiles profiles;
  std::string profile_note;  // where the CPU figures come from (goes into the report)
  // phase name, fraction of that phase done
  std::function<void(const std::string&, double)> progress;
};

struct Performance {
  double table1_seconds = 0, benign_seconds = 0, day_seconds = 0, total_seconds = 0;
  std::vector<double> day_seconds_per_version;
  uint64_t frames_simulated = 0;  // data frames on air in all phases (ACKs not counted)
  double frames_per_second = 0;   // of wall time
};

struct Evaluation {
  std::string scenario;
  std::string description;
  uint64_t seed = 1;
  double hours = 24;
  size_t wards = 0;
  size_t devices = 0;
  std::string profile_note;
  std::string device_profile, cpan_profile;
  std::vector<wire::Version> versions;
  std::vector<Table1Row> table1;
  std::vector<BenignResult> benign;
  std::vector<DayResult> days;
  std::vector<AttackPlan> attacks;
  size_t attacks_dropped = 0;
  double window_s = 5;
  bool live_clone_image = false;  // [attacks] clone_image
  Performance performance;        // wall-clock: not reproducible, not in the report files
};

// Errors (unknown attack class in the scenario) are returned in `error`.
Evaluation Evaluate(const Scenario& s, const EvaluationOptions& options, std::string* error);

}  // namespace vigil::sim
