// End-to-end behaviour of the device and coordinator cores over the in-memory PAN, one
// test per failure they must survive or catch.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "connection/loopback_pan.h"
#include "connection/wire/codec.h"
#include "connection/wire/mac_frame.h"

namespace vigil {
namespace {

using wire::Version;

ProtocolConfig Config(Version v) {
  ProtocolConfig c;
  c.version = v;
  c.confirm = DefaultConfirmPolicy(v);
  return c;
}

size_t Count(const std::vector<Event>& evs, EventKind k) {
  return static_cast<size_t>(
      std::count_if(evs.begin(), evs.end(), [k](const Event& e) { return e.kind == k; }));
}

size_t SecurityEvents(const std::vector<Event>& evs) {
  return static_cast<size_t>(std::count_if(evs.begin(), evs.end(),
                                           [](const Event& e) { return IsSecurityEvent(e.kind); }));
}

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string DataOf(const Event& e) {
  return std::string(reinterpret_cast<const char*>(e.data.data()), e.data_len);
}

const Event* Last(const std::vector<Event>& evs, EventKind k) {
  for (auto it = evs.rbegin(); it != evs.rend(); ++it)
    if (it->kind == k) return &*it;
  return nullptr;
}

// Re-encodes a frame after `edit` changed its payload, with a valid FCS (an attacker can
// always compute the link checksum).
OutFrame Edit(const OutFrame& in, const std::function<void(std::vector<uint8_t>&)>& edit,
              const std::function<void(wire::MacFrame&)>& edit_mac = nullptr) {
  auto mf = wire::DecodeMacFrame(in.span());
  EXPECT_TRUE(mf.ok());
  std::vector<uint8_t> payload(mf->payload.begin(), mf->payload.end());
  edit(payload);
  wire::MacFrame f = *mf;
  f.payload = payload;
  if (edit_mac) edit_mac(f);
  OutFrame out;
  auto n = wire::EncodeMacFrame(f, out.bytes);
  EXPECT_TRUE(n.ok());
  out.size = static_cast<uint8_t>(*n);
  return out;
}

// A frame as an attacker (or a test) builds it: any payload, valid FCS.
OutFrame Craft(uint64_t src, uint64_t dst, ByteSpan payload) {
  OutFrame f;
  EXPECT_EQ(BuildOutFrame(wire::kDefaultPanId, 0, src, dst, payload, &f), Error::kOk);
  return f;
}

OutFrame Craft(uint64_t src, uint64_t dst, const wire::Message& m) {
  std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
  Result<size_t> n = wire::Encode(m, {}, buf);
  EXPECT_TRUE(n.ok());
  return Craft(src, dst, ByteSpan(buf.data(), n.ok() ? *n : 0));
}

class EveryVersion : public ::testing::TestWithParam<Version> {};

TEST_P(EveryVersion, AssociatesAndExchangesDataBothWays) {
  LoopbackPan pan(Config(GetParam()), 1);
  const size_t d = pan.AddDevice();
  ASSERT_EQ(pan.node(d).core->StartAssociation(pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  ASSERT_TRUE(pan.coordinator().HasSession(pan.node(d).secrets.uid));
  EXPECT_EQ(pan.node(d).core->short_addr(), pan.coordinator().Sessions()[0].short_addr);

  ASSERT_EQ(pan.node(d).core->SendData(Bytes("hr=72 spo2=98"), pan.now()), Error::kOk);
  ASSERT_EQ(
      pan.coordinator().SendData(pan.node(d).secrets.uid, Bytes("set-interval 5s"), pan.now()),
      Error::kOk);
  pan.RunFor(kSeconds);
  const Event* up = Last(pan.coordinator_events(), EventKind::kDataReceived);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(DataOf(*up), "hr=72 spo2=98");
  const Event* down = Last(pan.node(d).events, EventKind::kDataReceived);
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(DataOf(*down), "set-interval 5s");
  EXPECT_EQ(SecurityEvents(pan.coordinator_events()), 0u);
  EXPECT_EQ(SecurityEvents(pan.node(d).events), 0u);
}

TEST_P(EveryVersion, IntegrityOnlyFramesAlsoVerify) {
  ProtocolConfig c = Config(GetParam());
  c.encrypt_data = false;
  c.wire.data_tag_size = 16;
  LoopbackPan pan(c, 2);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  std::string seen_plain;
  pan.tap = [&](const OutFrame& f, size_t) {
    std::string s(reinterpret_cast<const char*>(f.bytes.data()), f.size);
    if (s.find("temp=37.2") != std::string::npos) seen_plain = "yes";
  };
  ASSERT_EQ(pan.node(d).core->SendData(Bytes("temp=37.2"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  EXPECT_EQ(seen_plain, "yes");  // integrity only: the payload is readable on the air
  const Event* up = Last(pan.coordinator_events(), EventKind::kDataReceived);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(DataOf(*up), "temp=37.2");
}

TEST_P(EveryVersion, EncryptedPayloadNeverAppearsOnTheAir) {
  LoopbackPan pan(Config(GetParam()), 3);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  bool leaked = false;
  pan.tap = [&](const OutFrame& f, size_t) {
    std::string s(reinterpret_cast<const char*>(f.bytes.data()), f.size);
    leaked |= s.find("temp=37.2") != std::string::npos;
  };
  pan.node(d).core->SendData(Bytes("temp=37.2"), pan.now());
  pan.RunFor(kSeconds);
  EXPECT_FALSE(leaked);
  ASSERT_NE(Last(pan.coordinator_events(), EventKind::kDataReceived), nullptr);
}

TEST_P(EveryVersion, LossAndRetransmissionNeverLookLikeAnIntruder) {
  LoopbackPan pan(Config(GetParam()), 4);
  const size_t d = pan.AddDevice();
  // Lose the first copy of every distinct message, in both directions (a resent message
  // may carry a new MAC sequence number: the key is the MAC payload).
  std::vector<std::string> seen;
  pan.drop = [&](const OutFrame& f, size_t from, size_t to) {
    if (!(from == LoopbackPan::kCpan || to == LoopbackPan::kCpan)) return false;
    auto mf = wire::DecodeMacFrame(f.span());
    if (!mf.ok()) return false;
    std::string key(reinterpret_cast<const char*>(mf->payload.data()), mf->payload.size());
    key += std::to_string(to);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) return false;
    seen.push_back(key);
    return true;
  };
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(5 * kSeconds);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(SecurityEvents(pan.coordinator_events()), 0u);
  EXPECT_EQ(SecurityEvents(pan.node(d).events), 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, EveryVersion,
                         ::testing::Values(Version::kV1, Version::kV2, Version::kV3Paper,
                                           Version::kHardened),
                         [](const auto& param_info) {
                           std::string n = wire::VersionName(param_info.param);
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Association, WithoutAuthenticationIsRefusedUnlessAllowed) {
  ProtocolConfig c = Config(Version::kV1);
  c.authenticate = false;
  {
    LoopbackPan pan(c, 5);
    const size_t d = pan.AddDevice();
    pan.node(d).core->StartAssociation(pan.now());
    pan.RunFor(kSeconds);
    EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kIdle);
    EXPECT_EQ(Count(pan.node(d).events, EventKind::kAssociationFailed), 1u);
  }
  c.allow_unauthenticated = true;
  LoopbackPan pan(c, 5);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  pan.node(d).core->SendData(Bytes("plain"), pan.now());
  pan.RunFor(kSeconds);
  ASSERT_NE(Last(pan.coordinator_events(), EventKind::kDataReceived), nullptr);
}

TEST(Association, UnknownDeviceIsRefusedAndReported) {
  LoopbackPan pan(Config(Version::kHardened), 6);
  const size_t real = pan.AddDevice();
  DeviceSecrets stranger = pan.node(real).secrets;
  stranger.uid ^= 0x1111;
  const size_t x = pan.AddNode(stranger);
  pan.node(x).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(x).core->state(), DeviceCore::State::kIdle);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kUnknownDevice), 1u);
}

// ---- data-plane failures ----

struct AssociatedPan {
  explicit AssociatedPan(Version v, uint64_t seed = 7, bool encrypt = true) {
    ProtocolConfig c = Config(v);
    c.encrypt_data = encrypt;
    pan = std::make_unique<LoopbackPan>(c, seed);
    d = pan->AddDevice();
    pan->node(d).core->StartAssociation(0);
    pan->RunFor(kSeconds);
    EXPECT_EQ(pan->node(d).core->state(), DeviceCore::State::kAssociated);
  }
  OutFrame CaptureUplink(const std::string& payload) {
    OutFrame captured;
    pan->tap = [&](const OutFrame& f, size_t from) {
      if (from == d) captured = f;
    };
    pan->node(d).core->SendData(Bytes(payload), pan->now());
    pan->RunFor(kSeconds);
    pan->tap = nullptr;
    return captured;
  }
  std::unique_ptr<LoopbackPan> pan;
  size_t d = 0;
};

TEST(DataPlane, ReplayedFrameIsRejected) {
  AssociatedPan p(Version::kHardened);
  OutFrame f = p.CaptureUplink("dose=2ml");
  ASSERT_GT(f.size, 0);
  const size_t before = Count(p.pan->coordinator_events(), EventKind::kDataReceived);
  p.pan->Inject(f.span(), p.d);
  p.pan->RunFor(kSeconds);
  EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kDataReceived), before);
  EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kReplay), 1u);
}

