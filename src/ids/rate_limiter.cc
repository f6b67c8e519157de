#include "ids/rate_limiter.h"

#include <algorithm>
#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

uint64_t TrackedKey(ThresholdTrack track, const Alert& a) {
  switch (track) {
    case ThresholdTrack::kByDevice:
      return a.uid;
    case ThresholdTrack::kBySrc:
      return a.link != 0 ? a.link : a.uid;
    case ThresholdTrack::kByDst:
      return a.observer;
    case ThresholdTrack::kByRule:
      return 0;
  }
  return 0;
}

}  // namespace

RateLimiter::RateLimiter(const RateLimitConfig& config, size_t max_keys)
    : config_(config), windows_(max_keys) {
  for (const ThresholdRule& r : config_.rules) rules_.emplace(r.signature_id, r);
}

RateLimiter::Limit RateLimiter::LimitFor(int signature_id) const {
  auto it = rules_.find(signature_id);
  if (it != rules_.end() && !it->second.suppress) {
    return {it->second.track, it->second.count, it->second.period};
  }
  return {config_.track, config_.count, config_.period};
}

bool RateLimiter::Admit(const Alert& alert, AlertOut& out) {
  OnTime(alert.time, out);
  auto rule = rules_.find(alert.signature_id);
  if (rule != rules_.end() && rule->second.suppress &&
      (rule->second.device_uid == 0 || rule->second.device_uid == alert.uid)) {
    ++suppressed_;
    return false;
  }
  const Limit limit = LimitFor(alert.signature_id);
  Window& w = windows_.Touch({alert.signature_id, TrackedKey(limit.track, alert)});
  if (w.count == 0 || alert.time - w.start >= limit.period) {
    w.start = alert.time;
    w.count = 0;
  }
  if (w.count >= limit.count) {
    Hold(alert, limit.period);
    return false;
  }
  if (config_.max_alerts_per_second > 0) {
    const int64_t second = FloorDiv(alert.time, kSeconds);
    if (second != second_) {
      second_ = second;
      second_count_ = 0;
    }
    if (second_count_ >= config_.max_alerts_per_second) {
      Hold(alert, limit.period);
      return false;
    }
    ++second_count_;
  }
  ++w.count;
  return true;
}

void RateLimiter::Hold(const Alert& alert, TimeUs period) {
  ++held_back_;
  auto [it, fresh] = pending_.try_emplace(alert.signature_id);
  Pending& p = it->second;
  if (fresh) {
    p.due = alert.time + period;
    p.period = period;
  }
  ++p.count;
  p.observer = alert.observer;
  if (alert.uid != 0) {
    if (p.devices.count(alert.uid) != 0) {
      // already named
    } else if (p.devices.size() < config_.summary_max_devices) {
      p.devices.insert(alert.uid);
    } else {
      ++p.unlisted;
    }
  }
}

TimeUs RateLimiter::NextDeadline() const {
  TimeUs next = kNever;
  for (const auto& [id, p] : pending_) next = std::min(next, p.due);
  return next;
}

void RateLimiter::OnTime(TimeUs now, AlertOut& out) {
  for (;;) {
    auto due = pending_.end();
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->second.due <= now && (due == pending_.end() || it->second.due < due->second.due)) {
        due = it;
      }
    }
    if (due == pending_.end()) return;
    Alert summary = Summary(due->first, due->second);
    pending_.erase(due);
    out.Raise(std::move(summary));
  }
}

Alert RateLimiter::Summary(int signature_id, const Pending& p) const {
  Alert a = MakeAlert(sig::kAlertsSuppressed);
  a.time = p.due;
  a.observer = p.observer;
  if (p.devices.size() == 1 && p.unlisted == 0) a.uid = *p.devices.begin();
  const Signature* s = FindSignature(signature_id);
  a.detail = "suppressed " + std::to_string(p.count) + " alert(s) of signature " +
             std::to_string(signature_id) + (s ? " (" + std::string(s->name) + ")" : "") +
             " in the last " + FormatDuration(p.period);
  if (!p.devices.empty()) {
    a.detail += "; devices:";
    for (uint64_t d : p.devices) a.detail += " " + UidToString(d);
  }
  if (p.unlisted > 0) {
    a.detail += "; " + std::to_string(p.unlisted) + " more naming devices not listed";
  }
  SuppressedAlerts sa;
  sa.signature_id = signature_id;
  sa.count = p.count;
  sa.period = p.period;
  sa.devices.assign(p.devices.begin(), p.devices.end());
  sa.unlisted = p.unlisted;
  a.suppressed = std::move(sa);
  return a;
}

}  // namespace vigil::ids
