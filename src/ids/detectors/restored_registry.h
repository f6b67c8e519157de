// Devices behind a restored registry: the coordinator's registry was restored from a
// backup older than the device's latest association, so the common function it holds is
// one the device has moved past (docs/provisioning.md, "Backup and restore"), and the
// device's confirmation fails. On the air that looks like an impostor holding Kd; the
// registry knows better (DeviceRecord::stale_since_restore), and the coordinator reports
// kReprovisionNeeded instead of kConfirmationFailed. This detector turns it into an
// operator's task, not an intrusion: one alert per device per holdoff (the device retries
// every few seconds until it is re-provisioned), naming the device and what to do.
#pragma once

#include <cstdint>

#include "ids/bounded_table.h"
#include "ids/detector.h"
#include "ids/holdoff.h"
#include "ids/ids_config.h"

namespace vigil::ids {

class RestoredRegistryDetector final : public Detector {
 public:
  RestoredRegistryDetector(const RestoredRegistryConfig& config, size_t max_devices);
  std::string_view name() const override { return "restored_registry"; }
  void OnEvent(const Event& e, AlertOut& out) override;

 private:
  struct Device {
    Holdoff holdoff;
    uint64_t failures = 0;  // refused confirmations since the first one seen
  };
  RestoredRegistryConfig config_;
  BoundedTable<uint64_t, Device> devices_;
};

}  // namespace vigil::ids
