// The physiological truth of one patient, which every sensor on that patient samples
// (docs/telemetry.md, "Physiology model"). Not a clinical simulator: a plausible adult
// ward patient whose vitals wander, follow a day's rhythm, and deteriorate as scheduled,
// so that the edge's validation, alarms and scores have realistic input.
//
// Deterministic and stateless: At(t) is a pure function of the seed, the baseline, the
// episode schedule and t. Several devices on one bed share one PatientModel and see the
// same patient whatever order and rate they sample it at; adding a device to a bed
// changes nothing the others report. Variability is smooth value noise (random values on
// a lattice of times, drawn from the seed, cosine-interpolated), at two time scales per
// vital; no state advances between calls, so there is nothing to step.
//
// No heap, no clock (sans-IO: `t` is the driver's time axis, the daemon's monotonic clock
// or the simulator's virtual one). Thread-safety: const methods may run concurrently.
#pragma once

#include <cstdint>

#include "common/error.h"
#include "common/time.h"
#include "device/episode.h"

namespace vigil {

// The truth (no sensor error), in clinical units.
struct Physiology {
  double heart_rate = 0;   // beats/min
  double resp_rate = 0;    // breaths/min
  double spo2 = 0;         // %
  double temperature = 0;  // degC, core
  double systolic = 0;     // mmHg
  double diastolic = 0;    // mmHg
  double glucose = 0;      // mmol/L
};

class PatientModel {
 public:
  // A patient with a baseline drawn from `seed` (DrawBaseline).
  explicit PatientModel(uint64_t seed);
  PatientModel(uint64_t seed, const Physiology& baseline);

  // Schedules an episode; errors as EpisodeSchedule::Add.
  Error AddEpisode(const Episode& e, const char** why = nullptr) { return episodes_.Add(e, why); }
  const EpisodeSchedule& episodes() const { return episodes_; }
  const Physiology& baseline() const { return baseline_; }
  uint64_t seed() const { return seed_; }

  // The patient at time t.
  Physiology At(TimeUs t) const;

  // An adult at rest: heart rate 62-88, respiratory rate 12-18, SpO2 95.5-98.5 %,
  // temperature 36.4-37.1 degC, systolic 108-138 with diastolic at 58-68 % of it,
  // glucose 4.6-6.8 mmol/L, uniformly from the seed.
  static Physiology DrawBaseline(uint64_t seed);

 private:
  uint64_t seed_;
  Physiology baseline_;
  double circadian_phase_;  // radians
  EpisodeSchedule episodes_;
};

}  // namespace vigil
