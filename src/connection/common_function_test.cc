// Hardened's synchronised common function (docs/protocol.md 9.5): R3 moves on at every
// confirmed association, on both ends, so that a copy of a device taken before its latest
// association is named at its first confirmation, even while the original is offline.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "connection/loopback_pan.h"
#include "connection/session_crypto.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil {
namespace {

using wire::MsgType;
using wire::Version;

ProtocolConfig Hardened() {
  ProtocolConfig c;
  c.version = Version::kHardened;
  c.confirm = ConfirmPolicy::kAlways;
  return c;
}

size_t Count(const std::vector<Event>& evs, EventKind k) {
  return static_cast<size_t>(
      std::count_if(evs.begin(), evs.end(), [k](const Event& e) { return e.kind == k; }));
}

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

bool IsType(const OutFrame& f, MsgType t) {
  auto mf = wire::DecodeMacFrame(f.span());
  if (!mf.ok() || mf->payload.size() < 2) return false;
  auto m = wire::Decode(mf->payload, wire::WireParams{});
  return m.ok() && m->type == t;
}

EnrolledDevice Record(LoopbackPan& pan, size_t d) {
  EnrolledDevice e;
  EXPECT_TRUE(pan.directory().Find(pan.node(d).secrets.uid, &e));
  return e;
}

// Associates node d and has it send one data frame (which proves it rolled).
void AssociateAndSend(LoopbackPan& pan, size_t d) {
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  ASSERT_EQ(pan.node(d).core->SendData(Bytes("hr=72"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
}

// A copy of the device: its secrets and what its flash held when it was read.
size_t AddCopy(LoopbackPan& pan, size_t d, const DevicePersisted& image) {
  return pan.AddNode(pan.node(d).secrets, image);
}

TEST(CommonFunction, BothEndsMoveOnTogetherAtEveryConfirmedAssociation) {
  LoopbackPan pan(Hardened(), 31);
  const size_t d = pan.AddDevice();
  const EnrolledDevice enrolled = Record(pan, d);
  AssociateAndSend(pan, d);
  const EnrolledDevice after = Record(pan, d);
  const DevicePersisted& held = pan.node(d).core->persisted();
  EXPECT_EQ(after.r3_generation, 1u);
  EXPECT_NE(after.r3, enrolled.r3) << "R3 did not move";
  EXPECT_TRUE(held.has_r3);
  EXPECT_EQ(held.r3_generation, 1u);
  EXPECT_EQ(held.r3, after.r3) << "device and CPAN moved to different values";
  EXPECT_FALSE(after.has_prev) << "the device's first frame proved it moved";
  EXPECT_GE(Count(pan.node(d).events, EventKind::kPersist), 1u);
  AssociateAndSend(pan, d);
  EXPECT_EQ(Record(pan, d).r3_generation, 2u);
  EXPECT_EQ(pan.node(d).core->persisted().r3, Record(pan, d).r3);
}

TEST(CommonFunction, RollDependsOnEveryTranscriptField) {
  OpenSslCrypto c;
  std::array<uint8_t, 32> r3{};
  r3.fill(7);
  Transcript t;
  t.device_uid = 1;
  t.cpan_uid = 2;
  t.nd.fill(3);
  t.nc.fill(4);
  t.ncf.fill(5);
  std::array<uint8_t, 32> base{}, out{};
  ASSERT_EQ(RollCommonFunction(c, MacKey(r3), t, base), Error::kOk);
  EXPECT_NE(base, r3);
  for (int field = 0; field < 5; ++field) {
    Transcript u = t;
    if (field == 0) u.device_uid = 9;
    if (field == 1) u.cpan_uid = 9;
    if (field == 2) u.nd[0] ^= 1;
    if (field == 3) u.nc[0] ^= 1;
    if (field == 4) u.ncf[0] ^= 1;
    ASSERT_EQ(RollCommonFunction(c, MacKey(r3), u, out), Error::kOk);
    EXPECT_NE(out, base) << "field " << field << " is not bound";
  }
  std::array<uint8_t, 16> short_out{};
  EXPECT_EQ(RollCommonFunction(c, MacKey(r3), t, short_out), Error::kInvalidArgument);
}

TEST(CommonFunction, CopyTakenBeforeTheLatestAssociationIsNamedWhileTheOriginalIsOffline) {
  LoopbackPan pan(Hardened(), 32);
  const size_t d = pan.AddDevice();
  AssociateAndSend(pan, d);
  const DevicePersisted image = pan.node(d).core->persisted();  // read out, put back
  AssociateAndSend(pan, d);                                     // back in service
  pan.node(d).online = false;
  const size_t copy = AddCopy(pan, d, image);
  const size_t failed_before = Count(pan.coordinator_events(), EventKind::kConfirmationFailed);
  pan.node(copy).core->StartAssociation(pan.now());
  pan.RunFor(2 * kSeconds);
  EXPECT_NE(pan.node(copy).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), failed_before + 1);
  const auto& ev = pan.coordinator_events();
  const auto it = std::find_if(ev.rbegin(), ev.rend(), [](const Event& e) {
    return e.kind == EventKind::kConfirmationFailed;
  });
  ASSERT_NE(it, ev.rend());
  EXPECT_EQ(it->uid, pan.node(d).secrets.uid) << "the alert must name the copied device";
  // The original, back online, still holds the accepted R3.
  pan.node(copy).online = false;
  pan.node(d).online = true;
  AssociateAndSend(pan, d);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
}

TEST(CommonFunction, LostGrantDoesNotLockTheDeviceOut) {
  LoopbackPan pan(Hardened(), 33);
  const size_t d = pan.AddDevice();
  AssociateAndSend(pan, d);
  const EnrolledDevice before = Record(pan, d);
  // The CPAN grants (and moves R3) but the device never hears any ASSOC_RESP: it gives
  // up and tries again with the R3 it still holds.
  pan.drop = [&](const OutFrame& f, size_t from, size_t) {
    return from == LoopbackPan::kCpan && IsType(f, MsgType::kAssocResp);
  };
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(3 * kSeconds);
  ASSERT_NE(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  const EnrolledDevice granted = Record(pan, d);
  EXPECT_EQ(granted.r3_generation, before.r3_generation + 1);
  EXPECT_TRUE(granted.has_prev);
  EXPECT_EQ(granted.r3_prev, before.r3);
  EXPECT_EQ(pan.node(d).core->persisted().r3, before.r3) << "the device moved without a grant";
  pan.drop = nullptr;
  const size_t failed = Count(pan.coordinator_events(), EventKind::kConfirmationFailed);
  AssociateAndSend(pan, d);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), failed);
  EXPECT_EQ(pan.node(d).core->persisted().r3, Record(pan, d).r3);
  EXPECT_FALSE(Record(pan, d).has_prev);
}

TEST(CommonFunction, RebootThatLostItsPersistedR3IsRefused) {
  LoopbackPan pan(Hardened(), 34);
  SeededRandom rnd(2);
  const size_t d = pan.AddDevice();
  AssociateAndSend(pan, d);
  LoopbackPan::Node& n = pan.node(d);
  n.core = std::make_unique<DeviceCore>(Hardened(), n.secrets, pan.crypto(), rnd);
  n.core->StartAssociation(pan.now());
  pan.RunFor(2 * kSeconds);
  EXPECT_NE(n.core->state(), DeviceCore::State::kAssociated)
      << "a device that cannot keep R3 looks like an old copy: it must persist";
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 1u);
}

// What the roll cannot do, stated as a test so that a change is noticed: an image of the
// device's current session, used while the original is offline, is the original.
TEST(CommonFunction, LiveImageOfTheCurrentSessionIsIndistinguishableUntilTheOriginalReturns) {
  LoopbackPan pan(Hardened(), 35);
  const size_t d = pan.AddDevice();
  AssociateAndSend(pan, d);
  pan.node(d).online = false;
  const size_t copy = AddCopy(pan, d, pan.node(d).core->persisted());
  AssociateAndSend(pan, copy);
  EXPECT_EQ(pan.node(copy).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 0u);
  // The original comes back one step behind: that is the copy's trace.
  pan.node(copy).online = false;
  pan.node(d).online = true;
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(2 * kSeconds);
  EXPECT_NE(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 1u);
}

// Without it, the old R3 would stay accepted until the device's first data frame, which a
// slow reporter (a blood-pressure cuff, every 15 min) sends long after its association.
TEST(CommonFunction, KeyConfirmationRetiresTheOldR3WithoutWaitingForData) {
  LoopbackPan pan(Hardened(), 37);
  const size_t d = pan.AddDevice();
  const DevicePersisted image = pan.node(d).core->persisted();
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_FALSE(Record(pan, d).has_prev);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kDataReceived), 0u)
      << "the confirmation is not application data";
  pan.node(d).online = false;
  const size_t copy = AddCopy(pan, d, image);
  pan.node(copy).core->StartAssociation(pan.now());
  pan.RunFor(2 * kSeconds);
  EXPECT_NE(pan.node(copy).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kConfirmationFailed), 1u);
}

