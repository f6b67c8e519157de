// Replay (seed 002 section 2.2, information-based and network attacks): a passive
// recorder captures up to three of the victim's data frames, then sends them again,
// one a second, five seconds after the last capture (well past the MAC's duplicate
// window, so the frames reach the protocol).
// Goal: the CPAN accepts a replayed frame (its counter is delivered again).
#include <memory>
#include <set>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class Replay final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 85 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    node_ = env_.NodeFor(plan_.ward, plan_.intruder);
    world().radio().node(node_).SetReceiver([this](const RxFrame& f) { OnHeard(f); });
    After(68 * kSeconds, [this] { Fire(); });  // whatever was captured by then
  }

  void Stop() override {
    stopped_ = true;
    env_.ResetNode(node_);
    note_ =
        "captured=" + std::to_string(captured_.size()) + " replayed=" + std::to_string(replayed_);
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    if (w == plan_.ward && firing_ && e.kind == EventKind::kDataReceived && e.uid == victim_uid() &&
        counters_.count(e.counter) != 0)
      goal_ = true;
  }

 private:
  void OnHeard(const RxFrame& f) {
    if (firing_ || captured_.size() >= 3) return;
    wire::MacFrame mf;
    wire::Message m;
    if (!forge::Parse(f.bytes, world().config().protocol.wire, &mf, &m)) return;
    if (mf.src != victim_uid() || m.type != wire::MsgType::kData) return;
    if (!captured_.empty() &&
        captured_.back() == std::vector<uint8_t>(f.bytes.begin(), f.bytes.end()))
      return;  // a MAC retransmission of the same frame
    captured_.emplace_back(f.bytes.begin(), f.bytes.end());
    counters_.insert(m.counter);
    if (captured_.size() == 3) After(5 * kSeconds, [this] { Fire(); });
  }

  void Fire() {
    if (firing_) return;
    firing_ = true;
    for (size_t i = 0; i < captured_.size(); ++i) {
      After(static_cast<TimeUs>(i) * kSeconds, [this, i] {
        Transmit(node_, captured_[i]);
        ++replayed_;
      });
    }
    if (captured_.empty()) executed_ = false;
  }

  NodeId node_ = 0;
  bool firing_ = false;
  size_t replayed_ = 0;
  std::vector<std::vector<uint8_t>> captured_;
  std::set<uint32_t> counters_;
};

}  // namespace

std::unique_ptr<Attack> MakeReplay(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<Replay>(p, env);
}

}  // namespace vigil::sim
