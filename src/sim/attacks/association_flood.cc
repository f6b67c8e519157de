// Association flooding (DoS, seed 002 section 2.2): 50 association requests a second for
// 10 s, half in the names of the ward's devices (identities heard on the air), half in
// made-up names. Two seconds in, one honest device of the ward (the probe) starts an
// association.
// Goal (the denial of service worked): the probe is not associated 5 s after it began.
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class AssociationFlood final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 15 * kSeconds; }

  void Start() override {
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    pc_ = world().WardProtocol(plan_.ward);
    coordinator_subject_ = ward().identity.uid;
    for (size_t i = 0; i < world().device_count(); ++i) {
      const World::Device& d = world().device(i);
      if (d.powered && d.joined_ward == plan_.ward && i != plan_.victim)
        known_.push_back(d.secrets.uid);
    }
    subjects_ = known_;
    Send(0);
    After(2 * kSeconds, [this] {
      world().Reassociate(plan_.victim);
      probe_at_ = now();
    });
    After(7 * kSeconds, [this] { goal_ = !probe_ok_; });
  }

  void Stop() override {
    stopped_ = true;
    note_ =
        "requests=" + std::to_string(sent_) + (probe_ok_ ? ", probe associated" : ", probe failed");
  }

  void OnAssociation(size_t device, TimeUs start, TimeUs end) override {
    if (device == plan_.victim && probe_at_ > 0 && start >= probe_at_ &&
        end - probe_at_ <= 5 * kSeconds)
      probe_ok_ = true;
  }

 private:
  void Send(int n) {
    if (n >= 500) return;
    uint64_t uid = env_.Draw() | 1;
    if (n % 2 == 0 && !known_.empty()) uid = known_[static_cast<size_t>(n / 2) % known_.size()];
    wire::Message m;
    m.version = pc_.version;
    m.type = wire::MsgType::kAssocReq;
    m.flags = wire::kAssocFlagAuthenticate;
    forge::Guess(env_.Draw(), m.nd);
    Transmit(node_, forge::Build({pc_.pan_id, uid, ward().identity.uid, static_cast<uint8_t>(n)}, m,
                                 pc_.wire, nullptr));
    ++sent_;
    After(20 * kMillis, [this, n] { Send(n + 1); });
  }

  NodeId node_ = 0;
  ProtocolConfig pc_;
  std::vector<uint64_t> known_;
  int sent_ = 0;
  TimeUs probe_at_ = 0;
  bool probe_ok_ = false;
};

}  // namespace

std::unique_ptr<Attack> MakeAssociationFlood(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<AssociationFlood>(p, env);
}

}  // namespace vigil::sim
