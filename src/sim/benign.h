// The false-positive measurement: the hospital with no attacker, on lossy links, with
// devices disrupted far more often than on a normal day (reboots, walks out of coverage,
// on top of the day's rounds, transfers, admissions and discharges), until `target`
// associations have completed. Every alert raised is a false positive.
#pragma once

#include <cstdint>
#include <vector>

#include "ids/alert.h"
#include "sim/scenario.h"
#include "sim/testbed_config.h"

namespace vigil::sim {

struct BenignResult {
  wire::Version version = wire::Version::kHardened;
  uint64_t associations = 0;
  uint64_t failed_attempts = 0;  // attempts that gave up (out of coverage, loss) and retried
  uint64_t retransmissions = 0;  // MAC retransmissions on the channel
  uint64_t frames_on_air = 0;
  uint64_t alerts = 0;               // all false positives
  std::vector<ids::Alert> examples;  // the first few
  TimeUs simulated = 0;
  double loss = 0;
  double wall_seconds = 0;
};

// Runs until `s.benign.associations` associations (or 48 simulated hours).
BenignResult RunBenign(const Scenario& s, uint64_t seed, wire::Version version,
                       const Profiles& profiles = {});

}  // namespace vigil::sim
