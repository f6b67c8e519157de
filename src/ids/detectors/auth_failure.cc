#include "ids/detectors/auth_failure.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {

AuthFailureDetector::AuthFailureDetector(const AuthFailureConfig& config, size_t max_keys)
    : config_(config), holdoffs_(max_keys) {}

void AuthFailureDetector::OnEvent(const Event& e, AlertOut& out) {
  const bool device_side = e.kind == EventKind::kCpanAuthFailed;
  if (e.kind != EventKind::kAuthFailed && !device_side) return;
  Holdoff& h = holdoffs_.Touch(Key{e.uid, e.observer, static_cast<uint8_t>(e.kind)});
  if (!h.Ready(e.time, config_.holdoff)) return;
  h.Mark(e.time);

  Alert a = MakeAlert(device_side ? sig::kRogueCoordinator : sig::kAuthFailed);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  if (device_side) {
    a.detail = "device " + UidToString(e.uid) +
               " rejected a coordinator's proof: a rogue CPAN is answering it (" +
               std::string(ErrorName(e.error)) + ")";
  } else {
    a.detail = "authentication as device " + UidToString(e.uid) + " failed at coordinator " +
               UidToString(e.observer) + " (" + std::string(ErrorName(e.error)) + ")";
  }
  out.Raise(std::move(a));
}

void AuthFailureDetector::OnTime(TimeUs now, AlertOut&) {
  holdoffs_.EraseIf([&](const Key&, const Holdoff& h) { return h.Expired(now, config_.holdoff); });
}

}  // namespace vigil::ids
