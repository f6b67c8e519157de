#include "ids/detectors/flooding.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

constexpr uint8_t kAttempts = 0;
constexpr uint8_t kDrops = 1;

std::string SourceText(const Event& e) {
  return e.link != 0 ? "link " + UidToString(e.link) : "claimed device " + UidToString(e.uid);
}

}  // namespace

FloodingDetector::FloodingDetector(const FloodingConfig& config, size_t max_keys)
    : config_(config), sources_(max_keys) {
  total_.burst = BurstCounter(config_.total_threshold, config_.window);
}

FloodingDetector::Counter& FloodingDetector::Source(const Key& key, uint32_t threshold) {
  if (Counter* c = sources_.Find(key)) {
    sources_.Touch(key);
    return *c;
  }
  Counter& c = sources_.Touch(key);
  c.burst = BurstCounter(threshold, config_.window);
  return c;
}

void FloodingDetector::OnEvent(const Event& e, AlertOut& out) {
  const uint64_t source = e.link != 0 ? e.link : e.uid;
  if (e.kind == EventKind::kAssociationAttempt) {
    Counter& c = Source({kAttempts, source}, config_.per_link_threshold);
    if (c.burst.Add(e.time) && c.holdoff.Ready(e.time, config_.holdoff)) {
      c.holdoff.Mark(e.time);
      Alert a = MakeAlert(sig::kAssociationFloodLink);
      a.time = e.time;
      a.uid = e.uid;
      a.observer = e.observer;
      a.link = e.link;
      a.detail = std::to_string(config_.per_link_threshold) + " association requests from " +
                 SourceText(e) + " within " + FormatDuration(config_.window) + " at coordinator " +
                 UidToString(e.observer);
      out.Raise(std::move(a));
    }
    if (total_.burst.Add(e.time) && total_.holdoff.Ready(e.time, config_.holdoff)) {
      total_.holdoff.Mark(e.time);
      Alert a = MakeAlert(sig::kAssociationFloodTotal);
      a.time = e.time;
      a.observer = e.observer;  // uid and link stay 0: many sources
      a.detail = std::to_string(config_.total_threshold) +
                 " association requests from all sources within " + FormatDuration(config_.window) +
                 " (latest at coordinator " + UidToString(e.observer) + ")";
      out.Raise(std::move(a));
    }
  } else if (e.kind == EventKind::kRateLimited) {
    Counter& c = Source({kDrops, source}, config_.rate_limited_threshold);
    if (c.burst.Add(e.time) && c.holdoff.Ready(e.time, config_.holdoff)) {
      c.holdoff.Mark(e.time);
      Alert a = MakeAlert(sig::kRateLimited);
      a.time = e.time;
      a.uid = e.uid;
      a.observer = e.observer;
      a.link = e.link;
      a.detail = "rate limiter at " + UidToString(e.observer) + " dropped input from " +
                 SourceText(e) + " (message type " + std::to_string(e.msg_type) + ")";
      if (config_.rate_limited_threshold > 1) {
        a.detail += "; " + std::to_string(config_.rate_limited_threshold) + " drops within " +
                    FormatDuration(config_.window);
      }
      out.Raise(std::move(a));
    }
  }
}

void FloodingDetector::OnTime(TimeUs now, AlertOut&) {
  sources_.EraseIf([&](const Key&, const Counter& c) {
    return c.burst.Idle(now) && c.holdoff.Expired(now, config_.holdoff);
  });
}

}  // namespace vigil::ids
