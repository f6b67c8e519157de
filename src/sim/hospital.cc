#include "sim/hospital.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "connection/crypto/openssl_provider.h"

namespace vigil::sim {
namespace {

// Deterministic draws for planning (SeededRandom is specified byte for byte; the
// standard library's distributions are not portable across implementations).
class Rng {
 public:
  explicit Rng(uint64_t seed) : r_(seed) {}
  double Uniform() { return static_cast<double>(r_.Next64() >> 11) * 0x1.0p-53; }
  double Between(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Exp(double mean) { return -mean * std::log(1.0 - Uniform()); }
  size_t Index(size_t n) { return static_cast<size_t>(r_.Next64() % n); }
  bool Chance(double p) { return Uniform() < p; }

 private:
  SeededRandom r_;
};

TimeUs Hours(double h) { return static_cast<TimeUs>(h * 3600.0 * kSeconds); }
TimeUs Minutes(double m) { return static_cast<TimeUs>(m * 60.0 * kSeconds); }
TimeUs Secs(double s) { return static_cast<TimeUs>(s * kSeconds); }

class Planner {
 public:
  Planner(const Scenario& s, uint64_t seed, TimeUs duration, HospitalPlan* plan)
      : s_(s), rng_(seed * 0x2545F4914F6CDD1DULL + 0x686f7370), d_(duration), p_(*plan) {}

  void Run() {
    p_.duration = d_;
    for (size_t i = 0; i < s_.wards.size(); ++i) {
      p_.wards.push_back({s_.wards[i].name, static_cast<double>(i) * s_.radio.ward_spacing_m, 0,
                          s_.wards[i].beds > 0});
    }
    PlanBeds();
    PlanStaff();
    PlanReboots();
  }

  void Add(TimeUs at, ActionType t, size_t dev, size_t ward = 0, double x = 0, double y = 0) {
    if (at < 0 || at >= d_) return;
    p_.actions.push_back({at, t, dev, ward, x, y});
  }

  std::pair<double, double> SpotIn(size_t w) {
    const double r = s_.radio.ward_radius_m * std::sqrt(rng_.Uniform());
    const double a = rng_.Between(0, 2 * M_PI);
    return {p_.wards[w].x + r * std::cos(a), p_.wards[w].y + r * std::sin(a)};
  }

  size_t AddDevice(DeviceKind k, size_t ward, double x, double y, bool staff, size_t owner,
                   bool personal) {
    p_.devices.push_back({k, ward, x, y, staff, owner, personal});
    return p_.devices.size() - 1;
  }

  void MoveGroup(const std::vector<size_t>& devs, TimeUs at, size_t ward, double x, double y) {
    for (size_t k = 0; k < devs.size(); ++k) {
      // Worn devices keep a small offset from one another.
      Add(at, ActionType::kMove, devs[k], ward, x + 0.3 * static_cast<double>(k), y);
    }
  }

  void PlanBeds() {
    size_t bed_id = 0;
    for (size_t w = 0; w < s_.wards.size(); ++w) {
      const WardSpec& ws = s_.wards[w];
      for (int b = 0; b < ws.beds; ++b, ++bed_id) {
        auto [x, y] = SpotIn(w);
        std::vector<size_t> devs;
        for (size_t k = 0; k < ws.patient_devices.size(); ++k) {
          devs.push_back(AddDevice(ws.patient_devices[k], w, x + 0.4 * static_cast<double>(k), y,
                                   false, bed_id, false));
        }
        size_t watch = SIZE_MAX;
        if (s_.patients.own_smartwatch > 0) {
          watch = AddDevice(DeviceKind::kSmartwatch, w, x, y + 0.5, false, bed_id, true);
        }
        PlanBed(w, x, y, devs, watch, rng_.Chance(ws.occupancy));
      }
    }
  }

