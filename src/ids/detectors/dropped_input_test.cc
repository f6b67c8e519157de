#include "ids/detectors/dropped_input.h"

#include <gtest/gtest.h>

#include <vector>

#include "ids/signatures.h"

namespace vigil::ids {
namespace {

struct Collect : AlertOut {
  std::vector<Alert> alerts;
  void Raise(Alert a) override { alerts.push_back(std::move(a)); }
};

Event Drop(EventKind k, uint64_t uid, uint64_t link, TimeUs t) {
  Event e;
  e.kind = k;
  e.uid = uid;
  e.link = link;
  e.time = t;
  return e;
}

// Before: frames of a blocked source were dropped with no log line and no alert.
TEST(DroppedInput, BlockedSourceIsNamedOncePerHoldoffNotPerFrame) {
  DroppedInputDetector d(DroppedInputConfig{}, 64);
  Collect out;
  for (int i = 0; i < 1000; ++i)
    d.OnEvent(Drop(EventKind::kBlockedSource, 0x42, 7, i * kMillis), out);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].signature_id, sig::kBlockedSourceDropped.id);
  EXPECT_EQ(out.alerts[0].uid, 0x42u);
  EXPECT_EQ(out.alerts[0].link, 7u);
  d.OnEvent(Drop(EventKind::kBlockedSource, 0x42, 7, 61 * kSeconds), out);
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_NE(out.alerts[1].detail.find("1001 so far"), std::string::npos) << out.alerts[1].detail;
}

TEST(DroppedInput, DowngradeHasItsOwnSignaturePerDevice) {
  DroppedInputDetector d(DroppedInputConfig{}, 64);
  Collect out;
  d.OnEvent(Drop(EventKind::kDowngrade, 0x1, 3, 0), out);
  d.OnEvent(Drop(EventKind::kDowngrade, 0x2, 3, 1), out);
  d.OnEvent(Drop(EventKind::kFrameTagInvalid, 0x3, 3, 2), out);  // not this detector's
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[0].signature_id, sig::kDowngrade.id);
  EXPECT_EQ(out.alerts[1].uid, 0x2u);
}

// An authenticated device whose payloads are not readings (broken, or someone holding its
// keys) is named, once per holdoff, with its own signature: never a clinical value.
TEST(DroppedInput, BadTelemetryFromAnAssociatedDeviceIsNamedOncePerHoldoff) {
  DroppedInputDetector d(DroppedInputConfig{}, 64);
  Collect out;
  for (int i = 0; i < 50; ++i) d.OnEvent(Drop(EventKind::kBadTelemetry, 0x9, 4, i * kSeconds), out);
  ASSERT_EQ(out.alerts.size(), 1u);
  EXPECT_EQ(out.alerts[0].signature_id, sig::kBadTelemetry.id);
  EXPECT_EQ(out.alerts[0].uid, 0x9u);
  d.OnEvent(Drop(EventKind::kBlockedSource, 0x9, 4, 51 * kSeconds), out);  // its own key
  ASSERT_EQ(out.alerts.size(), 2u);
  EXPECT_EQ(out.alerts[1].signature_id, sig::kBlockedSourceDropped.id);
}

}  // namespace
}  // namespace vigil::ids
