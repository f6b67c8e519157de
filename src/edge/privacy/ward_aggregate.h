// Differentially private ward aggregates for research export (docs/privacy.md, "Research
// export"): the mean of a vital over a ward and period, and counts of patients.
//
// Unit of privacy: one patient. Neighbouring datasets differ by one patient's presence
// (added or removed), so the release also hides whether a given patient was on the ward.
// Each patient contributes one value per query: the mean of their readings in the
// period, grouped by pseudonym here, so a patient with many readings weighs no more than
// one with few.
//
// Mechanism (ward mean), with bounds [lo, hi] and resolution r declared per query:
//   x_i = clamp(patient mean, lo, hi), quantised to u_i = round(x_i / r);
//   centre c = floor((lo_u + hi_u) / 2); sensitivity D = max(hi_u - c, c - lo_u) units;
//   S = sum(u_i - c) (L1 sensitivity D), n = number of patients (sensitivity 1);
//   release S + Z_S and n + Z_n, Z_S ~ DLap(D / eps_sum), Z_n ~ DLap(1 / eps_count),
//   eps_count = floor(eps / 2), eps_sum = eps - eps_count (in micro-epsilon);
//   mean = clamp((c + (S + Z_S) / max(n + Z_n, 1)) * r, lo, hi)  (post-processing).
// By sequential composition the pair is (eps_sum + eps_count) = eps-DP, charged to the
// (ward, period) budget before anything is drawn. Centring halves the sensitivity of a
// plain sum (D = (hi - lo) / 2 instead of hi).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/vitals.h"
#include "connection/crypto/provider.h"
#include "edge/privacy/privacy_budget.h"

namespace vigil::privacy {

struct ClampBounds {
  double lower = 0;
  double upper = 0;
  double resolution = 0.1;
};
// The declared bounds of each vital (heart_rate and pulse_rate [30, 200] /min, spo2
// [70, 100] %, resp_rate [4, 60] /min, temperature [33, 42] Cel, systolic [60, 240],
// diastolic [30, 140] mm[Hg], glucose [2, 30] mmol/L, infusion_rate [0, 500] mL/h,
// infusion_volume [0, 1000] mL; resolution 0.1 for all).
ClampBounds DefaultResearchBounds(Vital v);

struct PatientValue {
  std::string pseudonym;
  double value = 0;  // non-finite values are ignored
};

struct WardMeanQuery {
  std::string ward;
  std::string period;
  Vital vital = Vital::kHeartRate;
  ClampBounds bounds;
  Epsilon epsilon;  // >= 2 micro-epsilon (it is split in two)
};

struct WardMeanRelease {
  double mean = 0;       // clinical units, within the bounds
  double count = 0;      // noisy number of patients, >= 0
  double noisy_sum = 0;  // centred sum plus noise, clinical units
  // What the release was made with, for the export's metadata:
  Epsilon epsilon_sum, epsilon_count;
  double centre = 0;              // clinical units
  int64_t sensitivity_units = 0;  // D
  double sum_noise_scale = 0;     // D * r / eps_sum, clinical units
  double count_noise_scale = 0;   // 1 / eps_count, patients
};

// kInvalidArgument: bad bounds (lo < hi, resolution > 0, at most 10^6 steps between them),
// epsilon below 2 micro-epsilon. kInvalidState: the budget is spent (nothing drawn).
// kIo: the charge could not be persisted (nothing drawn). kCrypto: the random source
// failed; the budget stays charged (a refund would let a caller retry until it gets a
// draw it likes).
Error ReleaseWardMean(const WardMeanQuery& q, std::span<const PatientValue> values,
                      PrivacyBudget& budget, RandomSource& rng, WardMeanRelease* out,
                      std::string* why);

struct WardCountQuery {
  std::string ward;
  std::string period;
  Epsilon epsilon;
};
// A count of distinct patients (e.g. those whose NEWS2 reached 5), sensitivity 1:
// count + DLap(1 / eps), clamped at 0. `pseudonyms` may repeat; each counts once.
Error ReleaseWardCount(const WardCountQuery& q, std::span<const std::string> pseudonyms,
                       PrivacyBudget& budget, RandomSource& rng, double* out, std::string* why);

}  // namespace vigil::privacy