  void PlanBed(size_t w, double x, double y, const std::vector<size_t>& devs, size_t watch,
               bool occupied_at_start) {
    TimeUs t = 0;
    bool first = true;
    if (!occupied_at_start) t = Hours(rng_.Between(0, s_.patients.turnover_hours_max));
    while (t < d_) {
      // Admission: devices are attached and switched on one after the other.
      const TimeUs admit = t;
      const TimeUs spread = first && occupied_at_start ? Secs(120) : Secs(30);
      std::vector<size_t> on = devs;
      if (watch != SIZE_MAX && rng_.Chance(s_.patients.own_smartwatch)) {
        Add(admit, ActionType::kReprovision, watch);
        on.push_back(watch);
      }
      for (size_t dev : on) {
        Add(admit + static_cast<TimeUs>(rng_.Uniform() * static_cast<double>(spread)),
            ActionType::kPowerOn, dev);
      }
      first = false;
      const TimeUs discharge =
          admit + std::max(Minutes(30), Hours(rng_.Exp(s_.patients.stay_hours)));
      // Walks out of coverage while admitted.
      if (s_.patients.walks_per_day > 0) {
        TimeUs wt = admit + Hours(rng_.Exp(24.0 / s_.patients.walks_per_day));
        while (wt < discharge && wt < d_) {
          const TimeUs back = wt + Minutes(rng_.Between(s_.patients.walk_minutes_min,
                                                        s_.patients.walk_minutes_max));
          if (back + Minutes(2) >= discharge) break;
          MoveGroup(on, wt, kCorridor, p_.CorridorX(w, s_), 0);
          for (size_t k = 0; k < on.size(); ++k) {
            const PlannedDevice& pd = p_.devices[on[k]];
            Add(back, ActionType::kMove, on[k], w, pd.x, pd.y);
          }
          wt = back + Hours(rng_.Exp(24.0 / s_.patients.walks_per_day));
        }
      }
      if (discharge >= d_) break;
      for (size_t dev : on) Add(discharge, ActionType::kPowerOff, dev);
      if (on.size() > devs.size()) Add(discharge + Secs(1), ActionType::kRevoke, watch);
      t = discharge +
          Hours(rng_.Between(s_.patients.turnover_hours_min, s_.patients.turnover_hours_max));
    }
    (void)x;
    (void)y;
  }

  void PlanStaff() {
    std::vector<size_t> bed_wards;
    for (size_t w = 0; w < s_.wards.size(); ++w)
      if (s_.wards[w].beds > 0) bed_wards.push_back(w);
    if (bed_wards.empty()) bed_wards.push_back(0);
    size_t person = 0;
    for (const StaffSpec& st : s_.staff) {
      const int groups = std::max(1, static_cast<int>(std::lround(24.0 / st.shift_hours)));
      for (int p = 0; p < st.count; ++p, ++person) {
        size_t home = st.home_wards.empty()
                          ? bed_wards[static_cast<size_t>(p) % bed_wards.size()]
                          : static_cast<size_t>(s_.FindWard(
                                st.home_wards[static_cast<size_t>(p) % st.home_wards.size()]));
        auto [x, y] = SpotIn(home);
        std::vector<size_t> devs;
        for (size_t k = 0; k < st.devices.size(); ++k)
          devs.push_back(AddDevice(st.devices[k], home, x + 0.3 * static_cast<double>(k), y, true,
                                   person, false));
        const int group = p % groups;
        const TimeUs shift = Hours(st.shift_hours);
        for (TimeUs start = Hours(st.shift_hours * group); start < d_; start += Hours(24)) {
          const TimeUs end = start + shift;
          const TimeUs jitter = start == 0 ? Secs(120) : Minutes(10);
          for (size_t dev : devs) {
            Add(start + static_cast<TimeUs>(rng_.Uniform() * static_cast<double>(jitter)),
                ActionType::kPowerOn, dev);
            Add(end + static_cast<TimeUs>(rng_.Uniform() * static_cast<double>(Minutes(10))),
                ActionType::kPowerOff, dev);
          }
          PlanRounds(st, devs, home, x, y, start, end);
        }
      }
    }
  }

