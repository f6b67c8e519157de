#include "ids/detectors/restored_registry.h"

#include <gtest/gtest.h>

#include <vector>

#include "ids/signatures.h"

namespace vigil::ids {
namespace {

struct Collect : AlertOut {
  std::vector<Alert> alerts;
  void Raise(Alert a) override { alerts.push_back(std::move(a)); }
};

Event Ev(EventKind k, uint64_t uid, TimeUs t) {
  Event e;
  e.kind = k;
  e.uid = uid;
  e.link = 9;
  e.time = t;
  return e;
}

// Before: a device behind a restored registry was reported as an impostor (severity 1).
TEST(RestoredRegistry, DeviceBehindARestoreIsAReprovisioningTaskNotAnImpersonation) {
  RestoredRegistryDetector d(RestoredRegistryConfig{}, 64);
  Collect out;
  d.OnEvent(Ev(EventKind::kReprovisionNeeded, 0x42, kSeconds), out);
  ASSERT_EQ(out.alerts.size(), 1u);
  const Alert& a = out.alerts[0];
  EXPECT_EQ(a.signature_id, sig::kReprovisionNeeded.id);
  EXPECT_NE(a.signature_id, sig::kConfirmationFailed.id);
  EXPECT_EQ(a.severity, 3);
  EXPECT_EQ(a.uid, 0x42u);
  EXPECT_NE(a.detail.find("--reprovision"), std::string::npos) << a.detail;
  EXPECT_EQ(a.detail.find("impersonation"), std::string::npos) << a.detail;
}

TEST(RestoredRegistry, RetriesOfTheSameDeviceAreOneAlertPerHoldoff) {
  RestoredRegistryConfig c;
  Collect out;
  RestoredRegistryDetector d(c, 64);
  for (int i = 0; i < 20; ++i)  // the device retries every few seconds
    d.OnEvent(Ev(EventKind::kReprovisionNeeded, 0x42, kSeconds + i * 5 * kSeconds), out);
  d.OnEvent(Ev(EventKind::kReprovisionNeeded, 0x43, 2 * kSeconds), out);   // another device
  d.OnEvent(Ev(EventKind::kConfirmationFailed, 0x44, 3 * kSeconds), out);  // not this one's
  ASSERT_EQ(out.alerts.size(), 2u);
  d.OnEvent(Ev(EventKind::kReprovisionNeeded, 0x42, kSeconds + c.holdoff), out);
  ASSERT_EQ(out.alerts.size(), 3u);
  EXPECT_NE(out.alerts[2].detail.find("21 refused"), std::string::npos) << out.alerts[2].detail;
}

}  // namespace
}  // namespace vigil::ids
