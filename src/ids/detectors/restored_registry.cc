#include "ids/detectors/restored_registry.h"

#include <string>

#include "common/hex.h"
#include "ids/signatures.h"

namespace vigil::ids {

RestoredRegistryDetector::RestoredRegistryDetector(const RestoredRegistryConfig& config,
                                                   size_t max_devices)
    : config_(config), devices_(max_devices) {}

void RestoredRegistryDetector::OnEvent(const Event& e, AlertOut& out) {
  if (e.kind != EventKind::kReprovisionNeeded) return;
  Device& d = devices_.Touch(e.uid);
  ++d.failures;
  if (!d.holdoff.Ready(e.time, config_.holdoff)) return;
  d.holdoff.Mark(e.time);
  Alert a = MakeAlert(sig::kReprovisionNeeded);
  a.time = e.time;
  a.uid = e.uid;
  a.observer = e.observer;
  a.link = e.link;
  a.detail = "device " + UidToString(e.uid) + " cannot associate at coordinator " +
             UidToString(e.observer) +
             ": the registry was restored from a backup older than the device's latest "
             "association, so the device's common function is ahead of it (" +
             std::to_string(d.failures) +
             " refused so far). Re-provision the device: vigil enroll --reprovision " +
             UidToString(e.uid) + " (docs/provisioning.md, \"Backup and restore\")";
  out.Raise(std::move(a));
}

}  // namespace vigil::ids