TEST(DataPlane, WrongTagIsRejected) {
  for (bool encrypt : {true, false}) {
    AssociatedPan p(Version::kHardened, 8, encrypt);
    OutFrame f = p.CaptureUplink("dose=2ml");
    OutFrame bad = Edit(f, [](std::vector<uint8_t>& pl) { pl[7] ^= 0x01; });  // body byte
    const size_t before = Count(p.pan->coordinator_events(), EventKind::kDataReceived);
    // A fresh counter so that the replay check does not hide the tag check.
    OutFrame bad2 = Edit(bad, [](std::vector<uint8_t>& pl) { pl[5] = 0x40; });
    p.pan->Inject(bad2.span(), p.d);
    p.pan->RunFor(kSeconds);
    EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kDataReceived), before);
    EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kFrameTagInvalid), 1u)
        << "encrypt=" << encrypt;
  }
}

TEST(DataPlane, OutOfOrderInsideTheWindowIsAccepted) {
  AssociatedPan p(Version::kHardened);
  std::vector<OutFrame> frames;
  p.pan->drop = [&](const OutFrame& f, size_t from, size_t to) {
    if (from == p.d && to == LoopbackPan::kCpan) {
      frames.push_back(f);
      return true;
    }
    return false;
  };
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(p.pan->node(p.d).core->SendData(Bytes(std::string("x").append(std::to_string(i))), 0),
              Error::kOk);
    p.pan->RunFor(kMillis);
  }
  p.pan->drop = nullptr;
  ASSERT_EQ(frames.size(), 5u);
  for (int i : {4, 0, 3, 1, 2}) p.pan->Inject(frames[static_cast<size_t>(i)].span(), p.d);
  p.pan->RunFor(kSeconds);
  EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kDataReceived), 5u);
  EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kReplay), 0u);
}

