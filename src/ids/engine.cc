#include "ids/engine.h"

#include <algorithm>
#include <utility>

#include "ids/rate_limiter.h"

namespace vigil::ids {

// Stamps the detector's name on each alert and passes it to the engine.
class Engine::Out final : public AlertOut {
 public:
  Out(Engine& engine, std::string_view detector) : engine_(engine), detector_(detector) {}
  void Raise(Alert alert) override {
    alert.detector = std::string(detector_);
    engine_.Deliver(std::move(alert));
  }

 private:
  Engine& engine_;
  std::string_view detector_;
};

// Rate-limit summaries: written as they are, never limited again.
class Engine::SummaryOut final : public AlertOut {
 public:
  explicit SummaryOut(Engine& engine) : engine_(engine) {}
  void Raise(Alert alert) override {
    alert.detector = "rate_limit";
    engine_.Output(std::move(alert));
  }

 private:
  Engine& engine_;
};

Engine::Engine() : Engine(EngineOptions{}) {}
Engine::Engine(EngineOptions options) : options_(options) {}
Engine::~Engine() = default;

void Engine::Register(std::unique_ptr<Detector> detector) {
  if (detector) detectors_.push_back(std::move(detector));
}

void Engine::SetSink(AlertSink sink) {
  sink_ = std::move(sink);
  if (sink_) {
    // Hand over what was queued so that no alert is lost by switching modes.
    while (!queue_.empty()) {
      Alert a = std::move(queue_.front());
      queue_.pop_front();
      sink_(a);
    }
  }
}

void Engine::SetDetectionHook(AlertSink hook) { hook_ = std::move(hook); }

void Engine::SetRateLimit(const RateLimitConfig& config, size_t max_keys) {
  limiter_ = config.enabled ? std::make_unique<RateLimiter>(config, max_keys) : nullptr;
}

uint64_t Engine::alerts_held_back() const { return limiter_ ? limiter_->held_back() : 0; }
uint64_t Engine::alerts_suppressed() const { return limiter_ ? limiter_->suppressed() : 0; }

void Engine::Deliver(Alert alert) {
  ++alerts_total_;
  if (hook_) hook_(alert);
  if (limiter_) {
    SummaryOut out(*this);
    if (!limiter_->Admit(alert, out)) return;
  }
  Output(std::move(alert));
}

void Engine::Output(Alert alert) {
  if (sink_) {
    sink_(alert);
    return;
  }
  if (queue_.size() >= options_.max_queued_alerts) {
    ++alerts_dropped_;
    return;
  }
  queue_.push_back(std::move(alert));
}

void Engine::AdvanceTo(TimeUs t) {
  if (!started_ || t > now_) now_ = t;
  started_ = true;
}

void Engine::Consume(const Event& event) {
  ++events_total_;
  ++event_counts_[static_cast<uint8_t>(event.kind)];
  const Event* e = &event;
  Event clamped;
  if (started_ && event.time < now_) {
    ++late_events_;
    clamped = event;
    clamped.time = now_;
    e = &clamped;
  }
  AdvanceTo(e->time);
  RunDeadlines(now_);
  for (auto& d : detectors_) {
    Out out(*this, d->name());
    d->OnEvent(*e, out);
  }
}

// Deadlines are settled in time order across all detectors (ties: registration order),
// and before any event that is later than them, so the alert sequence does not depend on
// when, or how often, Tick() ran. Rate-limit summaries due at a time come before detector
// deadlines at that time (a summary covers alerts stamped before it).
void Engine::RunDeadlines(TimeUs now) {
  for (;;) {
    const TimeUs summary_at = limiter_ ? limiter_->NextDeadline() : kNever;
    Detector* due = nullptr;
    TimeUs due_at = kNever;
    for (auto& d : detectors_) {
      TimeUs t = d->NextDeadline();
      if (t <= now && t < due_at) {
        due = d.get();
        due_at = t;
      }
    }
    if (summary_at <= now && summary_at <= due_at) {
      SummaryOut out(*this);
      limiter_->OnTime(summary_at, out);
      continue;
    }
    if (due == nullptr) return;
    Out out(*this, due->name());
    due->OnTime(due_at, out);
    // A detector that does not move its deadline forward breaks its contract; stop
    // rather than spin. Its remaining alerts come with the next event or Tick.
    if (due->NextDeadline() <= due_at) return;
  }
}

void Engine::Tick(TimeUs now) {
  AdvanceTo(now);
  RunDeadlines(now_);
  for (auto& d : detectors_) {
    Out out(*this, d->name());
    d->OnTime(now_, out);
  }
}

TimeUs Engine::NextDeadline() const {
  TimeUs next = limiter_ ? limiter_->NextDeadline() : kNever;
  for (const auto& d : detectors_) next = std::min(next, d->NextDeadline());
  return next;
}

std::optional<Alert> Engine::PollAlert() {
  if (queue_.empty()) return std::nullopt;
  Alert a = std::move(queue_.front());
  queue_.pop_front();
  return a;
}

std::vector<std::string_view> Engine::detector_names() const {
  std::vector<std::string_view> names;
  names.reserve(detectors_.size());
  for (const auto& d : detectors_) names.push_back(d->name());
  return names;
}

}  // namespace vigil::ids
