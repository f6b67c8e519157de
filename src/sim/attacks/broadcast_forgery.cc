// Broadcast forgery: one ward broadcast "from the CPAN" ("!stop-infusion": one command
// is all the attacker needs). An internal intruder knows the ward's hidden broadcast key Kb (every
// associated device receives it; the insider's copy is read from the coordinator's
// state) and protects its forgery exactly as the CPAN would, through a coordinator core
// of its own that holds Kb but not the CPAN's signing key. An external intruder has no
// key: it sends a broadcast with a guessed tag (and signature).
// Goal: a device of the ward accepts a forged broadcast.
#include <array>
#include <memory>

#include "connection/coordinator_core.h"
#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

const uint8_t kForged[] = {'!', 's', 't', 'o', 'p', '-', 'i', 'n', 'f', 'u', 's', 'i', 'o', 'n'};

class BroadcastForgery final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 15 * kSeconds; }

  void Start() override {
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    pc_ = world().WardProtocol(plan_.ward);
    subjects_.push_back(ward().identity.uid);
    for (size_t i = 0; i < world().device_count(); ++i) {
      const World::Device& d = world().device(i);
      if (d.powered && d.joined_ward == plan_.ward) subjects_.push_back(d.secrets.uid);
    }
    Send(0);
  }

  void Stop() override {
    stopped_ = true;
    note_ = plan_.intruder == Intruder::kInternal ? "with the ward's Kb" : "guessed tag";
  }

  void OnDeviceEvent(size_t, const Event& e) override {
    if (e.kind == EventKind::kBroadcastReceived && e.data_len > 0 && e.data[0] == '!') goal_ = true;
  }

 private:
  void Send(int n) {
    forge::Bytes frame;
    CoordinatorPersisted state = ward().cpan->core().persisted();
    if (plan_.intruder == Intruder::kInternal && state.has_kb &&
        pc_.version != wire::Version::kV1) {
      CoordinatorIdentity id = ward().identity;
      forge::Guess(env_.Draw(), id.sign_priv);  // not the CPAN's signing key
      // The counter right after the last genuine one heard on the air: the devices accept
      // it, and refuse the CPAN's next genuine broadcast once as a replay.
      state.bcast_ceiling = env_.LastBroadcastCounter(pc_.pan_id, state.epoch);
      CoordinatorCore forger(pc_, id, world().directory(), world().crypto(), world().random(),
                             state);
      if (forger.SendBroadcast(kForged, now()) == Error::kOk) {
        OutFrame f;
        Event ev;
        while (forger.PollEvent(&ev)) {
        }
        if (forger.PollTransmit(&f)) frame.assign(f.bytes.begin(), f.bytes.begin() + f.size);
      }
    }
    if (frame.empty()) {
      wire::Message m;
      m.version = pc_.version == wire::Version::kV1 ? wire::Version::kV2 : pc_.version;
      m.type = wire::MsgType::kBroadcast;
      m.flags = wire::kDataFlagEncrypted;
      m.epoch = state.epoch;  // read on the air from any genuine broadcast
      m.counter = env_.LastBroadcastCounter(pc_.pan_id, state.epoch) + 1;
      m.body = kForged;
      // Tag (and hardened signature) are the message's last bytes: all guessed.
      std::array<uint8_t, wire::kMaxBroadcastPayload> buf{};
      Result<size_t> len = wire::Encode(m, pc_.wire, buf);
      if (len.ok()) {
        size_t tail = wire::TagSize(m.version, m.type, pc_.wire);
        if (m.version == wire::Version::kHardened) tail += wire::kSignatureSize;
        forge::Guess(env_.Draw(), MutableByteSpan(buf.data() + *len - tail, tail));
        frame = forge::Frame(
            {pc_.pan_id, ward().identity.uid, wire::kBroadcastUid, static_cast<uint8_t>(0x60 + n)},
            ByteSpan(buf.data(), *len));
      }
    }
    if (!frame.empty()) Transmit(node_, frame);
  }

  NodeId node_ = 0;
  ProtocolConfig pc_;
};

}  // namespace

std::unique_ptr<Attack> MakeBroadcastForgery(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<BroadcastForgery>(p, env);
}

}  // namespace vigil::sim
