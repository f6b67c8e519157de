// Output rate limiting of the IDS engine: Suricata's `threshold` (type limit, track
// by_src / by_dst / by_rule, plus Vigil's by_device) and `suppress`, a global cap of alerts
// per second, and one summary alert per signature for what was held back.
//
// Rules (RateLimitConfig in ids_config.h), applied to each alert in order:
//   1. A suppress rule for the signature (and the alert's device, or every device): the
//      alert is not written and not summarised.
//   2. The signature's limit (its own rule, or the default): at most `count` alerts per
//      tracked key in a window of `period` that opens with the key's first alert after the
//      previous window closed. An alert over the limit is held back.
//   3. The global cap: at most max_alerts_per_second alerts of all signatures in one second
//      of event time ([k s, k+1 s)). An alert over the cap is held back and does not use up
//      its key's limit, so the key's next alert may still be written.
// Held-back alerts of one signature are counted from the first one; `period` later one
// summary alert (signature kAlertsSuppressed) is due: "suppressed N alerts of signature S
// in the last T s", with the distinct devices they named (up to summary_max_devices).
// Summaries are never limited: at most one per signature per period.
//
// Timing: windows run on Alert::time only. A summary due at D is emitted before any alert
// stamped D or later (Admit() settles due summaries first), and is stamped D, so the
// output does not depend on how often OnTime() runs. Key state lives in a BoundedTable
// (least recently used keys are forgotten first) and is never dropped on a timer.
//
// Not thread-safe; owned by the Engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "common/time.h"
#include "ids/alert.h"
#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class RateLimiter {
 public:
  // REQUIRES: config passed IdsConfig::Validate().
  RateLimiter(const RateLimitConfig& config, size_t max_keys);

  // True when `alert` may be written. Summaries due at or before alert.time are raised on
  // `out` first. REQUIRES: alert times non-decreasing.
  bool Admit(const Alert& alert, AlertOut& out);

  // Earliest due summary, or kNever.
  TimeUs NextDeadline() const;
  // Raises every summary due at or before `now`, in due order (ties: signature order).
  void OnTime(TimeUs now, AlertOut& out);

  uint64_t held_back() const { return held_back_; }    // summarised
  uint64_t suppressed() const { return suppressed_; }  // by suppress rules, not summarised

 private:
  struct Window {
    TimeUs start = 0;
    uint32_t count = 0;
  };
  struct Pending {
    TimeUs due = 0;
    TimeUs period = 0;
    uint64_t count = 0;
    uint64_t observer = 0;
    std::set<uint64_t> devices;
    uint64_t unlisted = 0;
  };
  struct Limit {
    ThresholdTrack track;
    uint32_t count;
    TimeUs period;
  };

  Limit LimitFor(int signature_id) const;
  void Hold(const Alert& alert, TimeUs period);
  Alert Summary(int signature_id, const Pending& p) const;

  RateLimitConfig config_;
  std::map<int, ThresholdRule> rules_;
  BoundedTable<std::pair<int, uint64_t>, Window> windows_;
  int64_t second_ = INT64_MIN;
  uint32_t second_count_ = 0;
  std::map<int, Pending> pending_;
  uint64_t held_back_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace vigil::ids
