#include "sim/evaluation.h"

#include <chrono>

#include "sim/attacks/catalog.h"
#include "sim/hospital.h"

namespace vigil::sim {
namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Evaluation Evaluate(const Scenario& scenario, const EvaluationOptions& o, std::string* error) {
  const auto t_all = std::chrono::steady_clock::now();
  Scenario s = scenario;
  if (o.hours > 0) s.hours = o.hours;
  Evaluation ev;
  ev.scenario = s.name;
  ev.description = s.description;
  ev.seed = o.seed;
  ev.hours = s.hours;
  ev.versions = o.versions;
  ev.profile_note = o.profile_note;
  ev.device_profile = o.profiles.device.name();
  ev.cpan_profile = o.profiles.cpan.name();
  ev.window_s = s.attacks.window_s;
  ev.live_clone_image = s.attacks.live_clone_image;
  const std::vector<AttackClass> classes = SelectedClasses(s, error);
  if (error != nullptr && !error->empty()) return ev;

  const TimeUs day = static_cast<TimeUs>(s.hours * 3600.0 * kSeconds);
  const HospitalPlan plan = PlanHospital(s, o.seed, day);
  ev.wards = plan.wards.size();
  ev.devices = plan.devices.size();
  uint64_t frames = 0;
  const double nv = static_cast<double>(o.versions.size());

  if (o.table1) {
    const auto t0 = std::chrono::steady_clock::now();
    size_t k = 0;
    for (wire::Version v : o.versions) {
      for (bool auth : {false, true}) {
        if (o.progress) o.progress("Table 1", static_cast<double>(k) / (2.0 * nv));
        ev.table1.push_back(RunTable1(s, o.seed, v, auth, o.profiles));
        ++k;
      }
    }
    ev.performance.table1_seconds = Since(t0);
  }
  if (o.benign) {
    const auto t0 = std::chrono::steady_clock::now();
    size_t k = 0;
    for (wire::Version v : o.versions) {
      if (o.progress) o.progress("benign", static_cast<double>(k++) / nv);
      ev.benign.push_back(RunBenign(s, o.seed, v, o.profiles));
      frames += ev.benign.back().frames_on_air;
    }
    ev.performance.benign_seconds = Since(t0);
  }
  if (o.day) {
    const auto t0 = std::chrono::steady_clock::now();
    ev.attacks = PlanAttacks(s, plan, classes, o.seed, &ev.attacks_dropped);
    size_t k = 0;
    for (wire::Version v : o.versions) {
      const double base = static_cast<double>(k) / nv;
      auto progress = [&](double f) {
        if (o.progress) o.progress("day " + std::string(wire::VersionName(v)), base + f / nv);
      };
      ev.days.push_back(RunDay(s, plan, ev.attacks, o.seed, v, o.profiles, progress));
      ev.performance.day_seconds_per_version.push_back(ev.days.back().wall_seconds);
      frames += ev.days.back().frames_on_air;
      ++k;
    }
    ev.performance.day_seconds = Since(t0);
  }
  ev.performance.total_seconds = Since(t_all);
  ev.performance.frames_simulated = frames;
  const double sim_wall = ev.performance.benign_seconds + ev.performance.day_seconds;
  ev.performance.frames_per_second = sim_wall > 0 ? static_cast<double>(frames) / sim_wall : 0;
  return ev;
}

}  // namespace vigil::sim