// A frame the device sent, sent back to the device as if from the CPAN.
TEST(DataPlane, ReflectedFrameIsRejectedByHardenedButNotByPaperIntegrityOnly) {
  for (Version v : {Version::kHardened, Version::kV2}) {
    AssociatedPan p(v, 9, /*encrypt=*/false);
    OutFrame f = p.CaptureUplink("alarm-off");
    OutFrame reflected = Edit(
        f, [](std::vector<uint8_t>&) {}, [](wire::MacFrame& m) { std::swap(m.src, m.dst); });
    const size_t before = Count(p.pan->node(p.d).events, EventKind::kDataReceived);
    p.pan->Inject(reflected.span(), LoopbackPan::kCpan);
    p.pan->RunFor(kSeconds);
    const size_t accepted = Count(p.pan->node(p.d).events, EventKind::kDataReceived) - before;
    if (v == Version::kHardened) {
      EXPECT_EQ(accepted, 0u);
      EXPECT_EQ(Count(p.pan->node(p.d).events, EventKind::kFrameTagInvalid), 1u);
    } else {
      EXPECT_EQ(accepted, 1u) << "the paper's v2 MAC does not bind direction";
    }
  }
}

TEST(DataPlane, MalformedTruncatedAndOversizedFramesBecomeEventsNotCrashes) {
  AssociatedPan p(Version::kHardened);
  const uint64_t cpan = p.pan->identity().uid;
  const uint64_t dev = p.pan->node(p.d).secrets.uid;
  auto frame = [&](std::vector<uint8_t> payload) { return Craft(dev, cpan, payload); };
  p.pan->Inject(frame({0x47, 0x00}).span(), p.d);                     // DATA cut short
  p.pan->Inject(frame({0xF1}).span(), p.d);                           // unknown version
  p.pan->Inject(frame({0x4F}).span(), p.d);                           // unknown type
  p.pan->Inject(frame(std::vector<uint8_t>(104, 0x41)).span(), p.d);  // bad ASSOC_REQ
  std::vector<uint8_t> junk(130, 0x55);
  p.pan->Inject(ByteSpan(junk.data(), 127), p.d);  // bad FCS: noise, not an event
  p.pan->RunFor(kSeconds);
  const auto& ev = p.pan->coordinator_events();
  EXPECT_EQ(Count(ev, EventKind::kMalformedFrame), 4u);
  std::vector<Error> errors;
  for (const Event& e : ev)
    if (e.kind == EventKind::kMalformedFrame) errors.push_back(e.error);
  EXPECT_EQ(errors, (std::vector<Error>{Error::kTruncated, Error::kUnknownVersion,
                                        Error::kUnknownType, Error::kOversized}));
  // The session still works.
  p.pan->node(p.d).core->SendData(Bytes("ok"), p.pan->now());
  p.pan->RunFor(kSeconds);
  EXPECT_EQ(DataOf(*Last(ev, EventKind::kDataReceived)), "ok");
}

// ---- identity theft (seed 000, section 3) ----

struct TheftResult {
  bool intruder_associated = false;
  bool victim_keeps_session = false;
  std::vector<Event> cpan;
};

// The victim is associated (online) or powered off; the intruder then associates with
// the victim's identity and the given secrets.
TheftResult Theft(Version v, bool victim_online, int level, ConfirmPolicy policy) {
  ProtocolConfig c = Config(v);
  c.confirm = policy;
  LoopbackPan pan(c, 11);
  const size_t victim = pan.AddDevice();
  pan.node(victim).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(victim).core->state(), DeviceCore::State::kAssociated);
  DeviceSecrets s = level == 0   ? pan.StolenCredentials(victim)
                    : level == 1 ? pan.StolenWithKd(victim)
                                 : pan.node(victim).secrets;
  // A full clone is a live image: the victim's flash as it is now (its current R3).
  const size_t x =
      pan.AddNode(s, level == 2 ? pan.node(victim).core->persisted() : DevicePersisted{});
  pan.node(victim).online = victim_online;
  pan.node(x).core->StartAssociation(pan.now());
  pan.RunFor(3 * kSeconds);
  TheftResult r;
  r.intruder_associated = pan.node(x).core->state() == DeviceCore::State::kAssociated &&
                          pan.coordinator().HasSession(s.uid);
  r.victim_keeps_session = pan.coordinator().HasSession(s.uid);
  r.cpan = pan.coordinator_events();
  return r;
}

