// Deterioration episodes a scenario schedules for one patient (docs/telemetry.md,
// "Physiology model"). Typed, bounded and heap-free, so that a scenario loader, the
// device CLI and tests fill the same struct, and a PatientModel stays embeddable.
//
// An episode's effect rises from 0 at `onset` to `severity` at onset + ramp (a smoothstep,
// so the vitals bend instead of kinking), holds for `duration`, then falls back over
// another `ramp`. Effects of overlapping episodes add.
//   sepsis       heart rate, respiratory rate and temperature up; systolic and diastolic
//                down; SpO2 slightly down; glucose up (stress hyperglycaemia)
//   hypoxia      SpO2 down; respiratory rate and heart rate up
//   hypotension  systolic and diastolic down; heart rate up (baroreflex)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/time.h"

namespace vigil {

enum class EpisodeKind : uint8_t { kSepsis, kHypoxia, kHypotension };

// Stable names ("sepsis", "hypoxia", "hypotension"): scenario files and the CLI use them.
std::string_view EpisodeKindName(EpisodeKind k);
std::optional<EpisodeKind> EpisodeKindFromName(std::string_view name);

struct Episode {
  EpisodeKind kind = EpisodeKind::kSepsis;
  TimeUs onset = 0;                  // on the patient's time axis (the driver's `now`)
  TimeUs ramp = 30 * 60 * kSeconds;  // from onset to full severity, and back at the end
  double severity = 1.0;             // 0 < severity <= 1: the fraction of the full effect
  TimeUs duration = kNever;          // at full severity; kNever: until the end of the run
};

// kOk, or kInvalidArgument with `why` (a static string, may be null) naming the field:
// onset < 0, ramp <= 0, severity outside (0, 1], duration < 0.
Error CheckEpisode(const Episode& e, const char** why);

// The weight (0..severity) of `e` at time t.
double EpisodeWeight(const Episode& e, TimeUs t);

class EpisodeSchedule {
 public:
  static constexpr size_t kMaxEpisodes = 8;
  // Errors: CheckEpisode's, kNoBufs when kMaxEpisodes are scheduled.
  Error Add(const Episode& e, const char** why = nullptr);
  std::span<const Episode> episodes() const { return {episodes_.data(), count_}; }
  size_t size() const { return count_; }

 private:
  std::array<Episode, kMaxEpisodes> episodes_{};
  size_t count_ = 0;
};

// The text form of the device CLI (and of any single-line scenario field):
//   KIND[,onset=DUR][,ramp=DUR][,severity=X][,duration=DUR]
// where DUR is a number with a unit s, m or h ("90s", "2h", "1.5m"). Example:
//   "sepsis,onset=2h,ramp=30m,severity=0.8"
// Errors: kInvalidArgument with `why` set to one line naming the part that is wrong.
Error ParseEpisode(std::string_view text, Episode* out, std::string* why);

}  // namespace vigil
