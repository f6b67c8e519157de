// The attack library: one factory per attack class (each in its own file), the default
// attack mix and its schedule.
//
// Default mix (docs/simulator.md, "Attack mix"): every class of seed 002 section 2.2 and
// seed 000 section 3.1, each run `instances` times by an internal and by an external
// intruder. The seeds give no frequencies, so no class is weighted above another. The
// capability of each instance follows from the class (what the attack needs) and, for
// identity theft, cycles evenly through the three levels the issue names (credentials;
// plus Kd; plus Secretkey2), because the seeds name all three threats (seed 000: stolen
// Uid/username/password; seed 002: loss of tokens, tampering, side channels).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/attacks/attack.h"

namespace vigil::sim {

std::unique_ptr<Attack> MakeIdentityTheft(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeReplay(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeReflection(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeParallelSession(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeModification(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeFabricatedData(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeBroadcastForgery(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeRogueCpan(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeOtpBruteForce(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeAssociationFlood(const AttackPlan& p, AttackEnv& env);
std::unique_ptr<Attack> MakeBatteryDrain(const AttackPlan& p, AttackEnv& env);

std::unique_ptr<Attack> MakeAttack(const AttackPlan& p, AttackEnv& env);

// The capability an instance of `cls` by `who` has; `instance` picks the identity theft
// level (credentials, + Kd, full clone, in turn).
Capability DefaultCapability(AttackClass cls, Intruder who, int instance);

// What "goal reached" (= not blocked) means for the class, one line for the report.
std::string_view GoalDefinition(AttackClass cls);

// Attack classes selected by the scenario ([attacks] classes; empty = all). Unknown
// names are reported in `error`.
std::vector<AttackClass> SelectedClasses(const Scenario& s, std::string* error);

// Schedules `instances` attacks per class and intruder over the plan's day: attacks in
// one ward never overlap (slots of `slot` length), victims are devices the plan shows
// present and still for the whole slot (and, for classes that need traffic, reporting at
// least once a minute). Instances with no possible victim are dropped and counted in
// `dropped`. Deterministic in (scenario, plan, seed).
std::vector<AttackPlan> PlanAttacks(const Scenario& s, const HospitalPlan& plan,
                                    const std::vector<AttackClass>& classes, uint64_t seed,
                                    size_t* dropped);

}  // namespace vigil::sim
