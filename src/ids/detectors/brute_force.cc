#include "ids/detectors/brute_force.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {
constexpr uint8_t kByUid = 0;
constexpr uint8_t kByLink = 1;
}  // namespace

BruteForceDetector::BruteForceDetector(const BruteForceConfig& config, size_t max_keys)
    : config_(config), counters_(max_keys) {}

BruteForceDetector::Counter& BruteForceDetector::Get(const Key& key) {
  if (Counter* c = counters_.Find(key)) {
    counters_.Touch(key);
    return *c;
  }
  Counter& c = counters_.Touch(key);
  c.burst = BurstCounter(config_.threshold, config_.window);
  return c;
}

void BruteForceDetector::OnEvent(const Event& e, AlertOut& out) {
  if (e.kind != EventKind::kAuthFailed && e.kind != EventKind::kCpanAuthFailed) return;
  const std::string what =
      e.kind == EventKind::kAuthFailed ? "failed authentications" : "failed coordinator proofs";

  // Both counters see every failure, whichever alert is raised, so each keeps an exact
  // picture of its own key. References into the table do not survive the next Get()
  // (it may evict), so the link entry is looked up again when it is needed.
  bool link_burst = false;
  if (e.link != 0) link_burst = Get({kByLink, e.link}).burst.Add(e.time);
  Counter& by_uid = Get({kByUid, e.uid});
  const bool uid_burst = by_uid.burst.Add(e.time);
  Counter* by_link = e.link != 0 ? counters_.Find({kByLink, e.link}) : nullptr;

  if (uid_burst && by_uid.holdoff.Ready(e.time, config_.holdoff)) {
    by_uid.holdoff.Mark(e.time);
    // The same guesser would otherwise be reported twice for one burst.
    if (by_link != nullptr) by_link->holdoff.Mark(e.time);
    Alert a = MakeAlert(sig::kBruteForceDevice);
    a.time = e.time;
    a.uid = e.uid;
    a.observer = e.observer;
    a.link = e.link;
    a.detail = std::to_string(config_.threshold) + " " + what + " for identity " +
               UidToString(e.uid) + " within " + FormatDuration(config_.window) + " (latest at " +
               UidToString(e.observer) + ")";
    out.Raise(std::move(a));
    return;
  }
  if (link_burst && by_link != nullptr && by_link->holdoff.Ready(e.time, config_.holdoff)) {
    by_link->holdoff.Mark(e.time);
    Alert a = MakeAlert(sig::kBruteForceSource);
    a.time = e.time;
    a.uid = e.uid;
    a.observer = e.observer;
    a.link = e.link;
    a.detail = std::to_string(config_.threshold) + " " + what + " from link " +
               UidToString(e.link) + " within " + FormatDuration(config_.window) +
               " (latest as identity " + UidToString(e.uid) + ")";
    out.Raise(std::move(a));
  }
}

void BruteForceDetector::OnTime(TimeUs now, AlertOut&) {
  counters_.EraseIf([&](const Key&, const Counter& c) {
    return c.burst.Idle(now) && c.holdoff.Expired(now, config_.holdoff);
  });
}

}  // namespace vigil::ids
