#include "ids/detectors/broadcast_forgery.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {

BroadcastForgeryDetector::BroadcastForgeryDetector(const BroadcastForgeryConfig& config,
                                                   size_t max_keys)
    : config_(config), sources_(max_keys) {}

void BroadcastForgeryDetector::OnEvent(const Event& e, AlertOut& out) {
  if (e.kind != EventKind::kBroadcastForgery) return;
  const bool epoch_only = e.error == Error::kUnexpected;
  Holdoff& h = sources_.Touch({epoch_only ? uint8_t{1} : uint8_t{0}, e.link != 0 ? e.link : e.uid});
  if (!h.Ready(e.time, config_.holdoff)) return;
  h.Mark(e.time);
  Alert a = MakeAlert(epoch_only ? sig::kBroadcastEpochMismatch : sig::kBroadcastForgery);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  const std::string from = e.link != 0 ? " from link " + UidToString(e.link) : "";
  if (epoch_only) {
    a.detail = "broadcast" + from + " under a key epoch device " + UidToString(e.observer) +
               " does not hold (counter " + std::to_string(e.counter) +
               "): forged, replayed from an old epoch, or a missed key update";
  } else {
    a.detail = "broadcast" + from + " failed verification at device " + UidToString(e.observer) +
               " (counter " + std::to_string(e.counter) + ", " + std::string(ErrorName(e.error)) +
               ")";
  }
  out.Raise(std::move(a));
}

void BroadcastForgeryDetector::OnTime(TimeUs now, AlertOut&) {
  sources_.EraseIf([&](const Key&, const Holdoff& h) { return h.Expired(now, config_.holdoff); });
}

}  // namespace vigil::ids
