#include "sim/benign.h"

#include <chrono>

#include "sim/hospital.h"
#include "sim/world.h"

namespace vigil::sim {

BenignResult RunBenign(const Scenario& s, uint64_t seed, wire::Version version,
                       const Profiles& profiles) {
  const auto t0 = std::chrono::steady_clock::now();
  BenignResult r;
  r.version = version;
  r.loss = s.benign.loss;
  const TimeUs limit = 48 * 3600 * kSeconds;
  HospitalPlan plan = PlanHospital(s, seed, limit);
  AddDisruptions(s, seed, s.benign.disruption_minutes, &plan);
  World world(TestbedWorld(s, version, s.benign.loss, profiles), seed ^ 0x62656e69676eULL);
  Hospital hospital(s, plan, world);
  hospital.Start();
  const TimeUs step = 5 * 60 * kSeconds;
  TimeUs t = 0;
  while (world.associations() < static_cast<uint64_t>(s.benign.associations) && t < limit) {
    t += step;
    world.RunUntil(t);
  }
  r.associations = world.associations();
  r.failed_attempts = world.association_failures();
  const RadioStats st = world.radio().TotalStats();
  r.retransmissions = st.tx_retries;
  r.frames_on_air = st.tx_frames;
  r.alerts = world.alerts().size();
  for (const ids::Alert& a : world.alerts()) {
    if (r.examples.size() >= 20) break;
    r.examples.push_back(a);
  }
  r.simulated = t;
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace vigil::sim
