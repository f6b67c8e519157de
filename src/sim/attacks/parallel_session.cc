// Parallel sessions (seed 002 section 2.2): an intruder that holds nothing but the
// victim's Uid opens an association in its name and uses the real device as an oracle.
// From v3 on, the device answers authentication requests it did not ask for; the
// intruder takes that answer, clears its "unsolicited" flag and sends it as its own, and
// does the same with the device's answer to the confirmation request. In v1 and v2 the
// device stays silent and the intruder has nothing to forward. Three attempts, 10 s apart.
// Goal: the CPAN grants the intruder's attempt (the victim did not ask to associate).
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class ParallelSession final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 35 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    world().radio().node(node_).SetReceiver([this](const RxFrame& f) { OnHeard(f); });
    Open(0);
  }

  void Stop() override {
    stopped_ = true;
    env_.ResetNode(node_);
    note_ = "forwarded=" + std::to_string(forwarded_);
    world().Reboot(plan_.victim);  // restore a session the attempt may have replaced
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    // A grant while the victim is not associating itself went to the intruder.
    if (w == plan_.ward && e.kind == EventKind::kAssociated && e.uid == victim_uid() &&
        victim().assoc_started < 0)
      goal_ = true;
  }

 private:
  void Open(int n) {
    const ProtocolConfig pc = world().WardProtocol(plan_.ward);
    wire::Message m;
    m.version = pc.version;
    m.type = wire::MsgType::kAssocReq;
    m.flags = wire::kAssocFlagAuthenticate;
    forge::Guess(env_.Draw(), m.nd);
    Transmit(node_, forge::Build({pc.pan_id, victim_uid(), ward().identity.uid, seq_++}, m, pc.wire,
                                 nullptr));
    if (n < 2) After(10 * kSeconds, [this, n] { Open(n + 1); });
  }

  void OnHeard(const RxFrame& f) {
    wire::MacFrame mf;
    wire::Message m;
    const ProtocolConfig pc = world().WardProtocol(plan_.ward);
    if (!forge::Parse(f.bytes, pc.wire, &mf, &m) || mf.src != victim_uid()) return;
    if (m.type != wire::MsgType::kAuthResp && m.type != wire::MsgType::kConfirmResp) return;
    if (f.transmitter == node_) return;
    // The oracle's answer: forward it as the initiator's, "unsolicited" cleared.
    forge::Bytes out = forge::Edit(f.bytes, [&](forge::Bytes& p, wire::MacFrame& mac) {
      if (p.size() > 1 &&
          (m.type == wire::MsgType::kAuthResp || m.version == wire::Version::kHardened))
        p[1] = static_cast<uint8_t>(p[1] & ~wire::kAnswerFlagUnsolicited);
      mac.seq = seq_++;
    });
    ++forwarded_;
    Transmit(node_, out);
  }

  NodeId node_ = 0;
  uint8_t seq_ = 0x40;
  int forwarded_ = 0;
};

}  // namespace

std::unique_ptr<Attack> MakeParallelSession(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<ParallelSession>(p, env);
}

}  // namespace vigil::sim