TEST(CommonFunction, KeyConfirmFlagOutsideHardenedIsMalformed) {
  for (Version v : {Version::kV1, Version::kV2, Version::kV3Paper}) {
    wire::Message m;
    m.version = v;
    m.type = MsgType::kData;
    m.flags = wire::kDataFlagKeyConfirm;
    m.counter = 1;
    std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
    auto n = wire::Encode(m, wire::WireParams{}, buf);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(wire::Decode(ByteSpan(buf.data(), *n), wire::WireParams{}).error(), Error::kMalformed)
        << wire::VersionName(v);
  }
  wire::Message m;
  m.version = Version::kHardened;
  m.type = MsgType::kData;
  m.flags = wire::kDataFlagKeyConfirm | wire::kDataFlagEncrypted;
  m.counter = 1;
  std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
  auto n = wire::Encode(m, wire::WireParams{}, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(wire::Decode(ByteSpan(buf.data(), *n), wire::WireParams{}).ok());
}

// A clone that got in first, then met the original answering "I did not ask": the grant
// is withdrawn and so is the R3 it moved to, so the original is not locked out.
TEST(CommonFunction, IdentityConflictAfterAGrantLeavesTheOriginalItsR3) {
  LoopbackPan pan(Hardened(), 38);
  const size_t d = pan.AddDevice();
  AssociateAndSend(pan, d);
  const EnrolledDevice before = Record(pan, d);
  const size_t copy = AddCopy(pan, d, pan.node(d).core->persisted());
  // Hold the original's unsolicited answer back until the copy was granted.
  pan.latency = 200;
  std::vector<std::pair<OutFrame, size_t>> held;
  pan.drop = [&](const OutFrame& f, size_t from, size_t to) {
    if (from == d && to == LoopbackPan::kCpan) {
      held.push_back({f, from});
      return true;
    }
    return false;
  };
  pan.node(copy).core->StartAssociation(pan.now());
  pan.RunFor(40 * kMillis);
  ASSERT_EQ(pan.node(copy).core->state(), DeviceCore::State::kAssociated);
  pan.drop = nullptr;
  for (const auto& [f, from] : held) pan.Inject(f.span(), from);
  pan.RunFor(kSeconds);
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kIdentityConflict), 1u);
  EXPECT_FALSE(pan.coordinator().HasSession(pan.node(d).secrets.uid));
  EXPECT_EQ(Record(pan, d).r3, before.r3) << "the withdrawn grant's R3 stayed in force";
  pan.node(copy).online = false;
  AssociateAndSend(pan, d);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
}

TEST(CommonFunction, DisabledRollKeepsAlgorithmOnesR3) {
  ProtocolConfig c = Hardened();
  c.roll_common_function = false;
  LoopbackPan pan(c, 36);
  const size_t d = pan.AddDevice();
  const EnrolledDevice enrolled = Record(pan, d);
  AssociateAndSend(pan, d);
  EXPECT_EQ(Record(pan, d).r3, enrolled.r3);
  EXPECT_EQ(Record(pan, d).r3_generation, 0u);
  EXPECT_FALSE(pan.node(d).core->persisted().has_r3);
}

}  // namespace
}  // namespace vigil
