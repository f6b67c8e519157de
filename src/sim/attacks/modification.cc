// Modification in flight (man in the middle, relay capability): the victim is where the
// CPAN cannot hear it (the pocket: a room at the end of the wing) and a wormhole relay
// (attack.h, IntruderSpots) carries its traffic both ways, acknowledging for each end so
// neither notices, and alters every uplink data frame (one bit of the body; the FCS is
// recomputed).
// Goal: the CPAN accepts an altered frame.
#include <memory>
#include <set>

#include "sim/attacks/catalog.h"
#include "sim/attacks/forge.h"

namespace vigil::sim {
namespace {

class Modification final : public Attack {
 public:
  using Attack::Attack;
  TimeUs duration() const override { return 50 * kSeconds; }

  void Start() override {
    subjects_ = {victim_uid()};
    const IntruderSpots& sp = env_.spots(plan_.ward);
    near_ = sp.relay;
    far_ = sp.relay_far;
    home_x_ = victim().setup.x;
    home_y_ = victim().setup.y;
    RadioNode n = world().radio().node(near_);
    n.SetAddresses({victim_uid()});  // acknowledges the CPAN's frames to the victim
    n.SetReceiver([this](const RxFrame& f) { FromCpanSide(f); });
    RadioNode fr = world().radio().node(far_);
    fr.SetAddresses({ward().identity.uid});  // acknowledges the victim's frames
    fr.SetReceiver([this](const RxFrame& f) { FromVictimSide(f); });
    world().MoveTo(plan_.victim, plan_.ward, sp.pocket_x, sp.pocket_y);
  }

  void Stop() override {
    stopped_ = true;
    env_.ResetNode(near_);
    env_.ResetNode(far_);
    world().MoveTo(plan_.victim, plan_.ward, home_x_, home_y_);
    executed_ = modified_ > 0;
    note_ = "relayed=" + std::to_string(relayed_) + " modified=" + std::to_string(modified_);
  }

  void OnCoordinatorEvent(size_t w, const Event& e) override {
    if (w == plan_.ward && e.kind == EventKind::kDataReceived && e.uid == victim_uid() &&
        counters_.count(e.counter) != 0)
      goal_ = true;  // the victim's own copy cannot reach the CPAN: this is the altered one
  }

 private:
  void FromCpanSide(const RxFrame& f) {
    if (f.dst != victim_uid()) return;
    ++relayed_;
    Transmit(far_, std::vector<uint8_t>(f.bytes.begin(), f.bytes.end()));
  }

  void FromVictimSide(const RxFrame& f) {
    wire::MacFrame mf;
    wire::Message m;
    if (f.dst != ward().identity.uid) return;
    if (!forge::Parse(f.bytes, world().config().protocol.wire, &mf, &m)) return;
    if (mf.src != victim_uid()) return;
    std::vector<uint8_t> bytes(f.bytes.begin(), f.bytes.end());
    if (bytes == last_up_) return;  // a MAC retransmission, already relayed
    last_up_ = bytes;
    if (m.type == wire::MsgType::kData && !m.body.empty()) {
      const size_t off = static_cast<size_t>(m.body.data() - mf.payload.data()) + m.body.size() - 1;
      bytes = forge::Edit(f.bytes, [off](forge::Bytes& p, wire::MacFrame&) { p[off] ^= 0x01; });
      counters_.insert(m.counter);
      ++modified_;
    }
    ++relayed_;
    Transmit(near_, bytes);
  }

  NodeId near_ = 0, far_ = 0;
  double home_x_ = 0, home_y_ = 0;
  std::vector<uint8_t> last_up_;
  int relayed_ = 0;
  int modified_ = 0;
  std::set<uint32_t> counters_;
};

}  // namespace

std::unique_ptr<Attack> MakeModification(const AttackPlan& p, AttackEnv& env) {
  return std::make_unique<Modification>(p, env);
}

}  // namespace vigil::sim
