// A directory restored from an older backup holds a common function the device has moved
// past (docs/protocol.md 9.5): its confirmation fails exactly as a copy's would. While the
// directory says so (StaleSinceRestore), the verdict is "re-provision this device", not
// an impersonation, and the device's source is not blocked.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "connection/loopback_pan.h"

namespace vigil {
namespace {

size_t Count(const std::vector<Event>& evs, EventKind k) {
  return static_cast<size_t>(
      std::count_if(evs.begin(), evs.end(), [k](const Event& e) { return e.kind == k; }));
}

// Associates node d twice (R3 moves twice on both ends), then puts the directory back to
// the record it held before (a restore of a backup taken at enrollment), and restarts the
// device from what it stored, on a new endpoint (as after the gateway's restart no session
// is left). Returns the restarted device's node.
size_t AssociateTwiceThenRestore(LoopbackPan& pan, size_t d, bool flag_stale) {
  EnrolledDevice before;
  EXPECT_TRUE(pan.directory().Find(pan.node(d).secrets.uid, &before));
  for (int i = 0; i < 2; ++i) {
    pan.node(d).core->StartAssociation(pan.now());
    pan.RunFor(kSeconds);
    EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  }
  EXPECT_EQ(pan.node(d).core->persisted().r3_generation, 2u);
  pan.directory().Put(before);
  if (flag_stale) pan.directory().SetStaleSinceRestore(before.uid);
  pan.node(d).online = false;
  return pan.AddNode(pan.node(d).secrets, pan.node(d).core->persisted());
}

// Before: a device behind a restored registry was reported as an impostor (severity 1) and
// its endpoint blocked for 600 s.
TEST(RestoredDirectory, DeviceAheadOfARestoredDirectoryIsToReprovisionNotAnImpostor) {
  LoopbackPan pan(ProtocolConfig{}, 81);
  const size_t d = pan.AddDevice();
  const size_t back = AssociateTwiceThenRestore(pan, d, /*flag_stale=*/true);
  pan.node(back).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kReprovisionNeeded), 1u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 0u);
  EXPECT_FALSE(pan.coordinator().IsBlocked(pan.node(back).link, pan.now()));
  // It is still refused: nothing tells it from a copy holding Kd.
  EXPECT_NE(pan.node(back).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.node(back).events, EventKind::kAssociationFailed), 1u);
}

// Without the restore flag the same failure is the impersonation verdict it always was.
TEST(RestoredDirectory, WithoutARestoreTheSameFailureIsAnImpersonation) {
  LoopbackPan pan(ProtocolConfig{}, 82);
  const size_t d = pan.AddDevice();
  const size_t back = AssociateTwiceThenRestore(pan, d, /*flag_stale=*/false);
  pan.node(back).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 1u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kReprovisionNeeded), 0u);
  EXPECT_TRUE(pan.coordinator().IsBlocked(pan.node(back).link, pan.now()));
}

// A device that did not move since the backup confirms normally, and its confirmation
// clears the flag: a later failure is evidence again.
TEST(RestoredDirectory, DeviceInStepWithTheBackupConfirmsAndClearsTheFlag) {
  LoopbackPan pan(ProtocolConfig{}, 83);
  const size_t d = pan.AddDevice();
  const uint64_t uid = pan.node(d).secrets.uid;
  pan.directory().SetStaleSinceRestore(uid);
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kReprovisionNeeded), 0u);
  EXPECT_FALSE(pan.directory().StaleSinceRestore(uid));
}

}  // namespace
}  // namespace vigil
