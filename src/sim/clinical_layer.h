// The testbed's clinical telemetry (docs/simulator.md, "Clinical telemetry"): the
// patients in the beds, what their sensors send, and one edge node per ward fed with
// what that ward's CPAN verified, exactly as `vigil gateway` feeds its own.
//
// Beds and patients: the hospital plan already groups a ward's patient devices by bed
// (PlannedDevice::owner); the devices of one bed share one PatientModel, seeded from the
// run's seed and the bed's index. A bed's patient is one patient for the whole run
// (admissions and discharges switch the devices on and off; the physiology carries on),
// so an episode on a bed is on whoever lies in it. Episodes come from the scenario's
// [[episode]] tables (one bed, or a fraction of beds drawn from the seed).
//
// Payloads: every patient device of a kind that measures something (everything but the
// tablet) sends the pack its SensorModel builds, of its true length; the CPAN's data
// events of patient devices go to the ward's EdgeNode (staff devices carry no telemetry:
// their payloads stay the world's filler and are not fed to the edge). A patient's own
// smartwatch is not bound to the patient at the edge (it is enrolled per admission, with
// a new uid): its readings are decoded and counted as unassigned, never evaluated.
//
// Ground truth: the layer keeps the last payloads each honest device really sent. A
// payload the CPAN accepts in a device's name that is not one of them, or that was
// delivered before, is false (fabricated, modified in flight, replayed); what the edge
// does with it is counted apart: readings that reached the alarm logic, readings the
// edge refused, and clinical alarms it raised on that patient (within kTaintWindow of a
// false reading, when the patient has no active episode).
//
// Deterministic: nothing here draws from the world's generators; the edge's deadlines
// are scheduler events. Not thread-safe (the world's thread only).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/time.h"
#include "device/patient_model.h"
#include "device/sensor_model.h"
#include "edge/edge_node.h"
#include "edge/privacy/pseudonym.h"
#include "sim/clinical_result.h"
#include "sim/hospital.h"
#include "sim/scenario.h"
#include "sim/world.h"

namespace vigil::sim {

class ClinicalLayer : public WorldListener {
 public:
  // REQUIRES: `world` holds the plan's wards and devices (Hospital constructed); the
  // three outlive the layer. Sets the world's payload source. `why` on failure (an
  // episode the schedule refuses, an edge node that cannot be built).
  static std::unique_ptr<ClinicalLayer> Create(const Scenario& s, const HospitalPlan& plan,
                                               World& world, uint64_t seed, std::string* why);
  ~ClinicalLayer() override;

  void OnCoordinatorEvent(size_t ward, const Event& e) override;
  // Settles what is pending at the end of the run and returns the tally.
  ClinicalResult Finish();

  const edge::EdgeNode& edge(size_t ward) const { return *wards_[ward].node; }

 private:
  struct Bed {
    size_t ward = 0;
    size_t index = 0;  // within the ward
    std::string patient_id;
    std::unique_ptr<PatientModel> patient;
    std::vector<size_t> devices;   // world indices
    std::vector<size_t> episodes;  // into result_.episodes
    TimeUs tainted_until = -1;
    size_t last_false = SIZE_MAX;  // into result_.false_events
  };
  struct Sent {
    std::vector<uint8_t> bytes;
    bool delivered = false;
  };
  struct DeviceState {
    std::unique_ptr<SensorModel> sensor;
    size_t bed = SIZE_MAX;  // SIZE_MAX: not a patient device
    bool fed = false;       // its data goes to the edge
    std::deque<Sent> sent;  // the last few payloads it really sent
  };
  struct WardEdge {
    std::unique_ptr<edge::EdgeNode> node;
    EventId timer;
    TimeUs timer_at = kNever;
  };

  ClinicalLayer(const Scenario& s, const HospitalPlan& plan, World& world, uint64_t seed);
  bool Build(std::string* why);
  size_t Payload(size_t device, uint32_t seq, MutableByteSpan out);
  bool Honest(DeviceState& d, ByteSpan payload);
  void Drain(size_t ward);
  void Arm(size_t ward);
  bool EpisodeActive(const Bed& b, TimeUs t) const;

  const Scenario& scenario_;
  const HospitalPlan& plan_;
  World& world_;
  uint64_t seed_;
  std::array<uint8_t, privacy::kSiteKeySize> site_key_{};
  std::unique_ptr<privacy::Pseudonymiser> pseudonymiser_;
  std::vector<Bed> beds_;
  std::vector<DeviceState> devices_;
  std::vector<WardEdge> wards_;
  std::unordered_map<std::string, size_t> bed_of_patient_;
  ClinicalResult result_;
};

}  // namespace vigil::sim