  void PlanRounds(const StaffSpec& st, const std::vector<size_t>& devs, size_t home, double x,
                  double y, TimeUs start, TimeUs end) {
    if (st.moves_per_hour <= 0 || s_.wards.size() < 2) return;
    TimeUs t = start + Minutes(15) + Hours(rng_.Exp(1.0 / st.moves_per_hour));
    while (t < end) {
      size_t target = rng_.Index(s_.wards.size() - 1);
      if (target >= home) ++target;
      const TimeUs tr1 = Secs(rng_.Between(s_.events.transit_s_min, s_.events.transit_s_max));
      const TimeUs visit = Minutes(rng_.Between(st.visit_minutes_min, st.visit_minutes_max));
      const TimeUs tr2 = Secs(rng_.Between(s_.events.transit_s_min, s_.events.transit_s_max));
      const TimeUs back = t + tr1 + visit + tr2;
      if (back + Minutes(5) >= end) break;
      auto [tx, ty] = SpotIn(target);
      MoveGroup(devs, t, kCorridor, p_.CorridorX(home, s_), 0);
      MoveGroup(devs, t + tr1, target, tx, ty);
      MoveGroup(devs, t + tr1 + visit, kCorridor, p_.CorridorX(target, s_), 0);
      MoveGroup(devs, back, home, x, y);
      t = back + Minutes(5) + Hours(rng_.Exp(1.0 / st.moves_per_hour));
    }
  }

  void PlanReboots() {
    const double rate = s_.events.reboots_per_device_per_day;
    if (rate <= 0) return;
    for (size_t dev = 0; dev < p_.devices.size(); ++dev) {
      TimeUs t = Hours(rng_.Exp(24.0 / rate));
      while (t < d_) {
        Add(t, ActionType::kReboot, dev);
        t += Hours(rng_.Exp(24.0 / rate));
      }
    }
  }

