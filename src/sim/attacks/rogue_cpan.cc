// Rogue CPAN: a fake coordinator where the real one cannot be heard (the victim is in
// the pocket at the end of the wing, the rogue next to it; attack.h, IntruderSpots). The
// victim reboots there and associates; the rogue answers in the real CPAN's name. An
// internal intruder holds the victim's credentials, which key the paper versions' CPAN
// proof (v2, v3) and session (so it can also seal the key block); an external one holds
// nothing and guesses the proof. v1 has no CPAN proof at all.
// Goal: the victim completes an association with the rogue.
#include <array>
#include <memory>

#include "connection/keys.h"
#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class RogueCpan final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 45 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    const IntruderSpots& sp = env_.spots(plan_.ward);
    node_ = sp.relay_far;
    pc_ = world().WardProtocol(plan_.ward);
    home_x_ = victim().setup.x;
    home_y_ = victim().setup.y;
    if (plan_.capability >= Capability::kCredentials) {
      const DeviceSecrets& s = victim().secrets;
      have_r1_ = CommonFunctionR1(world().crypto(), s.username.span(), s.password.span(), r1_) ==
                 Error::kOk;
    }
    RadioNode n = world().radio().node(node_);
    n.SetAddresses({ward().identity.uid});  // it is "the CPAN" here
    n.SetReceiver([this](const RxFrame& f) { OnHeard(f); });
    world().MoveTo(plan_.victim, plan_.ward, sp.pocket_x, sp.pocket_y);
    world().Reboot(plan_.victim);
  }

  void Stop() override {
    stopped_ = true;
    env_.ResetNode(node_);
    world().MoveTo(plan_.victim, plan_.ward, home_x_, home_y_);
    world().Reboot(plan_.victim);
    note_ = std::string(have_r1_ ? "with credentials" : "no secret") +
            ", requests=" + std::to_string(requests_);
  }

  void OnDeviceEvent(size_t device, const Event& e) override {
    if (device == plan_.victim && e.kind == EventKind::kAssociated) goal_ = true;
  }

 private:
  Transcript T() {
    Transcript t;
    t.version = pc_.version;
    t.device_uid = victim_uid();
    t.cpan_uid = ward().identity.uid;
    t.nd = nd_;
    t.nc = nc_;
    return t;
  }

  void OnHeard(const RxFrame& f) {
    wire::MacFrame mf;
    wire::Message m;
    if (!forge::Parse(f.bytes, pc_.wire, &mf, &m) || mf.src != victim_uid()) return;
    const forge::Mac mac{pc_.pan_id, ward().identity.uid, victim_uid(), seq_++};
    if (m.type == wire::MsgType::kAssocReq) {
      ++requests_;
      nd_ = m.nd;
      forge::Guess(env_.Draw(), nc_);
      wire::Message r;
      r.version = pc_.version;
      r.type = wire::MsgType::kAuthReq;
      r.nd = nd_;
      r.nc = nc_;
      const Transcript t = T();
      const uint64_t g = env_.Draw();
      Send(forge::Build(mac, r, pc_.wire, [&](ByteSpan prefix, MutableByteSpan tag) {
        if (have_r1_ && pc_.version != wire::Version::kHardened) {
          CpanProof(world().crypto(), r1_, t, prefix, tag);
        } else {
          forge::Guess(g, tag);  // hardened keys the proof with Kd
        }
      }));
    } else if (m.type == wire::MsgType::kAuthResp) {
      wire::Message r;
      r.version = pc_.version;
      r.type = wire::MsgType::kAssocResp;
      r.status = wire::AssocStatus::kAccepted;
      r.short_addr = 0x0777;
      std::array<uint8_t, wire::kKeyBlockSize> block{};
      block[0] = 1;
      forge::Guess(env_.Draw(), MutableByteSpan(block.data() + 1, wire::kKbSize));
      if (pc_.version != wire::Version::kV1) r.body = block;
      std::array<uint8_t, wire::kMaxUnicastPayload> buf{};
      Result<size_t> n = wire::Encode(r, pc_.wire, buf);
      if (!n.ok()) return;
      if (pc_.version != wire::Version::kV1) {
        SessionKeys keys;
        const bool can = have_r1_ && pc_.version != wire::Version::kHardened &&
                         DeriveSessionKeys(world().crypto(), r1_, T(), &keys) == Error::kOk;
        const size_t body_off = *n - wire::kAssocRespTagSize - wire::kKeyBlockSize;
        if (can) {
          FrameAddress fa{wire::Direction::kCpanToDevice, ward().identity.uid, victim_uid()};
          ProtectMessage(world().crypto(), keys, pc_.version, fa, 0, true,
                         MutableByteSpan(buf.data(), *n), body_off, wire::kKeyBlockSize,
                         wire::kAssocRespTagSize);
          keys.Release(world().crypto());
        } else {
          forge::Guess(env_.Draw(), MutableByteSpan(buf.data() + *n - wire::kAssocRespTagSize,
                                                    wire::kAssocRespTagSize));
        }
      }
      Send(forge::Frame(mac, ByteSpan(buf.data(), *n)));
    }
  }

  void Send(const forge::Bytes& b) {
    if (!b.empty()) Transmit(node_, b);
  }

  NodeId node_ = 0;
  ProtocolConfig pc_;
  double home_x_ = 0, home_y_ = 0;
  bool have_r1_ = false;
  std::array<uint8_t, 32> r1_{};
  wire::Nonce nd_{}, nc_{};
  uint8_t seq_ = 0x20;
  int requests_ = 0;
};

}  // namespace

std::unique_ptr<Attack> MakeRogueCpan(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<RogueCpan>(p, env);
}

}  // namespace vigil::sim
