// The device core keeps its broadcast keys through a re-association when the key block
// brings the same Kb back (deriving them is a third of the device's association cost).
// These tests catch the two ways that can go wrong: keys used while set aside, and old
// keys kept when Kb changed.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "connection/loopback_pan.h"

namespace vigil {
namespace {

ProtocolConfig Hardened() {
  ProtocolConfig c;
  c.version = wire::Version::kHardened;
  c.confirm = ConfirmPolicy::kAlways;
  return c;
}

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

size_t Count(const std::vector<Event>& evs, EventKind k) {
  return static_cast<size_t>(
      std::count_if(evs.begin(), evs.end(), [k](const Event& e) { return e.kind == k; }));
}

std::string LastBroadcast(const std::vector<Event>& evs) {
  for (auto it = evs.rbegin(); it != evs.rend(); ++it) {
    if (it->kind == EventKind::kBroadcastReceived)
      return std::string(reinterpret_cast<const char*>(it->data.data()), it->data_len);
  }
  return "";
}

// Feeds a device's outputs to nowhere: only its events matter here.
void DrainEvents(LoopbackPan::Node& n) {
  Event ev;
  while (n.core->PollEvent(&ev)) n.events.push_back(ev);
}

TEST(DeviceBroadcastKeys, AreNotUsableWhileReassociatingButComeBackWithTheSameKb) {
  LoopbackPan pan(Hardened(), 31);
  const size_t d = pan.AddDevice();
  LoopbackPan::Node& n = pan.node(d);
  n.core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(n.core->state(), DeviceCore::State::kAssociated);

  // A genuine broadcast the device has not heard yet.
  OutFrame bcast;
  pan.tap = [&](const OutFrame& f, size_t from) {
    if (from == LoopbackPan::kCpan && f.dst == wire::kBroadcastUid) bcast = f;
  };
  n.online = false;
  ASSERT_EQ(pan.coordinator().SendBroadcast(Bytes("round-start"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  pan.tap = nullptr;
  n.online = true;
  ASSERT_GT(bcast.size, 0);

  // Mid re-association the device has no session: the broadcast must not be accepted.
  n.events.clear();
  n.core->StartAssociation(pan.now());
  n.core->HandleFrame(bcast.span(), pan.now());
  DrainEvents(n);
  EXPECT_EQ(Count(n.events, EventKind::kBroadcastReceived), 0u);

  // Associated again under the same Kb: the same frame now verifies.
  pan.RunFor(kSeconds);
  ASSERT_EQ(n.core->state(), DeviceCore::State::kAssociated);
  n.core->HandleFrame(bcast.span(), pan.now());
  DrainEvents(n);
  EXPECT_EQ(LastBroadcast(n.events), "round-start");
  EXPECT_EQ(Count(n.events, EventKind::kBroadcastForgery), 0u);
}

TEST(DeviceBroadcastKeys, ReassociationAfterAMissedRotationUsesTheNewKb) {
  LoopbackPan pan(Hardened(), 32);
  const size_t a = pan.AddDevice(), b = pan.AddDevice();
  pan.node(a).core->StartAssociation(0);
  pan.node(b).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(a).core->state(), DeviceCore::State::kAssociated);
  const uint8_t old_epoch = pan.node(a).core->bcast_epoch();

  // `a` is away while `b` is revoked: it misses the KEY_UPDATE with the new Kb.
  pan.node(a).online = false;
  ASSERT_EQ(pan.coordinator().Revoke(pan.node(b).secrets.uid, pan.now()), Error::kOk);
  pan.directory().SetRevoked(pan.node(b).secrets.uid, true);
  pan.RunFor(kSeconds);
  pan.node(a).online = true;
  EXPECT_EQ(pan.node(a).core->bcast_epoch(), old_epoch);

  pan.node(a).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(a).core->state(), DeviceCore::State::kAssociated);
  EXPECT_NE(pan.node(a).core->bcast_epoch(), old_epoch);
  ASSERT_EQ(pan.coordinator().SendBroadcast(Bytes("after-rotation"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  EXPECT_EQ(LastBroadcast(pan.node(a).events), "after-rotation");
  EXPECT_EQ(Count(pan.node(a).events, EventKind::kBroadcastForgery), 0u);
}

}  // namespace
}  // namespace vigil
