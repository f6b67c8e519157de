// The hospital population and its day, planned from a scenario and a seed, then played
// on a World.
//
// The plan is protocol-independent: the same scenario and seed give the same wards,
// devices, positions and timeline of actions (power on/off at admission, discharge and
// shift changes; staff rounds and patient walks through the corridors; reboots; own
// smartwatches enrolled at admission and revoked at discharge), so that every protocol
// version is run over the very same day. The plan also knows where every device is at
// any time (its presence segments), which is how attacks pick victims without looking
// at protocol state.
//
// Geometry: ward i's CPAN is at (i * ward_spacing, 0); its devices lie within
// ward_radius of it. A device "in the corridor" of ward i is at (i * spacing +
// spacing / 2, 0): out of range of every CPAN (ward_spacing > 2 * range is enforced).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/time.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace vigil::sim {

inline constexpr size_t kCorridor = SIZE_MAX;  // "ward" of a device out of coverage

struct PlannedDevice {
  DeviceKind kind = DeviceKind::kThermometer;
  size_t home_ward = 0;
  double x = 0, y = 0;    // home position
  bool staff = false;     // worn by a staff member (else attached to a patient / bed)
  size_t owner = 0;       // staff member or bed index
  bool personal = false;  // a patient's own device: enrolled per admission
};

enum class ActionType : uint8_t {
  kPowerOn,
  kPowerOff,
  kReboot,       // only if powered
  kMove,         // to `ward` at (x, y); ward == kCorridor: out of coverage
  kReprovision,  // a new patient's own device: fresh identity, enrolled
  kRevoke,       // its owner was discharged
};

struct PlannedAction {
  TimeUs at = 0;
  ActionType type = ActionType::kPowerOn;
  size_t device = 0;
  size_t ward = 0;
  double x = 0, y = 0;
};

// Where a device is and whether it is on, between two actions.
struct Presence {
  TimeUs from = 0, to = 0;
  bool on = false;
  size_t ward = kCorridor;
};

struct HospitalPlan {
  struct Ward {
    std::string name;
    double x = 0, y = 0;
    bool has_beds = false;
  };
  std::vector<Ward> wards;
  std::vector<PlannedDevice> devices;
  std::vector<PlannedAction> actions;           // by time, then by insertion
  std::vector<std::vector<Presence>> presence;  // per device, in time order
  TimeUs duration = 0;

  // True if the device is on and in `ward` for the whole of [from, to].
  bool StablyIn(size_t device, size_t ward, TimeUs from, TimeUs to) const;
  // Position of a corridor next to ward `w`.
  double CorridorX(size_t w, const Scenario& s) const;
};

// Plans `duration` of hospital life. Deterministic in (scenario, seed).
HospitalPlan PlanHospital(const Scenario& s, uint64_t seed, TimeUs duration);

// Adds extra disruptions (a reboot, or out of coverage for 20-120 s) to every device
// while it is present, one every disruption_minutes on average (uniform in 0.5..1.5
// times the mean, not Poisson: a device is not disrupted five times in ten minutes, which
// a real ward would call a fault). The benign phase uses it to reach its count of
// associations in a few simulated hours.
void AddDisruptions(const Scenario& s, uint64_t seed, double mean_minutes, HospitalPlan* plan);

// Plays a plan on a world: adds the wards and devices (world indices equal plan indices),
// schedules every action, and runs the CPANs' own traffic (ward broadcasts from v2 on,
// settings to infusion pumps).
class Hospital {
 public:
  // REQUIRES: `world` has no wards or devices yet; it outlives the Hospital.
  Hospital(const Scenario& s, const HospitalPlan& plan, World& world);
  void Start();

 private:
  void Apply(const PlannedAction& a);
  void ScheduleBroadcast(size_t ward);
  void ScheduleDownlink(size_t device);

  const Scenario& scenario_;
  const HospitalPlan& plan_;
  World& world_;
};

}  // namespace vigil::sim
