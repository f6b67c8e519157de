// The gateway as an edge node (docs/edge.md): it drives the sans-IO EdgeNode with every
// verified payload, and hands what comes out to the local alarm feed (the management
// port), the log, the IDS and the uplink. The same EdgeNode runs in the simulator.
#include <nlohmann/json.hpp>
#include <string>

#include "common/hex.h"
#include "daemon/gateway.h"
#include "daemon/mqtt_uplink.h"
#include "edge/privacy/site_key.h"
#include "ids/engine.h"

namespace vigil {

namespace {

// A relative key path lives beside the registry, not in whatever directory the daemon
// happened to be started from.
std::string BesideRegistry(const std::string& registry, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const size_t slash = registry.rfind('/');
  return slash == std::string::npos ? path : registry.substr(0, slash + 1) + path;
}

nlohmann::json AlarmJson(const clinical::AlarmEvent& e, int64_t unix_ms) {
  nlohmann::json j = {{"alarm_id", e.alarm_id},
                      {"event", clinical::AlarmEventKindName(e.kind)},
                      {"condition", clinical::ConditionName(e.condition)},
                      {"technical", clinical::IsTechnical(e.condition.kind)},
                      {"priority", clinical::AlarmPriorityName(e.priority)},
                      {"state", clinical::AlarmStateName(e.state)},
                      {"ward", e.ward},
                      {"bed", e.bed},
                      {"time_ms", unix_ms}};
  if (e.value) j["value"] = *e.value;
  if (e.news2) {
    j["news2"] = {{"score", e.news2->aggregate}, {"complete", e.news2->complete}};
  }
  if (!e.operator_id.empty()) j["operator"] = e.operator_id;
  return j;
}

}  // namespace

Error Gateway::OpenEdge(std::string* why) {
  const std::string key_path = BesideRegistry(config_.gateway.registry, config_.privacy.site_key);
  bool created = false;
  if (Error e = privacy::LoadOrCreateSiteKey(key_path, &site_key_, &created, why);
      e != Error::kOk) {
    *why = "[privacy] site_key: " + *why;
    return e;
  }
  if (created) Log(*log_, "info", "site key created").With("path", key_path);
  pseudonymiser_ = std::make_unique<privacy::Pseudonymiser>(site_key_);
  if (!pseudonymiser_->ok()) {
    *why = "cannot key the pseudonymiser";
    return Error::kCrypto;
  }
  edge::EdgeNode::Options o;
  o.clinical = config_.clinical;
  o.ward = config_.gateway.ward;
  o.unix_offset_us = start_unix_;  // now() counts from the start
  // Alarm ids above any an earlier run used: the start second, with room for 2^20 each.
  o.first_alarm_id = static_cast<uint64_t>(start_unix_ / 1'000'000) << 20;
  Error err = Error::kOk;
  edge_ = edge::EdgeNode::Create(std::move(o), *pseudonymiser_, now(), &err, why);
  if (edge_ == nullptr) {
    *why = "[clinical] " + *why;
    return err;
  }
  return Error::kOk;
}

void Gateway::DeliverData(const Event& ev) {
  if (edge_ == nullptr) return;
  auto it = kinds_.find(ev.uid);
  const DeviceKind kind = it == kinds_.end() ? DeviceKind::kOther : it->second;
  edge_->OnData(ev.uid, kind, ByteSpan(ev.data.data(), ev.data_len), ev.time);
}

void Gateway::FlushEdge(TimeUs now) {
  if (edge_ == nullptr) return;
  if (edge_->NextDeadline(now) <= now) edge_->OnTime(now);

  std::vector<uplink::TelemetryRecord> batch = edge_->TakeTelemetry();
  if (!batch.empty() && uplink_ != nullptr) {
    std::string w;
    // Committed to the queue before this turn ends (one transaction for the batch).
    if (uplink_->PublishTelemetry(batch, &w) != Error::kOk) {
      ++stats_.uplink_errors;
      Log(*log_, "error", "uplink: readings not queued").With("error", w);
    }
  }
  while (std::optional<clinical::AlarmEvent> a = edge_->PollAlarm()) {
    // The audit trail at the edge: the bed and ward, never the patient's identifier.
    Log(*log_, a->kind == clinical::AlarmEventKind::kRaised ? "warn" : "info", "alarm")
        .With("alarm_id", a->alarm_id)
        .With("event", std::string(clinical::AlarmEventKindName(a->kind)))
        .With("condition", clinical::ConditionName(a->condition))
        .With("priority", std::string(clinical::AlarmPriorityName(a->priority)))
        .With("ward", a->ward)
        .With("bed", a->bed);
    if (management_ != nullptr)
      management_->PublishAlarm(std::string(clinical::AlarmEventKindName(a->kind)),
                                AlarmJson(*a, edge_->UnixMs(a->time)).dump());
    if (uplink_ != nullptr) {
      uplink::AlarmRecord r;
      std::string w;
      Error e = edge_->ToUplinkAlarm(*a, &r);
      if (e != Error::kOk) {
        w = "no pseudonym for the alarm's patient";
      } else {
        e = uplink_->PublishAlarm(r, &w);
      }
      if (e != Error::kOk) {
        ++stats_.uplink_errors;
        Log(*log_, "error", "uplink: alarm not queued").With("error", w);
      }
    }
    if (alarm_hook_) alarm_hook_(*a);
  }
  while (std::optional<edge::QualityEvent> q = edge_->PollQuality()) {
    // Remote misbehaviour of an authenticated device: the IDS names it (rate-limited
    // there); the log gets the first few of an interval, the rest are counted.
    Event ev;
    ev.kind = EventKind::kBadTelemetry;
    ev.error = q->kind == edge::QualityEvent::Kind::kRefusedPack ? ErrorClass(q->error)
                                                                 : Error::kMalformed;
    ev.time = q->time;
    ev.uid = q->uid;
    auto link = known_link_.find(q->uid);
    ev.link = link == known_link_.end() ? 0 : link->second;
    ++stats_.security_events;
    Account(ev);
    if (refusals_logged_ < 20) {
      ++refusals_logged_;
      Log(*log_, "warn", "telemetry refused")
          .With("uid", UidToString(q->uid))
          .With("reason", q->Describe());
    }
    ids_->Consume(ev);
  }
}

std::string Gateway::ActiveAlarmsJson() const {
  nlohmann::json arr = nlohmann::json::array();
  if (edge_ == nullptr) return arr.dump();
  for (const clinical::ActiveAlarm& a : edge_->engine().ActiveAlarms()) {
    nlohmann::json j = {{"alarm_id", a.alarm_id},
                        {"condition", clinical::ConditionName(a.condition)},
                        {"technical", clinical::IsTechnical(a.condition.kind)},
                        {"priority", clinical::AlarmPriorityName(a.priority)},
                        {"state", clinical::AlarmStateName(a.state)},
                        {"ward", a.ward},
                        {"bed", a.bed},
                        {"raised_ms", edge_->UnixMs(a.raised_at)},
                        {"changed_ms", edge_->UnixMs(a.last_change)}};
    if (a.value) j["value"] = *a.value;
    if (a.news2) j["news2"] = {{"score", a.news2->aggregate}, {"complete", a.news2->complete}};
    if (!a.acknowledged_by.empty()) j["acknowledged_by"] = a.acknowledged_by;
    arr.push_back(std::move(j));
  }
  return arr.dump();
}

}  // namespace vigil