 private:
  const Scenario& s_;
  Rng rng_;
  TimeUs d_;
  HospitalPlan& p_;
};

void SortAndTrace(HospitalPlan* plan) {
  std::stable_sort(plan->actions.begin(), plan->actions.end(),
                   [](const PlannedAction& a, const PlannedAction& b) { return a.at < b.at; });
  plan->presence.assign(plan->devices.size(), {});
  std::vector<Presence> cur(plan->devices.size());
  for (size_t i = 0; i < plan->devices.size(); ++i)
    cur[i] = {0, 0, false, plan->devices[i].home_ward};
  auto close = [&](size_t i, TimeUs at) {
    Presence p = cur[i];
    p.to = at;
    if (p.to > p.from) plan->presence[i].push_back(p);
    cur[i].from = at;
  };
  for (const PlannedAction& a : plan->actions) {
    const size_t i = a.device;
    close(i, a.at);
    switch (a.type) {
      case ActionType::kPowerOn:
        cur[i].on = true;
        break;
      case ActionType::kPowerOff:
        cur[i].on = false;
        break;
      case ActionType::kMove:
        cur[i].ward = a.ward;
        break;
      default:
        break;  // reboot, identity change: a break in stability only
    }
  }
  for (size_t i = 0; i < plan->devices.size(); ++i) close(i, plan->duration);
}

}  // namespace

bool HospitalPlan::StablyIn(size_t device, size_t ward, TimeUs from, TimeUs to) const {
  for (const Presence& p : presence[device]) {
    if (p.from <= from && to <= p.to) return p.on && p.ward == ward;
    if (p.from > from) break;
  }
  return false;
}

double HospitalPlan::CorridorX(size_t w, const Scenario& s) const {
  return wards[w].x + s.radio.ward_spacing_m / 2;
}

HospitalPlan PlanHospital(const Scenario& s, uint64_t seed, TimeUs duration) {
  HospitalPlan plan;
  Planner(s, seed, duration, &plan).Run();
  SortAndTrace(&plan);
  return plan;
}

void AddDisruptions(const Scenario& s, uint64_t seed, double mean_minutes, HospitalPlan* plan) {
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 0x64697372);
  const TimeUs mean = Minutes(mean_minutes);
  for (size_t dev = 0; dev < plan->devices.size(); ++dev) {
    TimeUs t = static_cast<TimeUs>(rng.Uniform() * static_cast<double>(mean));
    while (t < plan->duration) {
      if (plan->StablyIn(dev, plan->devices[dev].home_ward, t - Minutes(1), t + Minutes(3))) {
        if (rng.Chance(0.5)) {
          plan->actions.push_back({t, ActionType::kReboot, dev, 0, 0, 0});
        } else {
          const size_t w = plan->devices[dev].home_ward;
          const PlannedDevice& pd = plan->devices[dev];
          plan->actions.push_back({t, ActionType::kMove, dev, kCorridor, plan->CorridorX(w, s), 0});
          plan->actions.push_back(
              {t + Secs(rng.Between(20, 120)), ActionType::kMove, dev, w, pd.x, pd.y});
        }
      }
      t += static_cast<TimeUs>(rng.Between(0.5, 1.5) * static_cast<double>(mean));
    }
  }
  SortAndTrace(plan);
}

// ---------------------------------------------------------------------------------------

Hospital::Hospital(const Scenario& s, const HospitalPlan& plan, World& world)
    : scenario_(s), plan_(plan), world_(world) {
  for (const HospitalPlan::Ward& w : plan_.wards) world_.AddWard(w.name, w.x, w.y);
  for (const PlannedDevice& pd : plan_.devices) {
    const DeviceKindSpec& ks = s.kind(pd.kind);
    DeviceSetup ds;
    ds.kind = static_cast<uint8_t>(pd.kind);
    ds.interval = ks.interval_s > 0 ? Secs(ks.interval_s) : kNever;
    ds.payload_bytes = static_cast<size_t>(ks.payload_bytes);
    ds.ward = pd.home_ward;
    ds.x = pd.x;
    ds.y = pd.y;
    ds.enrolled = !pd.personal;
    world_.AddDevice(ds);
  }
}

void Hospital::Start() {
  Scheduler& sched = world_.scheduler();
  for (const PlannedAction& a : plan_.actions) {
    sched.At(a.at, [this, &a] { Apply(a); });
  }
  for (size_t w = 0; w < plan_.wards.size(); ++w) ScheduleBroadcast(w);
  for (size_t d = 0; d < plan_.devices.size(); ++d)
    if (plan_.devices[d].kind == DeviceKind::kInfusionPump) ScheduleDownlink(d);
}

void Hospital::Apply(const PlannedAction& a) {
  switch (a.type) {
    case ActionType::kPowerOn:
      world_.PowerOn(a.device);
      break;
    case ActionType::kPowerOff:
      world_.PowerOff(a.device);
      break;
    case ActionType::kReboot:
      if (world_.device(a.device).powered) world_.Reboot(a.device);
      break;
    case ActionType::kMove:
      world_.MoveTo(a.device, a.ward == kCorridor ? world_.device(a.device).ward : a.ward, a.x,
                    a.y);
      break;
    case ActionType::kReprovision:
      world_.Reprovision(a.device);
      break;
    case ActionType::kRevoke:
      world_.Revoke(a.device);
      break;
  }
}

void Hospital::ScheduleBroadcast(size_t w) {
  const double minutes = scenario_.events.broadcast_interval_min;
  if (minutes <= 0 || world_.config().protocol.version == wire::Version::kV1) return;
  const TimeUs period = Minutes(minutes);
  const TimeUs at =
      period / 2 + static_cast<TimeUs>(world_.Uniform() * static_cast<double>(period));
  world_.scheduler().After(at, [this, w] {
    if (world_.ward(w).cpan->core().session_count() > 0) {
      static const char kMsg[] = "ward announcement: rounds at 14:00";
      world_.SendBroadcast(w, ByteSpan(reinterpret_cast<const uint8_t*>(kMsg), sizeof(kMsg) - 1));
    }
    ScheduleBroadcast(w);
  });
}

void Hospital::ScheduleDownlink(size_t d) {
  const double minutes = scenario_.events.downlink_interval_min;
  if (minutes <= 0) return;
  const TimeUs period = Minutes(minutes);
  const TimeUs at =
      period / 2 + static_cast<TimeUs>(world_.Uniform() * static_cast<double>(period));
  world_.scheduler().After(at, [this, d] {
    if (world_.device(d).associated) {
      static const char kMsg[] = "rate=4.0ml/h confirm";
      world_.SendToDevice(d, ByteSpan(reinterpret_cast<const uint8_t*>(kMsg), sizeof(kMsg) - 1));
    }
    ScheduleDownlink(d);
  });
}

}  // namespace vigil::sim
