#include "ids/detectors/behaviour_anomaly.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

// A session whose start we did not see (the IDS started after it) counts as older than
// any association we did see.
constexpr TimeUs kUnknownStart = std::numeric_limits<TimeUs>::min();
// Coordinators remembered per device: a device is in one ward at a time, so a handful
// covers every realistic history; the least recently active is forgotten first.
constexpr size_t kMaxSessions = 8;
// Association times kept per device. More than this within the window is a storm
// whatever the baseline says.
constexpr uint32_t kMaxAssociations = 64;
// Intervals needed before the association baseline is trusted.
constexpr uint64_t kMinAssocSamples = 3;

}  // namespace

BehaviourAnomalyDetector::BehaviourAnomalyDetector(const BehaviourConfig& config,
                                                   size_t max_devices)
    : config_(config), profiles_(max_devices) {}

BehaviourAnomalyDetector::Profile& BehaviourAnomalyDetector::Get(uint64_t uid) {
  Profile& p = profiles_.Touch(uid);
  if (!p.initialised) {
    p.initialised = true;
    p.interval = Ewma(config_.baseline_alpha);
    p.assoc_interval = Ewma(config_.baseline_alpha);
    p.recent = TimeRing(config_.rate_window_frames + 1);
    p.associations = TimeRing(kMaxAssociations);
  }
  return p;
}

BehaviourAnomalyDetector::Session& BehaviourAnomalyDetector::SessionAt(Profile& p,
                                                                       uint64_t observer,
                                                                       TimeUs now) {
  for (Session& s : p.sessions) {
    if (s.observer == observer) return s;
  }
  if (p.sessions.size() >= kMaxSessions) {
    auto stale = std::min_element(
        p.sessions.begin(), p.sessions.end(),
        [](const Session& a, const Session& b) { return a.last_activity < b.last_activity; });
    p.sessions.erase(stale);
  }
  p.sessions.push_back(Session{observer, kUnknownStart, now, false});
  return p.sessions.back();
}

void BehaviourAnomalyDetector::OnEvent(const Event& e, AlertOut& out) {
  if (e.kind != EventKind::kAssociated && e.kind != EventKind::kDisassociated &&
      e.kind != EventKind::kDataReceived) {
    return;
  }
  if (e.uid == e.observer) return;  // device-side event
  Profile& p = Get(e.uid);
  switch (e.kind) {
    case EventKind::kAssociated:
      OnAssociated(e, p, out);
      break;
    case EventKind::kDisassociated:
      for (Session& s : p.sessions) {
        if (s.observer == e.observer) s.open = false;
      }
      break;
    default:
      OnData(e, p, out);
      break;
  }
}

void BehaviourAnomalyDetector::RaiseTravel(const Event& e, Profile& p, std::string detail,
                                           AlertOut& out) {
  if (!p.travel_holdoff.Ready(e.time, config_.holdoff)) return;
  p.travel_holdoff.Mark(e.time);
  Alert a = MakeAlert(sig::kImpossibleTravel);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  a.detail = std::move(detail);
  out.Raise(std::move(a));
}

void BehaviourAnomalyDetector::OnAssociated(const Event& e, Profile& p, AlertOut& out) {
  const TimeUs t = e.time;
  // Rule 1: the most recent activity in an open session at another coordinator.
  const Session* recent_elsewhere = nullptr;
  for (const Session& s : p.sessions) {
    if (s.observer == e.observer || !s.open || t - s.last_activity >= config_.travel_gap) {
      continue;
    }
    if (recent_elsewhere == nullptr || s.last_activity > recent_elsewhere->last_activity) {
      recent_elsewhere = &s;
    }
  }
  if (recent_elsewhere != nullptr) {
    RaiseTravel(e, p,
                "device " + UidToString(e.uid) + " associated at " + UidToString(e.observer) + " " +
                    FormatDuration(t - recent_elsewhere->last_activity) +
                    " after authenticated activity in its open session at " +
                    UidToString(recent_elsewhere->observer),
                out);
  }

  CheckReassociation(e, p, out);

  Session& s = SessionAt(p, e.observer, t);
  s.associated_at = t;
  s.last_activity = t;
  s.open = true;
  p.has_current = true;
  p.current = e.observer;
  p.current_since = t;
  // The gap across an association (reboot, move) is not a data interval.
  p.recent.Clear();
}

