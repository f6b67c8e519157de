// Identity theft at association (seed 000 section 3.1, Figure 1): an intruder associates
// with a victim's Uid using what it stole, while the victim is online (it hears the
// CPAN's requests in its name) or switched off. Up to three attempts, 10 s apart; once
// associated it uses the session for fabricated data.
// Goal: the CPAN accepts a fabricated frame in the victim's name.
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"
#include "sim/attacks/intruder_device.h"

namespace vigil::sim {
namespace {

class IdentityTheft final : public Attack {
 public:
  using Attack::Attack;

  TimeUs duration() const override { return 40 * kSeconds; }

  void Start() override {
    offline_ = plan_.cls == AttackClass::kIdentityTheftOffline;
    subjects_ = {victim_uid()};
    DeviceSecrets s = victim().secrets;
    if (plan_.capability < Capability::kCredentialsKd) forge::Guess(env_.Draw(), s.kd);
    if (plan_.capability < Capability::kFullClone) forge::Guess(env_.Draw(), s.secretkey2);
    s.cpan_uid = ward().identity.uid;
    s.cpan_sign_pub = ward().identity.sign_pub;
    if (offline_) world().PowerOff(plan_.victim);
    intruder_ = std::make_unique<IntruderDevice>(env_, env_.NodeFor(plan_.ward, plan_.intruder),
                                                 plan_.ward, s, env_.Draw());
    Attempt(0);
    After(2 * kSeconds, [this] { Use(); });
  }

  void Stop() override {
    stopped_ = true;
    note_ = "attempts=" + std::to_string(attempts_) + (associated_ ? ", associated" : "");
    intruder_.reset();
    if (offline_) {
      world().PowerOn(plan_.victim);
    } else {
      world().Reboot(plan_.victim);  // whatever the intruder did to its session
    }
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    if (w == plan_.ward && e.kind == EventKind::kDataReceived && e.uid == victim_uid() &&
        e.data_len > 0 && e.data[0] == '!')
      goal_ = true;
  }

 private:
  void Attempt(int n) {
    if (intruder_->associated()) return;
    ++attempts_;
    Act();
    intruder_->Associate();
    if (n < 2) After(10 * kSeconds, [this, n] { Attempt(n + 1); });
  }

  void Use() {
    if (intruder_->associated()) {
      associated_ = true;
      intruder_->SendFabricated();
    }
    After(2 * kSeconds, [this] { Use(); });
  }

  bool offline_ = false;
  bool associated_ = false;
  int attempts_ = 0;
  std::unique_ptr<IntruderDevice> intruder_;
};

}  // namespace

std::unique_ptr<Attack> MakeIdentityTheft(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<IdentityTheft>(p, env);
}

}  // namespace vigil::sim
