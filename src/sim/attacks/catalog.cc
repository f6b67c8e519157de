#include "sim/attacks/catalog.h"

#include <algorithm>
#include <cmath>

#include "connection/crypto/openssl_provider.h"

namespace vigil::sim {
namespace {

// The longest attack (replay) plus margins: victims must be present and still this long.
constexpr TimeUs kAttackSpan = 90 * kSeconds;
constexpr TimeUs kMargin = 2 * 60 * kSeconds;

bool NeedsTraffic(AttackClass c) {
  return c == AttackClass::kReplay || c == AttackClass::kReflection ||
         c == AttackClass::kModification;
}

}  // namespace

std::unique_ptr<Attack> MakeAttack(const AttackPlan& p, AttackEnv& env) {
  switch (p.cls) {
    case AttackClass::kIdentityTheftOnline:
    case AttackClass::kIdentityTheftOffline:
      return MakeIdentityTheft(p, env);
    case AttackClass::kReplay:
      return MakeReplay(p, env);
    case AttackClass::kReflection:
      return MakeReflection(p, env);
    case AttackClass::kParallelSession:
      return MakeParallelSession(p, env);
    case AttackClass::kModification:
      return MakeModification(p, env);
    case AttackClass::kFabricatedData:
      return MakeFabricatedData(p, env);
    case AttackClass::kBroadcastForgery:
      return MakeBroadcastForgery(p, env);
    case AttackClass::kRogueCpan:
      return MakeRogueCpan(p, env);
    case AttackClass::kOtpBruteForce:
      return MakeOtpBruteForce(p, env);
    case AttackClass::kAssociationFlood:
      return MakeAssociationFlood(p, env);
    case AttackClass::kBatteryDrain:
      return MakeBatteryDrain(p, env);
  }
  return nullptr;
}

Capability DefaultCapability(AttackClass cls, Intruder who, int instance) {
  const bool internal = who == Intruder::kInternal;
  switch (cls) {
    case AttackClass::kIdentityTheftOnline:
    case AttackClass::kIdentityTheftOffline: {
      static constexpr Capability kLadder[] = {Capability::kCredentials, Capability::kCredentialsKd,
                                               Capability::kFullClone};
      return kLadder[static_cast<size_t>(instance) % 3];
    }
    case AttackClass::kReplay:
    case AttackClass::kReflection:
      return Capability::kSniffing;
    case AttackClass::kModification:
      return Capability::kRelay;
    case AttackClass::kFabricatedData:
    case AttackClass::kRogueCpan:
      // An insider knows a colleague's or a patient device's credentials.
      return internal ? Capability::kCredentials : Capability::kNothing;
    case AttackClass::kParallelSession:
    case AttackClass::kBroadcastForgery:
    case AttackClass::kOtpBruteForce:
    case AttackClass::kAssociationFlood:
    case AttackClass::kBatteryDrain:
      return Capability::kNothing;
  }
  return Capability::kNothing;
}

std::string_view GoalDefinition(AttackClass cls) {
  switch (cls) {
    case AttackClass::kIdentityTheftOnline:
    case AttackClass::kIdentityTheftOffline:
      return "the CPAN accepts a data frame the intruder made in the victim's name";
    case AttackClass::kReplay:
      return "the CPAN accepts a replayed frame";
    case AttackClass::kReflection:
      return "the victim accepts its own uplink frame as downlink";
    case AttackClass::kParallelSession:
      return "the CPAN grants an association the victim did not make";
    case AttackClass::kModification:
      return "the CPAN accepts an altered frame";
    case AttackClass::kFabricatedData:
      return "the CPAN accepts a fabricated frame";
    case AttackClass::kBroadcastForgery:
      return "a device accepts a forged broadcast";
    case AttackClass::kRogueCpan:
      return "the victim associates with the rogue coordinator";
    case AttackClass::kOtpBruteForce:
      return "the CPAN grants an association the victim did not make";
    case AttackClass::kAssociationFlood:
      return "an honest association started during the flood is not done within 5 s";
    case AttackClass::kBatteryDrain:
      return "the victim sends more than 12 unsolicited answers in 30 s";
  }
  return "";
}

std::vector<AttackClass> SelectedClasses(const Scenario& s, std::string* error) {
  std::vector<AttackClass> out;
  if (s.attacks.classes.empty()) {
    for (size_t i = 0; i < kAttackClassCount; ++i) out.push_back(static_cast<AttackClass>(i));
    return out;
  }
  for (const std::string& n : s.attacks.classes) {
    AttackClass c;
    if (!ParseAttackClass(n, &c)) {
      if (error != nullptr) *error = "unknown attack class \"" + n + "\"";
      return {};
    }
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

std::vector<AttackPlan> PlanAttacks(const Scenario& s, const HospitalPlan& plan,
                                    const std::vector<AttackClass>& classes, uint64_t seed,
                                    size_t* dropped) {
  SeededRandom rng(seed * 0xD6E8FEB86659FD93ULL + 0x61747461);
  struct Item {
    AttackClass cls;
    Intruder who;
    int instance;
  };
  std::vector<Item> items;
  for (AttackClass c : classes)
    for (Intruder who : {Intruder::kInternal, Intruder::kExternal})
      for (int k = 0; k < s.attacks.instances; ++k) items.push_back({c, who, k});
  for (size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[rng.Next64() % i]);

  // Wards with enough devices to attack.
  std::vector<size_t> wards;
  for (size_t w = 0; w < plan.wards.size(); ++w) {
    size_t n = 0;
    for (const PlannedDevice& d : plan.devices) n += d.home_ward == w ? 1 : 0;
    if (n >= 3) wards.push_back(w);
  }
  if (dropped != nullptr) *dropped = 0;
  std::vector<AttackPlan> out;
  if (wards.empty() || items.empty()) {
    if (dropped != nullptr) *dropped = items.size();
    return out;
  }
  const TimeUs start = static_cast<TimeUs>(s.attacks.start_hour * 3600.0 * kSeconds);
  const TimeUs end = plan.duration - kAttackSpan - kMargin;
  const size_t slots = (items.size() + wards.size() - 1) / wards.size();
  const TimeUs slot = slots > 0 ? (end - start) / static_cast<TimeUs>(slots) : 0;
  if (slot < kAttackSpan + kMargin) {
    if (dropped != nullptr) *dropped = items.size();  // the day is too short for them all
    return out;
  }
  uint32_t id = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const size_t ward = wards[i % wards.size()];
    const TimeUs at = start + static_cast<TimeUs>(i / wards.size()) * slot +
                      static_cast<TimeUs>(rng.Next64() % static_cast<uint64_t>(slot / 4));
    std::vector<size_t> candidates;
    for (size_t d = 0; d < plan.devices.size(); ++d) {
      if (plan.devices[d].personal) continue;  // its identity changes with the patient
      if (NeedsTraffic(it.cls)) {
        const double iv = s.kind(plan.devices[d].kind).interval_s;
        if (iv <= 0 || iv > 60) continue;
      }
      if (plan.StablyIn(d, ward, at - kMargin, at + kAttackSpan + kMargin)) candidates.push_back(d);
    }
    if (candidates.empty()) {
      if (dropped != nullptr) ++*dropped;
      continue;
    }
    AttackPlan p;
    p.id = id++;
    p.at = at;
    p.cls = it.cls;
    p.intruder = it.who;
    p.capability = DefaultCapability(it.cls, it.who, it.instance);
    p.ward = ward;
    p.victim = candidates[rng.Next64() % candidates.size()];
    out.push_back(p);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const AttackPlan& a, const AttackPlan& b) { return a.at < b.at; });
  return out;
}

}  // namespace vigil::sim
