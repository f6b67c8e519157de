// The privacy budget accountant of the research export (docs/privacy.md, "Budget").
//
// Sequential composition: every release about one ward in one period spends its epsilon
// from that (ward, period)'s budget; a release that would take the total beyond the
// budget is refused before any noise is drawn. Periods are labels the caller chooses
// ("2025-06-12" for a daily export); the accountant reads no clock.
//
// Durability: with a file, every charge is written (atomically, mode 0600) before the
// caller may release anything, so a restart neither forgets nor refunds what was spent; a
// charge whose write fails is refused and not counted (fail closed). The file ends with a
// SHA-256 of its content: a damaged file is refused (kCorrupt) and never silently reset
// or reread with a changed digit, since either would refill a budget.
// Without a file (tests, benchmarks) the accounts live in memory only.
//
// Epsilon is held in millionths (exact integer sums, no rounding drift): a configured
// 0.1 is 100000 micro-epsilon.
//
// Not thread-safe; one accountant per file (two processes sharing a file would each
// overwrite the other's charges).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace vigil::privacy {

struct Epsilon {
  uint64_t micro = 0;  // epsilon * 10^6
  double value() const { return static_cast<double>(micro) / 1e6; }
  auto operator<=>(const Epsilon&) const = default;
};
inline constexpr uint64_t kMicroPerEpsilon = 1000000;

// 0.000001 <= e <= 100, taken to six decimal places. kInvalidArgument otherwise.
Error EpsilonFromDouble(double e, Epsilon* out);

class PrivacyBudget {
 public:
  explicit PrivacyBudget(Epsilon per_period) : per_period_(per_period) {}

  // Binds the accountant to `path`: reads the accounts if the file exists (kCorrupt if it
  // is not a budget file, kInvalidState if group or others can access it, kIo), starts
  // empty otherwise (the file is created at the first charge). Call once, before Charge.
  Error Open(const std::string& path, std::string* why);

  // Spends `e` from (ward, period). kOk: charged (and on disk when a file is bound).
  // kInvalidState: the budget does not cover it (nothing charged; `why` names the ward,
  // the period, what is spent and what was asked). kIo: the file could not be written
  // (nothing charged). kInvalidArgument: e is zero, or ward/period is not 1-64 printable
  // characters.
  Error Charge(std::string_view ward, std::string_view period, Epsilon e, std::string* why);

  Epsilon Spent(std::string_view ward, std::string_view period) const;
  Epsilon Remaining(std::string_view ward, std::string_view period) const;
  Epsilon per_period() const { return per_period_; }

 private:
  Error Save(const std::map<std::pair<std::string, std::string>, uint64_t>& accounts,
             std::string* why) const;

  Epsilon per_period_;
  std::string path_;
  std::map<std::pair<std::string, std::string>, uint64_t> spent_;  // micro-epsilon
};

}  // namespace vigil::privacy