TEST(IdentityTheft, StolenCredentialsGetIntoPaperV1AndV2) {
  for (Version v : {Version::kV1, Version::kV2}) {
    TheftResult r = Theft(v, /*online=*/true, 0, ConfirmPolicy::kOnAnomaly);
    EXPECT_TRUE(r.intruder_associated) << wire::VersionName(v);
    EXPECT_EQ(SecurityEvents(r.cpan), 0u) << "v1/v2 notice nothing";
  }
}

TEST(IdentityTheft, PaperV3CatchesStolenCredentialsWhileTheRealDeviceIsOnline) {
  TheftResult r = Theft(Version::kV3Paper, true, 0, ConfirmPolicy::kOnAnomaly);
  EXPECT_FALSE(r.intruder_associated);
  EXPECT_EQ(Count(r.cpan, EventKind::kDuplicateAnswer), 1u);
  EXPECT_EQ(Count(r.cpan, EventKind::kConfirmationFailed), 1u);
  EXPECT_EQ(Count(r.cpan, EventKind::kAssociationRefused), 1u);
}

TEST(IdentityTheft, PaperV3MissesStolenCredentialsWhileTheRealDeviceIsOffline) {
  TheftResult r = Theft(Version::kV3Paper, false, 0, ConfirmPolicy::kOnAnomaly);
  EXPECT_TRUE(r.intruder_associated) << "no second answer, no confirmation: the paper's gap";
}

// Without Kd the intruder cannot even check the CPAN's request, let alone answer it; the
// real device, if online, disowns the attempt.
TEST(IdentityTheft, HardenedRefusesStolenCredentialsOutright) {
  TheftResult online = Theft(Version::kHardened, true, 0, ConfirmPolicy::kAlways);
  EXPECT_FALSE(online.intruder_associated);
  EXPECT_EQ(Count(online.cpan, EventKind::kUnsolicitedAnswer), 1u);
  EXPECT_EQ(Count(online.cpan, EventKind::kConfirmationFailed), 1u);
  TheftResult offline = Theft(Version::kHardened, false, 0, ConfirmPolicy::kAlways);
  EXPECT_FALSE(offline.intruder_associated);
}

TEST(DataPlane, FullDeviceQueueIsALocalErrorNotALoss) {
  AssociatedPan p(Version::kHardened);
  Error last = Error::kOk;
  int accepted = 0;
  for (int i = 0; i < 10 && last == Error::kOk; ++i) {
    last = p.pan->node(p.d).core->SendData(Bytes("x"), p.pan->now());
    if (last == Error::kOk) ++accepted;
  }
  EXPECT_EQ(last, Error::kNoBufs);
  p.pan->RunFor(kSeconds);
  EXPECT_EQ(Count(p.pan->coordinator_events(), EventKind::kDataReceived),
            static_cast<size_t>(accepted));
}

TEST(IdentityTheft, HardenedCatchesAClonedKdEvenWhileTheRealDeviceIsOffline) {
  TheftResult r = Theft(Version::kHardened, false, 1, ConfirmPolicy::kAlways);
  EXPECT_FALSE(r.intruder_associated);
  EXPECT_EQ(Count(r.cpan, EventKind::kConfirmationFailed), 1u);
}

TEST(IdentityTheft, HardenedOnAnomalyCatchesAClonedKdOnlyWhileTheRealDeviceIsOnline) {
  TheftResult online = Theft(Version::kHardened, true, 1, ConfirmPolicy::kOnAnomaly);
  EXPECT_FALSE(online.intruder_associated);
  EXPECT_GE(Count(online.cpan, EventKind::kUnsolicitedAnswer), 1u);
  TheftResult offline = Theft(Version::kHardened, false, 1, ConfirmPolicy::kOnAnomaly);
  EXPECT_TRUE(offline.intruder_associated) << "on-anomaly trades this case for latency";
}

TEST(IdentityTheft, FullyClonedDeviceIsAnIdentityConflictWhileTheOriginalIsOnline) {
  TheftResult r = Theft(Version::kHardened, true, 2, ConfirmPolicy::kAlways);
  EXPECT_FALSE(r.intruder_associated);
  EXPECT_GE(Count(r.cpan, EventKind::kIdentityConflict), 1u);
}

// An image taken earlier is caught by the moving common function (common_function_test.cc).
TEST(IdentityTheft, FullyClonedDeviceWithTheOriginalOfflineIsUndetectableByCryptography) {
  TheftResult r = Theft(Version::kHardened, false, 2, ConfirmPolicy::kAlways);
  EXPECT_TRUE(r.intruder_associated);
  EXPECT_EQ(SecurityEvents(r.cpan), 0u) << "left to the behaviour-anomaly detector";
}

