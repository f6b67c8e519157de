#include "ids/detectors/identity_theft.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {
namespace {

// Rank orders the signatures by seriousness for escalation inside an incident window.
constexpr int kRankUnresolved = 1;
constexpr int kRankConfirmationFailed = 2;
constexpr int kRankConflict = 3;

}  // namespace

IdentityTheftDetector::IdentityTheftDetector(const IdentityTheftConfig& config, size_t max_devices)
    : config_(config), devices_(max_devices) {}

void IdentityTheftDetector::OpenChallenge(const Event& e) {
  Device& d = devices_.Touch(e.uid);
  if (d.challenge_open) {
    // A repeat inside an open challenge (e.g. the same answer retransmitted) is one
    // incident, not a second one.
    ++d.challenge_answers;
    return;
  }
  d.challenge_open = true;
  d.challenge_opened = e.time;
  d.challenge_deadline = e.time + config_.challenge_timeout;
  d.challenge_answers = 1;
  d.challenge_observer = e.observer;
  d.challenge_link = e.link;
  deadlines_.emplace(d.challenge_deadline, e.uid);
}

void IdentityTheftDetector::CloseChallenge(uint64_t uid, Device& d) {
  if (!d.challenge_open) return;
  deadlines_.erase({d.challenge_deadline, uid});
  d.challenge_open = false;
}

void IdentityTheftDetector::Report(const Event& e, Device& d, int rank, AlertOut& out) {
  std::string context;
  if (d.challenge_open) {
    context = "; " + std::to_string(d.challenge_answers) +
              " duplicate/unsolicited answer(s) in the " +
              FormatDuration(e.time - d.challenge_opened) + " before";
  }
  CloseChallenge(e.uid, d);
  if (!d.holdoff.Ready(e.time, config_.incident_window) && rank <= d.last_rank) return;
  d.holdoff.Mark(e.time);
  d.last_rank = rank;

  const Signature& s = rank == kRankConflict ? sig::kIdentityConflict : sig::kConfirmationFailed;
  Alert a = MakeAlert(s);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  if (rank == kRankConflict) {
    a.detail = "device " + UidToString(e.uid) + " was proven by two parties at coordinator " +
               UidToString(e.observer) + ": a clone is online with the original" + context;
  } else {
    a.detail = "confirmation for device " + UidToString(e.uid) + " failed at coordinator " +
               UidToString(e.observer) + " (" + std::string(ErrorName(e.error)) +
               "): impersonation attempt" + context;
  }
  out.Raise(std::move(a));
}

void IdentityTheftDetector::OnEvent(const Event& e, AlertOut& out) {
  switch (e.kind) {
    case EventKind::kDuplicateAnswer:
    case EventKind::kUnsolicitedAnswer:
      OpenChallenge(e);
      break;
    case EventKind::kConfirmationPassed:
      // The genuine device settled the challenge. A failing second party still raises its
      // own kConfirmationFailed, which does not need an open challenge.
      if (Device* d = devices_.Find(e.uid)) CloseChallenge(e.uid, *d);
      break;
    case EventKind::kConfirmationFailed:
      Report(e, devices_.Touch(e.uid), kRankConfirmationFailed, out);
      break;
    case EventKind::kIdentityConflict:
      Report(e, devices_.Touch(e.uid), kRankConflict, out);
      break;
    default:
      break;
  }
}

TimeUs IdentityTheftDetector::NextDeadline() const {
  return deadlines_.empty() ? kNever : deadlines_.begin()->first;
}

void IdentityTheftDetector::OnTime(TimeUs now, AlertOut& out) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    auto [deadline, uid] = *deadlines_.begin();
    deadlines_.erase(deadlines_.begin());
    Device* d = devices_.Find(uid);
    if (d == nullptr || !d->challenge_open || d->challenge_deadline != deadline) continue;
    d->challenge_open = false;
    if (!d->holdoff.Ready(deadline, config_.incident_window) && kRankUnresolved <= d->last_rank) {
      continue;
    }
    d->holdoff.Mark(deadline);
    d->last_rank = kRankUnresolved;
    Alert a = MakeAlert(sig::kUnresolvedChallenge);
    a.time = deadline;
    a.uid = uid;
    a.observer = d->challenge_observer;
    a.link = d->challenge_link;
    a.detail = std::to_string(d->challenge_answers) +
               " duplicate/unsolicited answer(s) for device " + UidToString(uid) +
               " at coordinator " + UidToString(d->challenge_observer) +
               " and no confirmation verdict within " + FormatDuration(config_.challenge_timeout);
    out.Raise(std::move(a));
  }
  devices_.EraseIf([&](uint64_t, const Device& d) {
    return !d.challenge_open && d.holdoff.Expired(now, config_.incident_window);
  });
}

}  // namespace vigil::ids
