#include "sim/campaign.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "sim/attacks/catalog.h"
#include "sim/clinical_layer.h"

namespace vigil::sim {
namespace {

// Alerts this long after an attack, about its subjects or its ward, are its consequences
// (a victim restarting, a retransmission arriving late). A successful attack can leave
// damage that outlasts it (e.g. a forged broadcast counter far ahead makes the devices
// refuse the CPAN's next genuine broadcast, due up to 15 min later): longer tail.
constexpr TimeUs kAttributionTail = 2 * 60 * kSeconds;
constexpr TimeUs kDamageTail = 20 * 60 * kSeconds;
constexpr size_t kExamples = 20;

class Ledger : public WorldListener {
 public:
  Ledger(World& world, AttackEnv& env, TimeUs window) : world_(world), env_(env), window_(window) {}

  void Launch(const AttackPlan& p) {
    Entry e;
    e.attack = MakeAttack(p, env_);
    e.outcome.plan = p;
    e.outcome.victim_uid = world_.device(p.victim).secrets.uid;
    e.start = world_.now();
    entries_.push_back(std::move(e));
    const size_t idx = entries_.size() - 1;
    Attack* a = entries_[idx].attack.get();
    world_.AddListener(a);
    a->Start();
    entries_[idx].stop = e.start + a->duration();
    world_.scheduler().After(a->duration(), [this, idx] { Finish(idx); });
  }

  void OnAlert(const ids::Alert& a) override {
    ++alerts_;
    alerts_seen_.push_back(a);
    for (Entry& e : entries_) {
      if (a.time < e.start) continue;
      const bool names = Names(*e.attack, a);
      const TimeUs acted = e.attack->acted_at();
      if (names && acted >= 0 && a.time >= acted && a.time <= acted + window_ &&
          !e.outcome.detected) {
        e.outcome.detected = true;
        e.outcome.time_to_detect = a.time - acted;
        e.outcome.signature = a.signature;
      }
    }
  }

  // Call once every attack has stopped.
  void Collect(DayResult* r) {
    for (Entry& e : entries_) r->attacks.push_back(e.outcome);
    r->alerts = alerts_;
    for (const ids::Alert& a : alerts_seen_) {
      bool attributed = false;
      for (const Entry& e : entries_) {
        const TimeUs tail = e.attack->goal_reached() ? kDamageTail : kAttributionTail;
        if (a.time < e.start || a.time > e.stop + tail) continue;
        const uint64_t cpan = world_.ward(e.outcome.plan.ward).identity.uid;
        attributed = Names(*e.attack, a) || a.observer == cpan || Subject(*e.attack, a.observer);
        if (attributed) break;
      }
      if (attributed) continue;
      ++r->unattributed_alerts;
      if (r->unattributed_examples.size() < kExamples) r->unattributed_examples.push_back(a);
    }
  }

 private:
  struct Entry {
    std::unique_ptr<Attack> attack;
    AttackOutcome outcome;
    TimeUs start = 0, stop = 0;
  };

  static bool Subject(const Attack& at, uint64_t uid) {
    const auto& s = at.subjects();
    return uid != 0 && std::find(s.begin(), s.end(), uid) != s.end();
  }
  static bool Names(const Attack& at, const ids::Alert& a) {
    if (Subject(at, a.uid)) return true;
    return at.coordinator_subject() != 0 && a.uid == 0 && a.observer == at.coordinator_subject();
  }

  void Finish(size_t idx) {
    Entry& e = entries_[idx];
    e.attack->Stop();
    world_.RemoveListener(e.attack.get());
    e.outcome.executed = e.attack->executed() && e.attack->acted_at() >= 0;
    e.outcome.blocked = !e.attack->goal_reached();
    e.outcome.note = e.attack->note();
  }

  World& world_;
  AttackEnv& env_;
  TimeUs window_;
  std::vector<Entry> entries_;
  uint64_t alerts_ = 0;
  std::vector<ids::Alert> alerts_seen_;
};

// Each false payload goes to the latest attack on its device that started at most
// kClinicalAttribution before it.
void AttributeFalsePayloads(DayResult* r) {
  for (const FalsePayload& f : r->clinical.false_events) {
    AttackOutcome* owner = nullptr;
    for (AttackOutcome& a : r->attacks) {
      if (a.victim_uid != f.uid || f.time < a.plan.at || f.time > a.plan.at + kClinicalAttribution)
        continue;
      if (owner == nullptr || a.plan.at >= owner->plan.at) owner = &a;
    }
    if (owner == nullptr) {
      ++r->clinical.unattributed_false_payloads;
      continue;
    }
    ++owner->false_payloads;
    owner->false_readings += f.reached;
    owner->refused_readings += f.refused;
    owner->false_alarms += f.alarms;
  }
}

}  // namespace

DayResult RunDay(const Scenario& s, const HospitalPlan& plan,
                 const std::vector<AttackPlan>& attacks, uint64_t seed, wire::Version version,
                 const Profiles& profiles, const std::function<void(double)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  DayResult r;
  r.version = version;
  r.simulated = plan.duration;
  World world(TestbedWorld(s, version, s.radio.loss, profiles), seed);
  Hospital hospital(s, plan, world);
  std::unique_ptr<ClinicalLayer> clinical;
  if (s.clinical.enabled) {
    std::string why;
    clinical = ClinicalLayer::Create(s, plan, world, seed, &why);
    if (clinical != nullptr) {
      world.AddListener(clinical.get());
    } else {
      r.clinical.enabled = true;
      r.clinical.error = why;
    }
  }
  AttackEnv env(world, plan, s);
  Ledger ledger(world, env, static_cast<TimeUs>(s.attacks.window_s * kSeconds));
  world.AddListener(&ledger);
  for (const AttackPlan& p : attacks) {
    world.scheduler().At(p.at, [&ledger, p] { ledger.Launch(p); });
  }
  hospital.Start();
  const TimeUs step = 10 * 60 * kSeconds;
  for (TimeUs t = 0; t < plan.duration;) {
    t = std::min(plan.duration, t + step);
    world.RunUntil(t);
    if (progress) progress(static_cast<double>(t) / static_cast<double>(plan.duration));
  }
  // Let the last attacks finish (their Stop() restores the world) and their alerts land.
  world.RunUntil(plan.duration + 3 * 60 * kSeconds);
  world.RemoveListener(&ledger);
  ledger.Collect(&r);
  if (clinical != nullptr) {
    world.RemoveListener(clinical.get());
    r.clinical = clinical->Finish();
    AttributeFalsePayloads(&r);
  }
  const RadioStats st = world.radio().TotalStats();
  r.associations = world.associations();
  r.data_frames = world.data_frames_sent();
  r.frames_on_air = st.tx_frames;
  r.acks_on_air = st.acks_sent;
  r.scheduler_events = world.scheduler().executed();
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace vigil::sim