void BehaviourAnomalyDetector::OnData(const Event& e, Profile& p, AlertOut& out) {
  const TimeUs t = e.time;
  bool seen = false;
  for (const Session& s : p.sessions) seen = seen || s.observer == e.observer;
  Session& s = SessionAt(p, e.observer, t);
  if (!seen) {
    // A session that began before the IDS saw it (daemon restart): still a session.
    s.open = true;
    if (!p.has_current) {
      p.has_current = true;
      p.current = e.observer;
      p.current_since = kUnknownStart;
    }
  }
  // Rule 2: data in an old session after the device associated elsewhere.
  if (p.has_current && p.current != e.observer && s.associated_at < p.current_since &&
      t - p.current_since > config_.ghost_tolerance) {
    RaiseTravel(e, p,
                "authenticated data for device " + UidToString(e.uid) + " in its old session at " +
                    UidToString(e.observer) + " " + FormatDuration(t - p.current_since) +
                    " after it associated at " + UidToString(p.current) +
                    ": two copies of the device are online",
                out);
  }
  s.last_activity = t;
  // The rate profile follows the device's current session only; frames from a ghost
  // session are already reported above and would make the rate look doubled twice.
  if (e.observer == p.current) CheckRate(e, p, out);
}

void BehaviourAnomalyDetector::CheckRate(const Event& e, Profile& p, AlertOut& out) {
  const TimeUs t = e.time;
  // The baseline learns each interval only when it leaves the short-term window, i.e.
  // after the window that contained it was judged normal: a clone's first frames are
  // judged before they can pull the baseline towards the clone's rate.
  bool leaving_known = false;
  double leaving = 0;
  if (p.recent.full() && p.recent.size() >= 2) {
    leaving_known = true;
    leaving = static_cast<double>(p.recent.at(1) - p.recent.at(0));
  }
  p.recent.Push(t);
  const bool learned = p.interval.count() >= config_.learning_samples;
  const double mu = p.interval.mean();
  const double sd = p.interval.stddev();
  bool anomalous = false;
  if (learned && p.recent.full()) {
    const double frames = config_.rate_window_frames;
    const double short_mean = static_cast<double>(p.recent.newest() - p.recent.oldest()) / frames;
    // Standard deviation of a mean of `frames` intervals, if they were independent; a
    // periodic sender's intervals are negatively correlated, so this overestimates it
    // and errs on the quiet side.
    const double margin =
        std::max(config_.rate_k_sigma * sd / std::sqrt(frames), config_.rate_min_relative * mu);
    anomalous = mu - short_mean > margin;
    if (anomalous && p.rate_holdoff.Ready(t, config_.holdoff)) {
      p.rate_holdoff.Mark(t);
      Alert a = MakeAlert(sig::kDataRateAnomaly);
      a.time = t;
      a.uid = e.uid;
      a.observer = e.observer;
      a.link = e.link;
      a.detail = "device " + UidToString(e.uid) + " sent its last " +
                 std::to_string(config_.rate_window_frames) + " frames every " +
                 FormatDuration(static_cast<TimeUs>(short_mean)) + " on average; baseline " +
                 FormatDuration(static_cast<TimeUs>(mu)) + " (sd " +
                 FormatDuration(static_cast<TimeUs>(sd)) + ")";
      out.Raise(std::move(a));
    }
  }
  if (!leaving_known || anomalous) return;
  // Once learnt, long gaps are clipped so that one outage does not inflate the baseline
  // for hours.
  p.interval.Add(learned ? std::min(leaving, mu + std::max(config_.rate_k_sigma * sd, mu))
                         : leaving);
}

void BehaviourAnomalyDetector::CheckReassociation(const Event& e, Profile& p, AlertOut& out) {
  const TimeUs t = e.time;
  p.associations.Push(t);
  if (!p.have_last_assoc) p.first_assoc = t;
  const uint32_t count = p.associations.CountWithin(t, config_.reassoc_window);
  // The baseline is trusted only once it spans two windows: a storm in a device's first
  // minutes must not become its own baseline before anyone is told.
  double expected = 0;
  if (p.assoc_interval.count() >= kMinAssocSamples && p.assoc_interval.mean() > 0 &&
      t - p.first_assoc >= 2 * config_.reassoc_window) {
    expected = static_cast<double>(config_.reassoc_window) / p.assoc_interval.mean();
  }
  const double needed = std::min<double>(
      std::max<double>(config_.reassoc_min_count, std::ceil(config_.reassoc_factor * expected)),
      kMaxAssociations);
  if (count >= needed && p.reassoc_holdoff.Ready(t, config_.holdoff)) {
    p.reassoc_holdoff.Mark(t);
    Alert a = MakeAlert(sig::kReassociationStorm);
    a.time = t;
    a.uid = e.uid;
    a.observer = e.observer;
    a.link = e.link;
    a.detail = "device " + UidToString(e.uid) + " associated " + std::to_string(count) +
               " times within " + FormatDuration(config_.reassoc_window) + " (latest at " +
               UidToString(e.observer) + "); baseline predicts " +
               std::to_string(static_cast<int64_t>(std::lround(expected)));
    out.Raise(std::move(a));
  }
  // Every interval is learnt, storms included: a device that really does re-associate
  // this often is reported for two windows and then accepted, rather than forever. A
  // clone fighting the original is also caught by identity_theft and impossible travel.
  if (p.have_last_assoc) p.assoc_interval.Add(static_cast<double>(t - p.last_assoc));
  p.have_last_assoc = true;
  p.last_assoc = t;
}

}  // namespace vigil::ids
