// Identity theft at association (seed 000 section 3.1, Figure 1): an intruder associates
// with a victim's Uid using what it stole, while the victim is online (it hears the
// CPAN's requests in its name) or switched off. Up to three attempts, 10 s apart; once
// associated it uses the session for fabricated data.
// Goal: the CPAN accepts a fabricated frame in the victim's name.
//
// A fully cloned device is an image of the victim's memory: Secretkey2 and whatever its
// flash holds (its current common function, docs/protocol.md 9.5). Secretkey2 sits in
// the sealed store, so reading it takes the device out of service: the attack opens with
// a silent capture phase in which the image is taken and the victim is put back (it
// reboots and associates again); the intruder acts a little after the victim's new
// session began. The extraction itself is compressed to that reboot. A live image of a device's
// current session (the device itself in the attacker's hands) is the scenario option
// `[attacks] clone_image = "live"`; docs/simulator.md says why it is not the default.
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"
#include "sim/attacks/intruder_device.h"

namespace vigil::sim {
namespace {

// The capture phase ends a little after the returned victim associated, or after this long.
constexpr TimeUs kCaptureLimit = 4 * 60 * kSeconds;
constexpr TimeUs kBackInService = 2 * kSeconds;
constexpr TimeUs kActivePhase = 40 * kSeconds;

class IdentityTheft final : public Attack {
 public:
  using Attack::Attack;

  TimeUs duration() const override {
    return plan_.capability == Capability::kFullClone ? kCaptureLimit + kActivePhase + kSeconds
                                                      : kActivePhase;
  }

  void Start() override {
    offline_ = plan_.cls == AttackClass::kIdentityTheftOffline;
    subjects_ = {victim_uid()};
    const World::Device& v = victim();
    if (plan_.capability == Capability::kFullClone) image_ = v.persisted[v.joined_ward];
    if (plan_.capability != Capability::kFullClone || env_.scenario().attacks.live_clone_image) {
      Begin();
      return;
    }
    world().Reboot(plan_.victim);  // back in service after the extraction
    capturing_ = true;
    After(kCaptureLimit, [this] { Begin(); });
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
    // A copy that associated under hardened moved the common function on: the original
    // comes back a generation behind and is refused, as it should be (its keys are out).
    // Staff re-provision the device the alert names; the testbed does it a minute later.
    const ProtocolConfig& pc = world().WardProtocol(plan_.ward);
    if (associated_ && plan_.capability == Capability::kFullClone &&
        pc.version == wire::Version::kHardened && pc.roll_common_function) {
      World& w = world();
      const size_t v = plan_.victim;
      w.scheduler().After(60 * kSeconds, [&w, v] { w.Reprovision(v); });
    }
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    if (w != plan_.ward || e.uid != victim_uid()) return;
    if (capturing_ && e.kind == EventKind::kAssociated) {
      capturing_ = false;  // the victim is in service again
      After(kBackInService, [this] { Begin(); });
    }
    if (e.kind == EventKind::kDataReceived && e.data_len > 0 && e.data[0] == '!') goal_ = true;
  }

 private:
  void Begin() {
    if (began_) return;
    began_ = true;
    capturing_ = false;
    DeviceSecrets s = victim().secrets;
    if (plan_.capability < Capability::kCredentialsKd) forge::Guess(env_.Draw(), s.kd);
    if (plan_.capability < Capability::kFullClone) forge::Guess(env_.Draw(), s.secretkey2);
    s.cpan_uid = ward().identity.uid;
    s.cpan_sign_pub = ward().identity.sign_pub;
    if (offline_) world().PowerOff(plan_.victim);
    intruder_ = std::make_unique<IntruderDevice>(env_, env_.NodeFor(plan_.ward, plan_.intruder),
                                                 plan_.ward, s, env_.Draw(), image_);
    Attempt(0);
    After(2 * kSeconds, [this] { Use(); });
  }

  void Attempt(int n) {
    if (stopped_ || intruder_->associated()) return;
    ++attempts_;
    Act();
    intruder_->Associate();
    if (n < 2) After(10 * kSeconds, [this, n] { Attempt(n + 1); });
  }

  void Use() {
    if (stopped_) return;
    if (intruder_->associated()) {
      associated_ = true;
      intruder_->SendFabricated();
    }
    After(2 * kSeconds, [this] { Use(); });
  }

  bool offline_ = false;
  bool capturing_ = false;
  bool began_ = false;
  bool associated_ = false;
  int attempts_ = 0;
  DevicePersisted image_;
  std::unique_ptr<IntruderDevice> intruder_;
};

}  // namespace

std::unique_ptr<Attack> MakeIdentityTheft(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<IdentityTheft>(p, env);
}

}  // namespace vigil::sim
