#include "ids/detectors/replay.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {

ReplayDetector::ReplayDetector(const ReplayConfig& config, size_t max_keys)
    : config_(config), incidents_(max_keys), sessions_(max_keys) {}

void ReplayDetector::OnEvent(const Event& e, AlertOut& out) {
  const Key key{e.uid, e.observer};
  switch (e.kind) {
    case EventKind::kAssociated:
    case EventKind::kDisassociated:
      // Counters restart with every session (all message types of this pair).
      sessions_.EraseRange(CounterKey{e.uid, e.observer, 0},
                           CounterKey{e.uid, e.observer, UINT8_MAX});
      return;
    case EventKind::kDataReceived: {
      Session& s = sessions_.Touch(CounterKey{e.uid, e.observer, e.msg_type});
      if (!s.have_counter || e.counter > s.highest) s.highest = e.counter;
      s.have_counter = true;
      return;
    }
    case EventKind::kReplay:
      break;
    default:
      return;
  }

  Incident* inc = incidents_.Find(key);
  if (inc == nullptr) {
    inc = &incidents_.Touch(key);
    inc->replays = BurstCounter(config_.threshold, config_.window);
  } else {
    incidents_.Touch(key);
  }
  if (!inc->replays.Add(e.time)) return;
  if (!inc->holdoff.Ready(e.time, config_.holdoff)) return;
  inc->holdoff.Mark(e.time);

  Alert a = MakeAlert(sig::kReplay);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  a.detail = "frame counter " + std::to_string(e.counter) + " of device " + UidToString(e.uid) +
             " replayed at " + UidToString(e.observer);
  if (const Session* s = sessions_.Find(CounterKey{e.uid, e.observer, e.msg_type});
      s != nullptr && s->have_counter) {
    if (e.counter <= s->highest) {
      a.detail += " (regressed by " + std::to_string(s->highest - e.counter) +
                  " below the highest accepted " + std::to_string(s->highest) + ")";
    }
  }
  if (config_.threshold > 1) {
    a.detail += "; " + std::to_string(config_.threshold) + " replays within " +
                FormatDuration(config_.window);
  }
  out.Raise(std::move(a));
}

void ReplayDetector::OnTime(TimeUs now, AlertOut&) {
  incidents_.EraseIf([&](const Key&, const Incident& inc) {
    return inc.replays.Idle(now) && inc.holdoff.Expired(now, config_.holdoff);
  });
}

}  // namespace vigil::ids
