// Battery drain through unsolicited requests: association requests in the victim's name,
// five a second for 30 s, never answered by the attacker, so that the CPAN keeps sending
// authentication requests to the victim; from v3 on, the victim answers requests it did
// not make (each answer costs it HMACs and a transmission).
// Goal (the drain worked): the victim sent more than 12 unsolicited answers (the
// hardened budget is 6 a minute).
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class BatteryDrain final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 32 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    pc_ = world().WardProtocol(plan_.ward);
    DeviceCore* core = victim().driver->core();
    base_ = core != nullptr ? core->unsolicited_answers() : 0;
    Send(0);
  }

  void Stop() override {
    stopped_ = true;
    DeviceCore* core = victim().driver->core();
    const uint32_t answers = core != nullptr ? core->unsolicited_answers() - base_ : 0;
    goal_ = answers > 12;
    note_ = "requests=" + std::to_string(sent_) + " answers=" + std::to_string(answers);
    world().Reboot(plan_.victim);  // its session may have been replaced or refused
  }

 private:
  void Send(int n) {
    if (n >= 150) return;
    wire::Message m;
    m.version = pc_.version;
    m.type = wire::MsgType::kAssocReq;
    m.flags = wire::kAssocFlagAuthenticate;
    forge::Guess(env_.Draw(), m.nd);
    Transmit(node_,
             forge::Build({pc_.pan_id, victim_uid(), ward().identity.uid, static_cast<uint8_t>(n)},
                          m, pc_.wire, nullptr));
    ++sent_;
    After(200 * kMillis, [this, n] { Send(n + 1); });
  }

  NodeId node_ = 0;
  ProtocolConfig pc_;
  uint32_t base_ = 0;
  int sent_ = 0;
};

}  // namespace

std::unique_ptr<Attack> MakeBatteryDrain(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<BatteryDrain>(p, env);
}

}  // namespace vigil::sim
