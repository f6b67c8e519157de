// OTP brute force: association attempts in the victim's name, each answered with a
// guessed one-time password (paper versions, 8 decimal digits) or tag (hardened), as fast
// as the handshake allows: twelve guesses, one attempt every 600 ms.
// Goal: the CPAN grants an attempt the victim did not make.
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class OtpBruteForce final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 12 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    pc_ = world().WardProtocol(plan_.ward);
    world().radio().node(node_).SetReceiver([this](const RxFrame& f) { OnHeard(f); });
    Attempt(0);
  }

  void Stop() override {
    stopped_ = true;
    env_.ResetNode(node_);
    note_ = "guesses=" + std::to_string(guesses_);
    if (goal_) world().Reboot(plan_.victim);
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    if (w == plan_.ward && e.kind == EventKind::kAssociated && e.uid == victim_uid() &&
        victim().assoc_started < 0)
      goal_ = true;
  }

 private:
  void Attempt(int n) {
    wire::Message m;
    m.version = pc_.version;
    m.type = wire::MsgType::kAssocReq;
    m.flags = wire::kAssocFlagAuthenticate;
    forge::Guess(env_.Draw(), m.nd);
    nd_ = m.nd;
    answered_ = false;
    Transmit(node_, forge::Build({pc_.pan_id, victim_uid(), ward().identity.uid, seq_++}, m,
                                 pc_.wire, nullptr));
    if (n < 11) After(600 * kMillis, [this, n] { Attempt(n + 1); });
  }

  void OnHeard(const RxFrame& f) {
    wire::MacFrame mf;
    wire::Message m;
    if (answered_ || f.dst != victim_uid()) return;
    if (!forge::Parse(f.bytes, pc_.wire, &mf, &m) || m.type != wire::MsgType::kAuthReq) return;
    if (m.version != wire::Version::kV1 && m.version != wire::Version::kV2 && m.nd != nd_) return;
    answered_ = true;
    ++guesses_;
    wire::Message r;
    r.version = pc_.version;
    r.type = wire::MsgType::kAuthResp;
    const uint64_t g = env_.Draw();
    const bool paper = pc_.version != wire::Version::kHardened;
    Transmit(node_, forge::Build({pc_.pan_id, victim_uid(), ward().identity.uid, seq_++}, r,
                                 pc_.wire, [g, paper](ByteSpan, MutableByteSpan tag) {
                                   forge::Guess(g, tag);
                                   if (paper && tag.size() == 4) {  // 8 decimal digits
                                     const uint32_t otp = static_cast<uint32_t>(g % 100000000u);
                                     tag[0] = static_cast<uint8_t>(otp >> 24);
                                     tag[1] = static_cast<uint8_t>(otp >> 16);
                                     tag[2] = static_cast<uint8_t>(otp >> 8);
                                     tag[3] = static_cast<uint8_t>(otp);
                                   }
                                 }));
  }

  NodeId node_ = 0;
  ProtocolConfig pc_;
  wire::Nonce nd_{};
  bool answered_ = false;
  int guesses_ = 0;
  uint8_t seq_ = 0x10;
};

}  // namespace

std::unique_ptr<Attack> MakeOtpBruteForce(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<OtpBruteForce>(p, env);
}

}  // namespace vigil::sim
