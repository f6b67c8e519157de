#include "sim/table1.h"

#include <map>
#include <string>

#include "sim/hospital.h"
#include "sim/radio_floor.h"
#include "sim/world.h"

namespace vigil::sim {
namespace {

constexpr TimeUs kWarmUp = 5 * 60 * kSeconds;

// The ward's own devices, switched on as planned and never moving: the background.
HospitalPlan WardOnly(const HospitalPlan& full, size_t ward) {
  HospitalPlan p;
  p.wards = full.wards;
  p.duration = full.duration;
  std::vector<size_t> remap(full.devices.size(), SIZE_MAX);
  for (size_t i = 0; i < full.devices.size(); ++i) {
    if (full.devices[i].home_ward != ward || full.devices[i].personal) continue;
    remap[i] = p.devices.size();
    p.devices.push_back(full.devices[i]);
  }
  for (const PlannedAction& a : full.actions) {
    if (remap[a.device] == SIZE_MAX) continue;
    if (a.type != ActionType::kPowerOn && a.type != ActionType::kPowerOff) continue;
    PlannedAction b = a;
    b.device = remap[a.device];
    p.actions.push_back(b);
  }
  p.presence.assign(p.devices.size(), {});
  return p;
}

class Measure : public WorldListener {
 public:
  Measure(World& w, size_t dev, size_t ward, int target) : w_(w), dev_(dev), target_(target) {
    node_ = w_.device(dev).node;
    cpan_node_ = w_.ward(ward).node;
    cpan_driver_ = w_.ward(ward).cpan.get();
    w_.radio().SetAirObserver([this](const AirFrame& f) { OnAir(f); });
  }
  ~Measure() override { w_.radio().SetAirObserver(nullptr); }

  void Begin() {
    started_ = true;
    bytes_ = 0;
    frames_.clear();
    dev_cpu0_ = w_.device(dev_).driver->cpu_busy();
    cpan_cpu0_ = cpan_driver_->cpu_busy();
    w_.Reassociate(dev_);
  }

  void OnAssociation(size_t device, TimeUs start, TimeUs end) override {
    if (device != dev_ || !started_ || done()) return;
    ms_.push_back(static_cast<double>(end - start) / kMillis);
    bytes_sum_ += static_cast<double>(bytes_);
    frames_sum_ += static_cast<double>(frames_.size());
    dev_cpu_sum_ += static_cast<double>(w_.device(dev_).driver->cpu_busy() - dev_cpu0_);
    cpan_cpu_sum_ += static_cast<double>(cpan_driver_->cpu_busy() - cpan_cpu0_);
    std::string key;
    for (const FloorFrame& f : frames_)
      key += std::to_string(f.sender) + ":" + std::to_string(f.mpdu_bytes) + ",";
    auto& slot = sequences_[key];
    ++slot.first;
    slot.second = frames_;
    if (done()) return;
    const TimeUs gap = kSeconds + static_cast<TimeUs>(w_.Uniform() * 2.0 * kSeconds);
    w_.scheduler().After(gap, [this] { Begin(); });
  }

  void OnDeviceEvent(size_t device, const Event& e) override {
    if (device == dev_ && e.kind == EventKind::kAssociationFailed) ++failed_;
  }

  bool done() const { return static_cast<int>(ms_.size()) >= target_; }

  void Fill(Table1Row* row) const {
    row->ms = Summarize(ms_);
    row->samples_ms = ms_;
    const double n = ms_.empty() ? 1.0 : static_cast<double>(ms_.size());
    row->bytes_on_air = bytes_sum_ / n;
    row->frames_on_air = frames_sum_ / n;
    row->device_cpu_ms = dev_cpu_sum_ / n / kMillis;
    row->cpan_cpu_ms = cpan_cpu_sum_ / n / kMillis;
    row->failed = failed_;
    // The floor of the most common exchange (ties: the shorter key, deterministic).
    const std::vector<FloorFrame>* best = nullptr;
    size_t best_n = 0;
    for (const auto& [key, v] : sequences_) {
      if (v.first > best_n) {
        best_n = v.first;
        best = &v.second;
      }
    }
    if (best != nullptr) {
      Result<TimeUs> e = RadioFloorUs(*best, CsmaEstimate::kExpected);
      Result<TimeUs> m = RadioFloorUs(*best, CsmaEstimate::kMinimum);
      if (e.ok()) row->floor_expected_ms = static_cast<double>(*e) / kMillis;
      if (m.ok()) row->floor_min_ms = static_cast<double>(*m) / kMillis;
      for (const FloorFrame& f : *best) row->frame_sizes.push_back(f.mpdu_bytes);
    }
  }