TEST(IdentityTheft, SniffedR3ReplaysAgainstPaperV3ButNotHardened) {
  for (Version v : {Version::kV3Paper, Version::kHardened}) {
    ProtocolConfig c = Config(v);
    c.confirm = ConfirmPolicy::kAlways;
    LoopbackPan pan(c, 12);
    const size_t victim = pan.AddDevice();
    std::vector<OutFrame> confirm_answers;
    pan.tap = [&](const OutFrame& f, size_t from) {
      auto mf = wire::DecodeMacFrame(f.span());
      if (from == victim && mf.ok() && (mf->payload[0] & 0x0F) == 5) confirm_answers.push_back(f);
    };
    pan.node(victim).core->StartAssociation(0);
    pan.RunFor(kSeconds);
    ASSERT_EQ(confirm_answers.size(), 1u);
    pan.tap = nullptr;
    pan.node(victim).online = false;
    // The attacker holds the credentials (enough for the paper's OTP) and the sniffed
    // confirmation answer; it replays the answer when asked to confirm.
    const size_t x = pan.AddNode(pan.StolenCredentials(victim));
    const OutFrame sniffed = confirm_answers[0];
    bool replayed = false;
    pan.drop = [&](const OutFrame& f, size_t from, size_t to) {
      auto mf = wire::DecodeMacFrame(f.span());
      if (from == LoopbackPan::kCpan && to == x && mf.ok() && (mf->payload[0] & 0x0F) == 4 &&
          !replayed) {
        replayed = true;
        pan.Inject(sniffed.span(), x);
      }
      return false;
    };
    pan.node(x).core->StartAssociation(pan.now());
    pan.RunFor(3 * kSeconds);
    const bool got_in = pan.coordinator().HasSession(pan.node(x).secrets.uid) &&
                        pan.node(x).core->state() == DeviceCore::State::kAssociated;
    if (v == Version::kV3Paper) {
      EXPECT_TRUE(got_in) << "paper R3 is static";
    } else {
      EXPECT_FALSE(got_in);
    }
  }
}

// v3-paper confirmation requests carry no challenge; a device must not answer one long
// after the request it was answering (else anyone can pull R3 out of it later).
TEST(IdentityTheft, PaperV3DeviceForgetsForeignRequestsAfterThePendingTimeout) {
  ProtocolConfig c = Config(Version::kV3Paper);
  LoopbackPan pan(c, 21);
  const size_t victim = pan.AddDevice();
  pan.node(victim).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  const size_t x = pan.AddNode(pan.StolenCredentials(victim));
  pan.node(x).core->StartAssociation(pan.now());
  pan.RunFor(3 * kSeconds);
  ASSERT_EQ(pan.node(victim).core->unsolicited_answers(), 1u);
  size_t confirm_answers = 0;
  pan.tap = [&](const OutFrame& f, size_t from) {
    auto mf = wire::DecodeMacFrame(f.span());
    if (from == victim && mf.ok() && (mf->payload[0] & 0x0F) == 5) ++confirm_answers;
  };
  wire::Message m;
  m.version = Version::kV3Paper;
  m.type = wire::MsgType::kConfirmReq;
  pan.Inject(Craft(pan.identity().uid, pan.node(victim).secrets.uid, m).span(), LoopbackPan::kCpan);
  pan.RunFor(kSeconds);
  EXPECT_EQ(confirm_answers, 0u);
}

TEST(DenialOfService, ForgedIdentitiesOnARadioShareOneRateLimit) {
  ProtocolConfig c = Config(Version::kHardened);
  LoopbackPan pan(c, 22);
  const size_t d = pan.AddDevice();
  DeviceSecrets forged = pan.node(d).secrets;
  size_t refused_by_limit = 0;
  for (int i = 0; i < 200; ++i) {  // 200 different unknown uids within one second
    forged.uid = 0x7000 + static_cast<uint64_t>(i);
    wire::Message m;
    m.version = Version::kHardened;
    m.type = wire::MsgType::kAssocReq;
    m.flags = wire::kAssocFlagAuthenticate;
    pan.coordinator().HandleFrame(Craft(forged.uid, pan.identity().uid, m).span(), 0, pan.now());
  }
  Event ev;
  while (pan.coordinator().PollEvent(&ev))
    if (ev.kind == EventKind::kRateLimited) ++refused_by_limit;
  EXPECT_EQ(refused_by_limit, 200u - c.assoc_per_link_per_second);
  // The enrolled device has its own bucket and still gets in.
  pan.node(d).core->StartAssociation(pan.now());
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
}

TEST(IdentityTheft, RogueCpanIsDetectedByTheDeviceFromV2On) {
  LoopbackPan pan(Config(Version::kV2), 13);
  const size_t d = pan.AddDevice();
  // A rogue coordinator answers every ASSOC_REQ first, with a forged proof.
  pan.drop = [&](const OutFrame& f, size_t from, size_t) {
    auto mf = wire::DecodeMacFrame(f.span());
    return from == LoopbackPan::kCpan && mf.ok() && (mf->payload[0] & 0x0F) == 2;
  };
  pan.tap = [&](const OutFrame& f, size_t from) {
    auto mf = wire::DecodeMacFrame(f.span());
    if (from != d || !mf.ok() || (mf->payload[0] & 0x0F) != 1) return;
    wire::Message m;
    m.version = Version::kV2;
    m.type = wire::MsgType::kAuthReq;
    pan.node(d).core->HandleFrame(Craft(pan.identity().uid, pan.node(d).secrets.uid, m).span(),
                                  pan.now());
  };
  pan.node(d).core->StartAssociation(0);
  pan.RunFor(2 * kSeconds);
  EXPECT_NE(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_GE(Count(pan.node(d).events, EventKind::kCpanAuthFailed), 1u);
}

// An intruder floods association requests in the victim's name: every request makes the
// CPAN send an authentication request that the real device answers (v3). Hardened bounds
// both sides.
TEST(DenialOfService, UnsolicitedRequestsAreAnsweredAtABoundedRate) {
  ProtocolConfig c = Config(Version::kHardened);
  LoopbackPan pan(c, 14);
  const size_t victim = pan.AddDevice();
  pan.node(victim).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  const size_t x = pan.AddNode(pan.StolenCredentials(victim));
  for (int i = 0; i < 1000; ++i) {  // 1000 attempts in 10 s
    pan.node(x).core->StartAssociation(pan.now());
    pan.RunFor(10 * kMillis);
  }
  const uint32_t answered = pan.node(victim).core->unsolicited_answers();
  EXPECT_LE(answered, c.unsolicited_answers_per_minute + 1);
  EXPECT_GE(answered, 1u);
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kRateLimited) +
                Count(pan.coordinator_events(), EventKind::kBlockedSource),
            100u);
  EXPECT_TRUE(pan.coordinator().HasSession(pan.node(victim).secrets.uid));
}

