// The attack library's common ground: attack classes, intruder kinds and capability
// levels (the threat model of seed 000 section 3.1 and seed 002 section 2.2), the plan of
// one attack instance, and the base class every attack derives from.
//
// An attack is an adversary on the simulated channel: it owns radio nodes (taken from a
// per-ward pool of intruder positions, so that attacks never add nodes mid-run), listens
// promiscuously, and transmits frames it builds itself (forge.h) or that a device core
// running on stolen secrets builds for it. It never touches protocol state: the only
// things it takes from the simulator are what its capability level says it stole (a
// victim's credentials, Kd, Secretkey2; an insider's copy of the ward's broadcast key)
// and what anyone can read on the air (identities, PAN ids).
//
// Outcome bookkeeping is not the attack's business beyond two facts it alone knows:
// whether it reached its goal (goal_reached(), defined per class in catalog.cc and
// docs/simulator.md) and which identities an alert must name to count as detecting it
// (subjects()).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "connection/wire/codec.h"
#include "sim/hospital.h"
#include "sim/radio.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace vigil::sim {

enum class AttackClass : uint8_t {
  kIdentityTheftOnline,   // association with a victim's identity, the victim online
  kIdentityTheftOffline,  // ... the victim switched off
  kReplay,                // the victim's recorded data frames sent again
  kReflection,            // the victim's own uplink frames sent back to it as downlink
  kParallelSession,       // the real device used as an oracle for the attacker's attempt
  kModification,          // a relay in the path alters the victim's frames in flight
  kFabricatedData,        // data frames made up in the victim's name
  kBroadcastForgery,      // a ward broadcast "from the CPAN" made up by someone else
  kRogueCpan,             // a fake coordinator answers the victim's association
  kOtpBruteForce,         // guessing the one-time password / answer tag
  kAssociationFlood,      // association requests at a rate no ward needs (DoS)
  kBatteryDrain,          // requests that make the victim compute and transmit answers
};
inline constexpr size_t kAttackClassCount = 12;
std::string_view AttackClassName(AttackClass c);
bool ParseAttackClass(std::string_view name, AttackClass* out);

enum class Intruder : uint8_t {
  kInternal,  // an enrolled device or an insider: inside the ward, knows the ward's Kb
  kExternal,  // not enrolled: outside the ward's wall, at the edge of radio range
};
std::string_view IntruderName(Intruder i);

enum class Capability : uint8_t {
  kNothing,        // identities read on the air only
  kCredentials,    // a stolen Uid + username + password (seed 000 Figure 1)
  kCredentialsKd,  // ... plus Kd: a cloned key
  kFullClone,      // ... plus Secretkey2: a fully cloned device
  kSniffing,       // passive recording of the air
  kRelay,          // active relay / man in the middle between device and CPAN
};
std::string_view CapabilityName(Capability c);

struct AttackPlan {
  uint32_t id = 0;
  TimeUs at = 0;
  AttackClass cls = AttackClass::kIdentityTheftOnline;
  Intruder intruder = Intruder::kExternal;
  Capability capability = Capability::kNothing;
  size_t ward = 0;
  size_t victim = 0;  // device index (hospital plan = world index)
};

// Radio positions reserved for intruders in one ward, created before the day starts.
struct IntruderSpots {
  NodeId internal = 0;  // inside the ward, 6-8 m from the CPAN
  NodeId external = 0;  // outside, 22 m from the CPAN: hears it, not every device
  // A wormhole relay: `relay` sits 18 m out, in range of the CPAN; `relay_far` 60 m out,
  // next to the pocket and out of range of the CPAN and of every device of the ward; the
  // two are linked out of band (a cable). A device moved to the pocket (55 m out) hears
  // only `relay_far`. Each end acknowledges only for the party it stands in for, so no
  // honest device's acknowledgement is ever doubled.
  NodeId relay = 0;
  NodeId relay_far = 0;
  double pocket_x = 0, pocket_y = 0;
};

// The last association handshake and data counter of one device, as a passive recorder
// in its ward heard them (sniffing capability). A handshake counts once an accepting
// ASSOC_RESP for it was heard: requests that led nowhere (an attacker's attempts in the
// device's name) do not replace the one that made the current session.
struct Overheard {
  uint16_t pan = 0;
  wire::Nonce nd{}, nc{};
  bool has_handshake = false;
  TimeUs handshake_at = 0;
  uint32_t last_counter = 0;
};

