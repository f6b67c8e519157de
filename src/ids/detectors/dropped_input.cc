#include "ids/detectors/dropped_input.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {

DroppedInputDetector::DroppedInputDetector(const DroppedInputConfig& config, size_t max_keys)
    : config_(config), incidents_(max_keys) {}

void DroppedInputDetector::OnEvent(const Event& e, AlertOut& out) {
  if (e.kind != EventKind::kDowngrade && e.kind != EventKind::kBlockedSource &&
      e.kind != EventKind::kBadTelemetry)
    return;
  const bool downgrade = e.kind == EventKind::kDowngrade;
  Incident& inc = incidents_.Touch(Key{e.uid, e.link, e.kind});
  ++inc.dropped;
  if (!inc.holdoff.Ready(e.time, config_.holdoff)) return;
  inc.holdoff.Mark(e.time);
  Alert a = MakeAlert(downgrade                            ? sig::kDowngrade
                      : e.kind == EventKind::kBadTelemetry ? sig::kBadTelemetry
                                                           : sig::kBlockedSourceDropped);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  if (e.kind == EventKind::kBadTelemetry) {
    a.detail = "device " + UidToString(e.uid) +
               " sent telemetry that is not a valid reading pack or a value no body can "
               "give: refused, never a clinical value (" +
               std::to_string(inc.dropped) + " so far)";
  } else if (downgrade) {
    a.detail = "data frame for device " + UidToString(e.uid) +
               " carried integrity only in a session that encrypts: refused (" +
               std::to_string(inc.dropped) + " so far)";
  } else {
    a.detail = "frames claiming device " + UidToString(e.uid) +
               " dropped: their source is blocked after an intrusion verdict (" +
               std::to_string(inc.dropped) + " so far)";
  }
  out.Raise(std::move(a));
}

}  // namespace vigil::ids
