// Reflection: the victim's own uplink data frames are sent back to it as if the CPAN had
// sent them (source and destination swapped, bytes otherwise unchanged), up to six of
// them, each 1.5 s after it was heard.
// Goal: the victim accepts one of its own frames as downlink data: an uplink payload ('H'
// filler, or a reading pack, which opens with a CBOR array) where the CPAN sends only
// commands.
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class Reflection final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 60 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    world().radio().node(node_).SetReceiver([this](const RxFrame& f) { OnHeard(f); });
  }

  void Stop() override {
    stopped_ = true;
    env_.ResetNode(node_);
    executed_ = reflected_ > 0;
    note_ = "reflected=" + std::to_string(reflected_);
    // Accepted uplink counters, far above the CPAN's own, make the victim refuse the CPAN's
    // next downlink frames (key updates included) as replays: staff would restart it.
    if (goal_) world().Reboot(plan_.victim);
  }

  void OnDeviceEvent(size_t device, const Event& e) override {
    if (device == plan_.victim && e.kind == EventKind::kDataReceived && e.data_len > 0 &&
        (e.data[0] == 'H' || (e.data[0] & 0xe0) == 0x80))
      goal_ = true;  // an uplink payload accepted as downlink
  }

 private:
  void OnHeard(const RxFrame& f) {
    if (pending_ + reflected_ >= 6) return;
    wire::MacFrame mf;
    wire::Message m;
    if (!forge::Parse(f.bytes, world().config().protocol.wire, &mf, &m)) return;
    if (mf.src != victim_uid() || m.type != wire::MsgType::kData) return;
    if (m.counter == last_counter_) return;  // MAC retransmission
    last_counter_ = m.counter;
    forge::Bytes out = forge::Edit(
        f.bytes, [](forge::Bytes&, wire::MacFrame& mac) { std::swap(mac.src, mac.dst); });
    ++pending_;
    After(1500 * kMillis, [this, out] {
      --pending_;
      ++reflected_;
      Transmit(node_, out);
    });
  }

  NodeId node_ = 0;
  int pending_ = 0;
  int reflected_ = 0;
  uint32_t last_counter_ = 0;
};

}  // namespace

std::unique_ptr<Attack> MakeReflection(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<Reflection>(p, env);
}

}  // namespace vigil::sim
