#include "sim/clinical_layer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "connection/crypto/openssl_provider.h"
#include "edge/clinical/clinical_config.h"

namespace vigil::sim {
namespace {

// The simulator's UTC epoch for uplink timestamps: 2026-01-01T00:00:00Z.
constexpr int64_t kSimEpochUs = 1'767'225'600'000'000;
// Payloads remembered per device: more than can be in flight at once.
constexpr size_t kSentRemembered = 8;
// An alarm this long after an episode has ended is still the episode's (it clears with
// hysteresis, a NEWS2 after its hold time).
constexpr TimeUs kEpisodeTail = 15 * 60 * kSeconds;
constexpr size_t kExamples = 10;

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser: independent streams from one seed
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

TimeUs FromHours(double h) { return static_cast<TimeUs>(std::llround(h * 3600.0 * kSeconds)); }
TimeUs FromMinutes(double m) { return static_cast<TimeUs>(std::llround(m * 60.0 * kSeconds)); }

// The patient's true value of `v` (what a perfect sensor would read); 0 for the pump's.
double Truth(const Physiology& p, Vital v) {
  switch (v) {
    case Vital::kHeartRate:
    case Vital::kPulseRate:
      return p.heart_rate;
    case Vital::kSpO2:
      return p.spo2;
    case Vital::kRespRate:
      return p.resp_rate;
    case Vital::kTemperature:
      return p.temperature;
    case Vital::kSystolic:
      return p.systolic;
    case Vital::kDiastolic:
      return p.diastolic;
    case Vital::kGlucose:
      return p.glucose;
    case Vital::kInfusionRate:
    case Vital::kInfusionVolume:
      return 0;
  }
  return 0;
}

bool MeasuresAPatient(DeviceKind k) {
  return k != DeviceKind::kTablet && k != DeviceKind::kOther && k != DeviceKind::kInfusionPump;
}

}  // namespace

ClinicalLayer::ClinicalLayer(const Scenario& s, const HospitalPlan& plan, World& world,
                             uint64_t seed)
    : scenario_(s), plan_(plan), world_(world), seed_(seed) {}

ClinicalLayer::~ClinicalLayer() {
  for (WardEdge& w : wards_) world_.scheduler().Cancel(w.timer);
  world_.SetPayloadSource(nullptr);
}

std::unique_ptr<ClinicalLayer> ClinicalLayer::Create(const Scenario& s, const HospitalPlan& plan,
                                                     World& world, uint64_t seed,
                                                     std::string* why) {
  std::unique_ptr<ClinicalLayer> l(new ClinicalLayer(s, plan, world, seed));
  if (!l->Build(why)) return nullptr;
  ClinicalLayer* raw = l.get();
  world.SetPayloadSource([raw](size_t device, uint32_t seq, MutableByteSpan out) {
    return raw->Payload(device, seq, out);
  });
  return l;
}

bool ClinicalLayer::Build(std::string* why) {
  result_.enabled = true;
  // The site key, as a gateway would keep it: here derived from the seed, so that the
  // pseudonyms of a run are reproducible.
  SeededRandom key_stream(Mix(seed_ ^ 0x736974656b6579ULL));
  key_stream.Fill(MutableByteSpan(site_key_.data(), site_key_.size()));
  pseudonymiser_ = std::make_unique<privacy::Pseudonymiser>(site_key_);
  if (!pseudonymiser_->ok()) {
    *why = "clinical telemetry: the pseudonymiser cannot be keyed";
    return false;
  }

  // Beds: the plan's patient devices, grouped by their bed (owner).
  devices_.resize(plan_.devices.size());
  std::unordered_map<size_t, size_t> bed_index;  // plan bed id -> beds_
  std::vector<size_t> beds_in_ward(plan_.wards.size(), 0);
  for (size_t i = 0; i < plan_.devices.size(); ++i) {
    const PlannedDevice& pd = plan_.devices[i];
    if (pd.staff) continue;
    auto [it, fresh] = bed_index.emplace(pd.owner, beds_.size());
    if (fresh) {
      Bed b;
      b.ward = pd.home_ward;
      b.index = beds_in_ward[pd.home_ward]++;
      const std::string& wn = plan_.wards[b.ward].name;
      b.patient_id = "sim-" + wn + "-" + std::to_string(b.index + 1);
      b.patient = std::make_unique<PatientModel>(Mix(seed_ * 0x50415449454e54ULL + pd.owner));
      beds_.push_back(std::move(b));
    }
    Bed& b = beds_[it->second];
    b.devices.push_back(i);
    DeviceState& d = devices_[i];
    d.bed = it->second;
    d.fed = true;
    if (pd.kind != DeviceKind::kTablet && pd.kind != DeviceKind::kOther) {
      d.sensor = std::make_unique<SensorModel>(
          pd.kind, MeasuresAPatient(pd.kind) ? b.patient.get() : nullptr,
          Mix(seed_ * 0x53454e534f52ULL + i));
    }
  }
  for (size_t k = 0; k < beds_.size(); ++k) bed_of_patient_[beds_[k].patient_id] = k;

  // Episodes.
  for (size_t n = 0; n < scenario_.episodes.size(); ++n) {
    const EpisodeSpec& es = scenario_.episodes[n];
    const int w = es.ward.empty() ? -1 : scenario_.FindWard(es.ward);
    std::vector<size_t> chosen;
    if (es.bed > 0) {
      for (size_t k = 0; k < beds_.size(); ++k)
        if (static_cast<int>(beds_[k].ward) == w &&
            beds_[k].index + 1 == static_cast<size_t>(es.bed))
          chosen.push_back(k);
    } else {
      std::vector<size_t> pool;
      for (size_t k = 0; k < beds_.size(); ++k)
        if (w < 0 || static_cast<int>(beds_[k].ward) == w) pool.push_back(k);
      const size_t want = std::min(
          pool.size(),
          std::max<size_t>(
              1, static_cast<size_t>(std::lround(es.fraction * static_cast<double>(pool.size())))));
      SeededRandom pick(Mix(seed_ * 0x45504953ULL + n));
      for (size_t k = 0; k < want; ++k) {  // a partial Fisher-Yates shuffle
        const size_t j = k + static_cast<size_t>(pick.Next64() % (pool.size() - k));
        std::swap(pool[k], pool[j]);
        chosen.push_back(pool[k]);
      }
      std::sort(chosen.begin(), chosen.end());
    }
    Episode e;
    e.kind = *EpisodeKindFromName(es.kind);
    e.onset = FromHours(es.onset_hours);
    e.ramp = FromMinutes(es.ramp_minutes);
    e.severity = es.severity;
    e.duration = FromHours(es.duration_hours);
    for (size_t k : chosen) {
      Bed& b = beds_[k];
      const char* err = nullptr;
      if (b.patient->AddEpisode(e, &err) != Error::kOk) {
        *why = scenario_.name + ".toml:" + std::to_string(es.line) + ": [[episode]]: bed " +
               plan_.wards[b.ward].name + "-" + std::to_string(b.index + 1) + ": " +
               (err != nullptr ? err : "more episodes than a patient can hold");
        return false;
      }
      EpisodeOutcome o;
      o.ward = b.ward;
      o.bed = b.index;
      o.bed_name = plan_.wards[b.ward].name + "-" + std::to_string(b.index + 1);
      o.kind = e.kind;
      o.severity = e.severity;
      o.onset = e.onset;
      const TimeUs window = scenario_.clinical.alarm_window_minutes > 0
                                ? FromMinutes(scenario_.clinical.alarm_window_minutes)
                                : e.ramp + e.duration;
      o.window_end = std::min(plan_.duration, e.onset + window);
      o.monitored = plan_.StablyIn(b.devices.front(), b.ward, e.onset, e.onset);
      b.episodes.push_back(result_.episodes.size());
      result_.episodes.push_back(o);
    }
  }
  std::stable_sort(
      result_.episodes.begin(), result_.episodes.end(),
      [](const EpisodeOutcome& a, const EpisodeOutcome& b) { return a.onset < b.onset; });
  for (Bed& b : beds_) b.episodes.clear();
  for (size_t k = 0; k < result_.episodes.size(); ++k) {
    const EpisodeOutcome& o = result_.episodes[k];
    for (Bed& b : beds_)
      if (b.ward == o.ward && b.index == o.bed) b.episodes.push_back(k);
  }

  // One edge node per ward, its patients those of the ward's beds.
  for (size_t w = 0; w < plan_.wards.size(); ++w) {
    edge::EdgeNode::Options o;
    o.ward = plan_.wards[w].name;
    o.unix_offset_us = kSimEpochUs;
    for (const Bed& b : beds_) {
      if (b.ward != w) continue;
      clinical::PatientConfig p;
      p.id = b.patient_id;
      p.bed = plan_.wards[w].name + "-" + std::to_string(b.index + 1);
      p.ward = plan_.wards[w].name;
      for (size_t dev : b.devices) {
        const PlannedDevice& pd = plan_.devices[dev];
        if (pd.personal) continue;  // enrolled per admission under a new uid: not bound
        std::vector<Vital> vitals = clinical::DefaultVitalsOf(pd.kind);
        if (vitals.empty()) continue;
        p.devices.push_back({world_.device(dev).secrets.uid, pd.kind, std::move(vitals)});
      }
      p.vitals = clinical::SiteVitalsFor(o.clinical, p.spo2_scale);
      o.clinical.patients.push_back(std::move(p));
    }
    Error e = Error::kOk;
    std::string edge_why;
    WardEdge we;
    we.node = edge::EdgeNode::Create(std::move(o), *pseudonymiser_, world_.now(), &e, &edge_why);
    if (we.node == nullptr) {
      *why = "clinical telemetry: ward \"" + plan_.wards[w].name + "\": " + edge_why;
      return false;
    }
    wards_.push_back(std::move(we));
  }
  result_.patients = beds_.size();
  return true;
}

size_t ClinicalLayer::Payload(size_t device, uint32_t seq, MutableByteSpan out) {
  (void)seq;
  DeviceState& d = devices_[device];
  if (!d.sensor) return 0;
  const Result<size_t> n = d.sensor->NextPack(world_.now(), out);
  if (!n.ok()) {
    ++result_.oversize_packs;
    return 0;
  }
  if (*n == 0) return 0;
  d.sent.push_back(
      {std::vector<uint8_t>(out.begin(), out.begin() + static_cast<ptrdiff_t>(*n)), false});
  if (d.sent.size() > kSentRemembered) d.sent.pop_front();
  return *n;
}

bool ClinicalLayer::Honest(DeviceState& d, ByteSpan payload) {
  for (Sent& s : d.sent) {
    if (s.delivered || !std::equal(s.bytes.begin(), s.bytes.end(), payload.begin(), payload.end()))
      continue;
    s.delivered = true;
    return true;
  }
  return false;
}

bool ClinicalLayer::EpisodeActive(const Bed& b, TimeUs t) const {
  for (size_t k : b.episodes) {
    const EpisodeOutcome& o = result_.episodes[k];
    if (t < o.onset) continue;
    // The patient's episode, from the model's own definition: onset, ramp, hold, ramp.
    for (const Episode& e : b.patient->episodes().episodes()) {
      if (e.onset != o.onset || e.kind != o.kind) continue;
      if (e.duration == kNever || t <= e.onset + 2 * e.ramp + e.duration + kEpisodeTail)
        return true;
    }
  }
  return false;
}

void ClinicalLayer::OnCoordinatorEvent(size_t ward, const Event& e) {
  if (e.kind != EventKind::kDataReceived || ward >= wards_.size()) return;
  const size_t dev = world_.FindDevice(e.uid);
  if (dev == SIZE_MAX || !devices_[dev].fed) return;
  DeviceState& d = devices_[dev];
  const ByteSpan payload(e.data.data(), e.data_len);
  const bool honest = Honest(d, payload);
  edge::EdgeNode& node = *wards_[ward].node;
  const edge::EdgeStats before = node.stats();
  const TimeUs now = world_.now();
  node.OnData(e.uid, plan_.devices[dev].kind, payload, now);
  if (honest) {
    Drain(ward);
    return;
  }
  const edge::EdgeStats& after = node.stats();
  FalsePayload fp;
  fp.time = now;
  fp.uid = e.uid;
  const uint64_t stale = after.stale_or_reordered - before.stale_or_reordered;
  const uint64_t unassigned = after.unassigned - before.unassigned;
  const uint64_t taken = (after.clinical - before.clinical) + (after.artefacts - before.artefacts);
  fp.reached = taken - std::min(taken, stale + unassigned);
  fp.refused = (after.packs_refused - before.packs_refused) +
               (after.implausible - before.implausible) + stale;
  ++result_.false_payloads;
  result_.false_events.push_back(fp);
  if (fp.reached > 0 && d.bed != SIZE_MAX) {
    beds_[d.bed].tainted_until = now + kTaintWindow;
    beds_[d.bed].last_false = result_.false_events.size() - 1;
  }
  Drain(ward);
}

void ClinicalLayer::Drain(size_t ward) {
  edge::EdgeNode& node = *wards_[ward].node;
  while (std::optional<clinical::AlarmEvent> a = node.PollAlarm()) {
    if (a->kind != clinical::AlarmEventKind::kRaised) continue;
    if (clinical::IsTechnical(a->condition.kind)) {
      a->condition.kind == clinical::ConditionKind::kSensorStale ? ++result_.stale_alarms
                                                                 : ++result_.artefact_alarms;
      continue;
    }
    ++result_.clinical_alarms;
    auto it = bed_of_patient_.find(a->patient_id);
    if (it == bed_of_patient_.end()) {
      ++result_.false_clinical_alarms;
      continue;
    }
    Bed& b = beds_[it->second];
    if (b.tainted_until >= a->time && b.last_false != SIZE_MAX) {
      ++result_.attack_alarms;
      ++result_.false_events[b.last_false].alarms;
      continue;
    }
    if (!EpisodeActive(b, a->time)) {
      ++result_.false_clinical_alarms;
      if (result_.false_alarm_examples.size() < kExamples) {
        char line[160];
        std::snprintf(line, sizeof line, "t=%.1f s %s %s %.1f",
                      static_cast<double>(a->time) / kSeconds, a->bed.c_str(),
                      clinical::ConditionName(a->condition).c_str(), a->value.value_or(0));
        std::string text = line;
        if (a->condition.kind != clinical::ConditionKind::kNews2) {
          std::snprintf(line, sizeof line, " (patient's true %s %.1f)",
                        std::string(VitalName(a->condition.vital)).c_str(),
                        Truth(b.patient->At(a->time), a->condition.vital));
          text += line;
        }
        result_.false_alarm_examples.push_back(text);
      }
      continue;
    }
    ++result_.episode_alarms;
    for (size_t k : b.episodes) {
      EpisodeOutcome& o = result_.episodes[k];
      if (o.first_alarm < 0 && a->time >= o.onset) {
        o.first_alarm = a->time;
        o.first_condition = clinical::ConditionName(a->condition);
      }
    }
  }
  // The uplink and the IDS are not simulated here: their outputs are dropped, not kept.
  (void)node.TakeTelemetry();
  while (node.PollQuality()) {
  }
  Arm(ward);
}

void ClinicalLayer::Arm(size_t ward) {
  WardEdge& w = wards_[ward];
  const TimeUs now = world_.now();
  TimeUs at = w.node->NextDeadline(now);
  if (at == kNever) {
    world_.scheduler().Cancel(w.timer);
    w.timer_at = kNever;
    return;
  }
  at = std::max(at, now + 1);  // a deadline due now fires after this event, never in it
  if (at == w.timer_at && world_.scheduler().IsPending(w.timer)) return;
  world_.scheduler().Cancel(w.timer);
  w.timer_at = at;
  w.timer = world_.scheduler().At(at, [this, ward] {
    wards_[ward].timer_at = kNever;
    wards_[ward].node->OnTime(world_.now());
    Drain(ward);
  });
}

ClinicalResult ClinicalLayer::Finish() {
  for (size_t w = 0; w < wards_.size(); ++w) {
    wards_[w].node->OnTime(world_.now());
    Drain(w);
    world_.scheduler().Cancel(wards_[w].timer);
    edge::EdgeNode& node = *wards_[w].node;
    const edge::EdgeStats& st = node.stats();
    result_.packs += st.packs;
    result_.packs_refused += st.packs_refused;
    result_.clinical_readings += st.clinical;
    result_.artefact_readings += st.artefacts;
    result_.implausible += st.implausible;
    result_.unassigned += st.unassigned;
    result_.stale_or_reordered += st.stale_or_reordered;
  }
  return result_;
}

}  // namespace vigil::sim