// What attacks may use. Owned by the campaign; outlives every attack.
class AttackEnv {
 public:
  AttackEnv(World& world, const HospitalPlan& plan, const Scenario& scenario);
  World& world() { return world_; }
  const HospitalPlan& plan() const { return plan_; }
  const Scenario& scenario() const { return scenario_; }
  const IntruderSpots& spots(size_t ward) const { return spots_[ward]; }
  NodeId NodeFor(size_t ward, Intruder who) const;
  uint64_t Draw() { return world_.Draw(); }
  // Puts raw bytes on the air from `node` (CSMA/CA like any transmitter). The ACK request
  // and MAC sequence number are read from the frame's own header.
  void Transmit(NodeId node, const std::vector<uint8_t>& frame);
  // Detaches a pooled node from the previous attack: no receiver, no address, listening.
  void ResetNode(NodeId node);
  // What the attackers' recorders overheard of a device (null if nothing).
  const Overheard* Heard(uint64_t uid) const;
  // The counter of the last genuine broadcast heard on a PAN under key epoch `epoch`
  // (0 if none: a new epoch restarts the counter).
  uint32_t LastBroadcastCounter(uint16_t pan, uint8_t epoch) const;

 private:
  void Record(const AirFrame& f);
  std::unordered_map<uint64_t, Overheard> heard_;
  std::unordered_map<uint64_t, wire::Nonce> last_nd_;
  std::unordered_map<uint64_t, Overheard> pending_;  // handshakes not yet accepted
  std::unordered_map<uint16_t, std::pair<uint8_t, uint32_t>> last_bcast_;  // epoch, counter
  World& world_;
  const HospitalPlan& plan_;
  const Scenario& scenario_;
  std::vector<IntruderSpots> spots_;
};

class Attack : public WorldListener {
 public:
  Attack(const AttackPlan& plan, AttackEnv& env) : plan_(plan), env_(env) {}
  ~Attack() override = default;

  // Called at plan_.at. The attack schedules its own steps on the world's scheduler.
  virtual void Start() = 0;
  // Called at plan_.at + duration(): stop transmitting, release nodes, restore what the
  // attack changed in the world (a victim moved or switched off).
  virtual void Stop() = 0;
  virtual TimeUs duration() const = 0;

  const AttackPlan& plan() const { return plan_; }
  bool goal_reached() const { return goal_; }
  // False if the attacker never got to act (e.g. it heard nothing to replay): such
  // instances are reported apart and left out of the rates.
  bool executed() const { return executed_; }
  // Identities an alert must name (Alert::uid) to detect this attack. `coordinator` is
  // set for attacks on a whole ward (an alert with uid 0 from that CPAN also counts).
  const std::vector<uint64_t>& subjects() const { return subjects_; }
  uint64_t coordinator_subject() const { return coordinator_subject_; }
  // When the attack first acted on the air (its first forged, replayed or relayed frame,
  // or its first association attempt); -1 if it never did. Detection is timed from here:
  // a passive recording phase before it is invisible by nature.
  TimeUs acted_at() const { return acted_at_; }
  // One line on what happened, for the report's per-instance list.
  const std::string& note() const { return note_; }

 protected:
  World& world() { return env_.world(); }
  World::Device& victim() { return env_.world().device(plan_.victim); }
  uint64_t victim_uid() { return victim().secrets.uid; }
  World::Ward& ward() { return env_.world().ward(plan_.ward); }
  TimeUs now() { return env_.world().now(); }
  // Records the first action (see acted_at()).
  void Act() {
    if (acted_at_ < 0) acted_at_ = now();
  }
  // Puts a crafted frame on the air from `node` and records the action.
  void Transmit(NodeId node, const std::vector<uint8_t>& frame) {
    Act();
    env_.Transmit(node, frame);
  }
  // Runs `fn` after `delay` unless the attack has stopped by then.
  void After(TimeUs delay, std::function<void()> fn);

  AttackPlan plan_;
  AttackEnv& env_;
  bool goal_ = false;
  bool executed_ = true;
  bool stopped_ = false;
  TimeUs acted_at_ = -1;
  std::vector<uint64_t> subjects_;
  uint64_t coordinator_subject_ = 0;
  std::string note_;
};

}  // namespace vigil::sim