 private:
  void OnAir(const AirFrame& f) {
    const uint64_t uid = w_.device(dev_).secrets.uid;
    const bool mine = f.transmitter == node_;
    const bool to_me = f.transmitter == cpan_node_ && !f.is_ack && f.dst == uid;
    const bool ack_for_me =
        f.transmitter == cpan_node_ && f.is_ack && f.start == last_end_ + kTurnaroundUs;
    if (!(mine || to_me || ack_for_me)) return;
    bytes_ += f.mpdu_bytes + kPhyOverheadBytes;
    if (f.is_ack) return;
    if (mine) last_end_ = f.end;
    frames_.push_back(FloorFrame{f.mpdu_bytes, f.dst != kBroadcast, mine ? 0u : 1u});
  }

  World& w_;
  size_t dev_;
  int target_;
  bool started_ = false;
  NodeId node_ = 0, cpan_node_ = 0;
  CoordinatorDriver* cpan_driver_ = nullptr;
  std::vector<double> ms_;
  uint64_t bytes_ = 0;
  TimeUs last_end_ = -1;
  std::vector<FloorFrame> frames_;
  std::map<std::string, std::pair<size_t, std::vector<FloorFrame>>> sequences_;
  double bytes_sum_ = 0, frames_sum_ = 0, dev_cpu_sum_ = 0, cpan_cpu_sum_ = 0;
  TimeUs dev_cpu0_ = 0, cpan_cpu0_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace

Table1Row RunTable1(const Scenario& s, uint64_t seed, wire::Version version, bool authenticate,
                    const Profiles& profiles) {
  Table1Row row;
  row.version = version;
  row.authenticated = authenticate;
  int ward = s.table1.ward.empty() ? 0 : s.FindWard(s.table1.ward);
  if (ward < 0) ward = 0;
  // Enough planned time for the measurement (each takes a few seconds at most).
  const TimeUs budget = kWarmUp + static_cast<TimeUs>(s.table1.associations) * 10 * kSeconds;
  const HospitalPlan full = PlanHospital(s, seed, budget);
  const HospitalPlan plan = WardOnly(full, static_cast<size_t>(ward));

  WorldConfig wc = TestbedWorld(s, version, s.table1.loss, profiles);
  wc.protocol.authenticate = authenticate;
  wc.protocol.allow_unauthenticated = !authenticate;
  wc.ids_enabled = false;  // timing only
  World world(wc, seed ^ 0x7461626c6531ULL);
  Hospital hospital(s, plan, world);
  DeviceSetup ds;
  ds.kind = static_cast<uint8_t>(DeviceKind::kThermometer);
  ds.interval = kNever;
  ds.ward = static_cast<size_t>(ward);
  ds.x = plan.wards[static_cast<size_t>(ward)].x + 5;
  ds.y = plan.wards[static_cast<size_t>(ward)].y;
  const size_t dev = world.AddDevice(ds);
  hospital.Start();
  world.scheduler().At(kWarmUp - 10 * kSeconds, [&world, dev] { world.PowerOn(dev); });
  Measure m(world, dev, static_cast<size_t>(ward), s.table1.associations);
  world.AddListener(&m);
  world.scheduler().At(kWarmUp, [&m] { m.Begin(); });
  TimeUs t = kWarmUp;
  while (!m.done() && t < budget) {
    t += 60 * kSeconds;
    world.RunUntil(t);
  }
  world.RemoveListener(&m);
  m.Fill(&row);
  return row;
}

}  // namespace vigil::sim