// ---- broadcast ----

TEST(Broadcast, HiddenKeyProtectsBroadcastAndRevocationRotatesIt) {
  LoopbackPan pan(Config(Version::kHardened), 15);
  const size_t a = pan.AddDevice(), b = pan.AddDevice();
  pan.node(a).core->StartAssociation(0);
  pan.node(b).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.coordinator().SendBroadcast(Bytes("code-blue ward 3"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  ASSERT_NE(Last(pan.node(b).events, EventKind::kBroadcastReceived), nullptr);
  EXPECT_EQ(DataOf(*Last(pan.node(b).events, EventKind::kBroadcastReceived)), "code-blue ward 3");
  const uint8_t epoch = pan.node(b).core->bcast_epoch();
  ASSERT_EQ(pan.coordinator().Revoke(pan.node(a).secrets.uid, pan.now()), Error::kOk);
  pan.directory().SetRevoked(pan.node(a).secrets.uid, true);
  pan.RunFor(kSeconds);
  EXPECT_EQ(pan.node(b).core->bcast_epoch(), epoch + 1);
  EXPECT_EQ(Count(pan.node(b).events, EventKind::kKeyUpdated), 1u);
  pan.coordinator().SendBroadcast(Bytes("after"), pan.now());
  pan.RunFor(kSeconds);
  EXPECT_EQ(DataOf(*Last(pan.node(b).events, EventKind::kBroadcastReceived)), "after");
  // The revoked device still holds the old Kb: it cannot read the new epoch.
  EXPECT_NE(DataOf(*Last(pan.node(a).events, EventKind::kBroadcastReceived)), "after");
}

// An enrolled insider knows Kb and sends a broadcast "from the CPAN".
TEST(Broadcast, InsiderForgeryPassesPaperV2ButNotHardened) {
  for (Version v : {Version::kV2, Version::kHardened}) {
    LoopbackPan pan(Config(v), 16);
    const size_t insider = pan.AddDevice(), victim = pan.AddDevice();
    pan.node(insider).core->StartAssociation(0);
    pan.node(victim).core->StartAssociation(0);
    pan.RunFor(kSeconds);
    // The insider cannot build a valid signature, but it has the group keys; model its
    // forgery as the CPAN's own bytes re-encrypted under the same Kb with a new payload:
    // take a genuine broadcast, and re-protect it through a second coordinator that
    // shares Kb and the CPAN uid but not the signing key.
    CoordinatorPersisted shared = pan.coordinator().persisted();
    OutFrame genuine;
    pan.tap = [&](const OutFrame& f, size_t from) {
      if (from == LoopbackPan::kCpan && f.dst == wire::kBroadcastUid) genuine = f;
    };
    pan.coordinator().SendBroadcast(Bytes("genuine"), pan.now());
    pan.RunFor(kSeconds);
    pan.tap = nullptr;
    shared = pan.coordinator().persisted();
    CoordinatorIdentity forged_id = pan.identity();
    forged_id.sign_priv.fill(0x42);  // not the CPAN's key
    OpenSslCrypto crypto;
    SeededRandom rnd(99);
    shared.bcast_ceiling += 10;
    CoordinatorCore forger(Config(v), forged_id, pan.directory(), crypto, rnd, shared);
    ASSERT_EQ(forger.SendBroadcast(Bytes("stop-infusion"), pan.now()), Error::kOk);
    OutFrame f;
    Event ev;
    while (forger.PollEvent(&ev)) {
    }
    ASSERT_TRUE(forger.PollTransmit(&f));
    pan.Inject(f.span(), insider);
    pan.RunFor(kSeconds);
    const Event* got = Last(pan.node(victim).events, EventKind::kBroadcastReceived);
    ASSERT_NE(got, nullptr);
    if (v == Version::kV2) {
      EXPECT_EQ(DataOf(*got), "stop-infusion") << "v2's hidden key is shared by insiders";
    } else {
      EXPECT_EQ(DataOf(*got), "genuine");
      EXPECT_EQ(Count(pan.node(victim).events, EventKind::kBroadcastForgery), 1u);
    }
  }
}

TEST(Broadcast, RebootWithPersistedCountersRefusesAnOldBroadcast) {
  ProtocolConfig c = Config(Version::kHardened);
  LoopbackPan pan(c, 17);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  OutFrame old;
  pan.tap = [&](const OutFrame& f, size_t from) {
    if (from == LoopbackPan::kCpan && f.dst == wire::kBroadcastUid) old = f;
  };
  pan.coordinator().SendBroadcast(Bytes("alarm-silence"), pan.now());
  pan.RunFor(kSeconds);
  pan.tap = nullptr;
  ASSERT_GT(old.size, 0);
  // Reboot: a new core from the same secrets and the persisted counters.
  const DevicePersisted saved = pan.node(d).core->persisted();
  OpenSslCrypto crypto;
  SeededRandom rnd(5);
  for (bool with_persistence : {false, true}) {
    LoopbackPan::Node& n = pan.node(d);
    // The broadcast floor is what this test keeps or loses; the common function (hardened
    // moves it at every association) is always the device's latest.
    DevicePersisted p = with_persistence ? saved : DevicePersisted{};
    p.has_r3 = n.core->persisted().has_r3;
    p.r3_generation = n.core->persisted().r3_generation;
    p.r3 = n.core->persisted().r3;
    n.core = std::make_unique<DeviceCore>(c, n.secrets, pan.crypto(), rnd, p);
    n.events.clear();
    n.core->StartAssociation(pan.now());
    pan.RunFor(kSeconds);
    ASSERT_EQ(n.core->state(), DeviceCore::State::kAssociated);
    pan.Inject(old.span(), LoopbackPan::kCpan);
    pan.RunFor(kSeconds);
    const bool accepted = Count(n.events, EventKind::kBroadcastReceived) > 0;
    EXPECT_EQ(accepted, !with_persistence);
    if (with_persistence) {
      EXPECT_EQ(Count(n.events, EventKind::kReplay), 1u);
    }
  }
}

TEST(Broadcast, RestartedCoordinatorNeverReusesABroadcastCounter) {
  ProtocolConfig c = Config(Version::kV2);
  c.counter_persist_interval = 16;
  LoopbackPan pan(c, 18);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  for (int i = 0; i < 5; ++i) pan.coordinator().SendBroadcast(Bytes("b"), pan.now());
  pan.RunFor(kSeconds);
  const CoordinatorPersisted saved = pan.coordinator().persisted();
  EXPECT_EQ(saved.bcast_ceiling, 1u + 16u);  // persisted before counter 1 went out
  OpenSslCrypto crypto;
  SeededRandom rnd(3);
  CoordinatorCore restarted(c, pan.identity(), pan.directory(), crypto, rnd, saved);
  ASSERT_EQ(restarted.SendBroadcast(Bytes("after restart"), pan.now()), Error::kOk);
  OutFrame f;
  ASSERT_TRUE(restarted.PollTransmit(&f));
  pan.Inject(f.span(), LoopbackPan::kCpan);
  pan.RunFor(kSeconds);
  EXPECT_EQ(DataOf(*Last(pan.node(d).events, EventKind::kBroadcastReceived)), "after restart");
  EXPECT_EQ(Count(pan.node(d).events, EventKind::kReplay), 0u);
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

// ---- provisional grant (on-anomaly policy: v3-paper, hardened on-anomaly) ----

const Event* First(const std::vector<Event>& evs, EventKind k) {
  for (const Event& e : evs)
    if (e.kind == k) return &e;
  return nullptr;
}

class OnAnomaly : public ::testing::TestWithParam<Version> {
 protected:
  ProtocolConfig Cfg() const {
    ProtocolConfig c = Config(GetParam());
    c.confirm = ConfirmPolicy::kOnAnomaly;
    return c;
  }
};

// Starts an association and runs the PAN only until the device holds its session (still
// provisional at the coordinator).
bool AssociateProvisionally(LoopbackPan& pan, size_t d) {
  pan.node(d).core->StartAssociation(pan.now());
  while (pan.node(d).core->state() != DeviceCore::State::kAssociated && pan.now() < kSeconds)
    pan.RunFor(100);
  return pan.node(d).core->state() == DeviceCore::State::kAssociated;
}

// The window for a second answer used to run before the grant, and so sat in every
// association's latency.
TEST_P(OnAnomaly, DeviceIsGrantedBeforeTheAnswerWindowCloses) {
  LoopbackPan pan(Cfg(), 21);
  const size_t d = pan.AddDevice();
  pan.node(d).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  const Event* dev = First(pan.node(d).events, EventKind::kAssociated);
  const Event* cpan = First(pan.coordinator_events(), EventKind::kAssociated);
  ASSERT_NE(dev, nullptr);
  ASSERT_NE(cpan, nullptr);
  EXPECT_LT(dev->time, Cfg().answer_window) << "the device did not wait out the window";
  // The coordinator announces the session only once the window closed in silence.
  EXPECT_GE(cpan->time, Cfg().answer_window);
  EXPECT_EQ(pan.node(d).core->state(), DeviceCore::State::kAssociated);
  EXPECT_TRUE(pan.coordinator().HasSession(pan.node(d).secrets.uid));
  EXPECT_EQ(SecurityEvents(pan.coordinator_events()), 0u);
}

TEST_P(OnAnomaly, DataSentInAProvisionalSessionIsHeldNotLost) {
  LoopbackPan pan(Cfg(), 22);
  const size_t d = pan.AddDevice();
  // Run just until the device holds its session, then send at once.
  ASSERT_TRUE(AssociateProvisionally(pan, d));
  ASSERT_EQ(First(pan.coordinator_events(), EventKind::kAssociated), nullptr);
  ASSERT_EQ(pan.node(d).core->SendData(Bytes("first"), pan.now()), Error::kOk);
  ASSERT_EQ(pan.node(d).core->SendData(Bytes("second"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  const auto& ev = pan.coordinator_events();
  const auto assoc = std::find_if(ev.begin(), ev.end(),
                                  [](const Event& e) { return e.kind == EventKind::kAssociated; });
  ASSERT_NE(assoc, ev.end());
  std::vector<std::string> data;
  for (auto it = ev.begin(); it != ev.end(); ++it) {
    if (it->kind != EventKind::kDataReceived) continue;
    EXPECT_GT(it, assoc) << "data reported before its session was";
    data.push_back(DataOf(*it));
  }
  EXPECT_EQ(data, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(SecurityEvents(ev), 0u);
}

// The hold is bounded: beyond what 802.15.4 carries in the window, frames are refused
// as a flood, not buffered.
TEST_P(OnAnomaly, ProvisionalSessionHoldsABoundedNumberOfFrames) {
  LoopbackPan pan(Cfg(), 24);
  const size_t d = pan.AddDevice();
  ASSERT_TRUE(AssociateProvisionally(pan, d));
  const TimeUs granted = pan.now();
  int sent = 0;
  for (int round = 0; round < 3; ++round) {
    while (pan.node(d).core->SendData(Bytes("x"), pan.now()) == Error::kOk) ++sent;
    pan.RunFor(kMillis);
  }
  ASSERT_LT(pan.now() - granted, Cfg().answer_window) << "all sent inside the window";
  ASSERT_GT(sent, 4);
  pan.RunFor(kSeconds);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kDataReceived), 4u);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kRateLimited),
            static_cast<size_t>(sent - 4));
}

// An intruder with stolen credentials answers first; the real device's answer arrives
// within the window. The grant is withdrawn before the coordinator ever announced it, the
// real device keeps its session, and the intruder learns it holds nothing.
TEST_P(OnAnomaly, SecondAnswerWithdrawsTheGrantAndSparesTheRealSession) {
  LoopbackPan pan(Cfg(), 23);
  const size_t victim = pan.AddDevice();
  pan.node(victim).core->StartAssociation(0);
  pan.RunFor(kSeconds);
  ASSERT_EQ(pan.node(victim).core->state(), DeviceCore::State::kAssociated);
  const uint64_t uid = pan.node(victim).secrets.uid;
  const size_t x = pan.AddNode(pan.StolenWithKd(victim));
  // The real device hears the coordinator's request late (a backoff, a retry), so the
  // intruder's answer comes first: the frame is held back and delivered 3 ms later.
  OutFrame held;
  bool holding = false, reinjecting = false;
  pan.drop = [&](const OutFrame& f, size_t from, size_t to) {
    if (reinjecting) return to != victim;
    auto mf = wire::DecodeMacFrame(f.span());
    const bool auth_req = mf.ok() && !mf->payload.empty() &&
                          (mf->payload[0] & 0x0F) == static_cast<uint8_t>(wire::MsgType::kAuthReq);
    if (from != LoopbackPan::kCpan || to != victim || !auth_req || holding) return false;
    held = f;
    holding = true;
    return true;
  };
  pan.coordinator_events().clear();
  pan.node(x).core->StartAssociation(pan.now());
  pan.RunFor(3 * kMillis);
  ASSERT_TRUE(holding);
  reinjecting = true;
  pan.Inject(held.span(), LoopbackPan::kCpan);
  reinjecting = false;
  pan.RunFor(3 * kSeconds);
  const auto& xe = pan.node(x).events;
  ASSERT_GE(Count(xe, EventKind::kAssociated), 1u) << "the intruder's answer came first";
  EXPECT_EQ(Count(xe, EventKind::kAssociated), Count(xe, EventKind::kDisassociated))
      << "every grant the intruder saw was withdrawn";
  EXPECT_NE(pan.node(x).core->state(), DeviceCore::State::kAssociated);
  EXPECT_EQ(Count(pan.coordinator_events(), EventKind::kAssociated), 0u);
  EXPECT_GE(Count(pan.coordinator_events(), EventKind::kDuplicateAnswer) +
                Count(pan.coordinator_events(), EventKind::kUnsolicitedAnswer),
            1u);
  // The real device's session was never touched: its data still verifies.
  ASSERT_TRUE(pan.coordinator().HasSession(uid));
  ASSERT_EQ(pan.node(victim).core->SendData(Bytes("still me"), pan.now()), Error::kOk);
  pan.RunFor(kSeconds);
  const Event* last = Last(pan.coordinator_events(), EventKind::kDataReceived);
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(DataOf(*last), "still me");
}

INSTANTIATE_TEST_SUITE_P(All, OnAnomaly, ::testing::Values(Version::kV3Paper, Version::kHardened),
                         [](const auto& p) {
                           return p.param == Version::kHardened ? std::string("hardened")
                                                                : std::string("v3_paper");
                         });

}  // namespace
}  // namespace vigil
