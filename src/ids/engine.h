// The IDS engine: typed security events in, alerts out.
//
// The engine knows no rules. It fans every event out to the registered detectors (in
// registration order), drives their deadlines on event time, counts events per kind, and
// hands alerts to a sink callback or queues them for PollAlert(), through an optional rate
// limiter (rate_limiter.h) that bounds what is written. It never reads a clock:
// the gateway daemon feeds it events stamped with its monotonic clock and calls Tick()
// from its timer; the simulator feeds virtual time. Identical event streams give identical
// alerts whatever the Tick() schedule (see Detector::OnTime).
//
// Typical use:
//   ids::Engine engine;
//   ids::RegisterDefaultDetectors(engine, config);      // default_detectors.h
//   engine.SetSink([&](const ids::Alert& a) { log << ids::FormatEveJson(a, ctx) << '\n'; });
//   for each core event: engine.Consume(event);
//   on a timer (or at engine.NextDeadline()): engine.Tick(now);
//
// Not thread-safe: one thread owns the engine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "common/time.h"
#include "connection/events.h"
#include "ids/alert.h"
#include "ids/detector.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class RateLimiter;

struct EngineOptions {
  // Alerts kept for PollAlert() when no sink is set. When full, new alerts are dropped
  // and counted (alerts_dropped()): a flood must not exhaust the gateway's memory.
  size_t max_queued_alerts = 4096;
};

class Engine {
 public:
  using AlertSink = std::function<void(const Alert&)>;

  Engine();
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Adds a detector; it sees only events consumed after this call.
  // REQUIRES: detector != nullptr (a null one is ignored).
  void Register(std::unique_ptr<Detector> detector);

  // With a sink, each alert is delivered synchronously from Consume()/Tick(), in order,
  // and nothing is queued. The sink must not call back into the engine. An empty
  // function switches back to queueing. The sink (or the queue) gets what the rate limiter
  // admits, and its summaries (signature kAlertsSuppressed, detector "rate_limit").
  void SetSink(AlertSink sink);

  // Called with every alert a detector raises, before rate limiting, in the same order:
  // for verdict accounting that suppression must not hide (the simulator's detection
  // counts). Summaries are not passed here. Same rules as the sink.
  void SetDetectionHook(AlertSink hook);

  // Rate-limits the sink's alerts from now on (replacing any earlier limiter); a
  // disabled config removes it. Without a call nothing is limited.
  // RegisterDefaultDetectors() calls it with IdsConfig::rate_limit.
  // REQUIRES: the config passed IdsConfig::Validate().
  void SetRateLimit(const RateLimitConfig& config, size_t max_keys = 65536);

  // Feeds one event. Event times are expected to be non-decreasing; an event older than
  // the latest time seen is processed as if it happened at that time (counted by
  // late_events()), so a late event cannot reopen expired windows.
  void Consume(const Event& event);

  // Advances event time to `now` (never backwards): detectors raise alerts whose
  // deadline has passed and drop expired state. Call it from a timer, or at
  // NextDeadline(); calling it more or less often does not change any verdict.
  void Tick(TimeUs now);

  // Earliest detector or rate-limit summary deadline, or kNever: the simulator schedules
  // Tick() there.
  TimeUs NextDeadline() const;

  // Next queued alert (oldest first), or nullopt. Always empty while a sink is set.
  std::optional<Alert> PollAlert();

  // ---- counters for reports ----
  uint64_t EventCount(EventKind kind) const { return event_counts_[static_cast<uint8_t>(kind)]; }
  uint64_t events_total() const { return events_total_; }
  // Alerts raised by detectors (before rate limiting).
  uint64_t alerts_total() const { return alerts_total_; }
  // Held back by the rate limiter (and summarised), or dropped by a suppress rule.
  uint64_t alerts_held_back() const;
  uint64_t alerts_suppressed() const;
  uint64_t alerts_dropped() const { return alerts_dropped_; }
  uint64_t late_events() const { return late_events_; }
  // Latest event time seen (by Consume or Tick); 0 before any.
  TimeUs now() const { return now_; }
  std::vector<std::string_view> detector_names() const;

 private:
  class Out;
  class SummaryOut;
  void Deliver(Alert alert);
  void Output(Alert alert);
  void AdvanceTo(TimeUs t);
  void RunDeadlines(TimeUs now);

  EngineOptions options_;
  std::vector<std::unique_ptr<Detector>> detectors_;
  AlertSink sink_;
  AlertSink hook_;
  std::unique_ptr<RateLimiter> limiter_;
  std::deque<Alert> queue_;
  // Indexed by the raw EventKind byte, so a kind added later is still counted.
  std::array<uint64_t, 256> event_counts_{};
  uint64_t events_total_ = 0;
  uint64_t alerts_total_ = 0;
  uint64_t alerts_dropped_ = 0;
  uint64_t late_events_ = 0;
  TimeUs now_ = 0;
  bool started_ = false;
};

}  // namespace vigil::ids
