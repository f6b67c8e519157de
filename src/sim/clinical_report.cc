#include "sim/clinical_report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/attacks/catalog.h"

namespace vigil::sim {
namespace {

std::string F(double v, int decimals = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::string VName(wire::Version v) { return wire::VersionName(v); }

double Minutes(TimeUs t) { return static_cast<double>(t) / (60.0 * kSeconds); }
double Hours(TimeUs t) { return static_cast<double>(t) / (3600.0 * kSeconds); }

// "12.5 min (spo2_low)", "missed", "not monitored".
std::string Outcome(const EpisodeOutcome& o) {
  if (!o.monitored) return "not monitored";
  if (o.missed())
    return o.first_alarm < 0 ? "missed" : "missed (" + F(Minutes(o.delay())) + " min)";
  return F(Minutes(o.delay())) + " min (" + o.first_condition + ")";
}

struct EpisodeTally {
  int scheduled = 0, monitored = 0, alarmed = 0, missed = 0;
  std::vector<double> delays_min;
  double median() const {
    if (delays_min.empty()) return -1;
    std::vector<double> d = delays_min;
    std::sort(d.begin(), d.end());
    return d[d.size() / 2];
  }
  double max() const {
    return delays_min.empty() ? -1 : *std::max_element(delays_min.begin(), delays_min.end());
  }
};

EpisodeTally Tally(const ClinicalResult& c) {
  EpisodeTally t;
  for (const EpisodeOutcome& o : c.episodes) {
    ++t.scheduled;
    if (!o.monitored) continue;
    ++t.monitored;
    if (o.missed()) {
      ++t.missed;
    } else {
      ++t.alarmed;
      t.delays_min.push_back(Minutes(o.delay()));
    }
  }
  return t;
}

struct ClassTally {
  int instances = 0, accepted = 0;  // instances with at least one false payload accepted
  uint64_t payloads = 0, readings = 0, refused = 0, alarms = 0;
};

ClassTally OfClass(const DayResult& d, AttackClass cls) {
  ClassTally t;
  for (const AttackOutcome& o : d.attacks) {
    if (o.plan.cls != cls || !o.executed) continue;
    ++t.instances;
    if (o.false_payloads > 0) ++t.accepted;
    t.payloads += o.false_payloads;
    t.readings += o.false_readings;
    t.refused += o.refused_readings;
    t.alarms += o.false_alarms;
  }
  return t;
}

// The classes the clinical table lists: those that make up or alter data, and any other
// that got a false payload accepted on some day.
std::vector<AttackClass> DataClasses(const Evaluation& ev) {
  std::vector<AttackClass> out;
  for (size_t c = 0; c < kAttackClassCount; ++c) {
    const auto cls = static_cast<AttackClass>(c);
    bool listed = cls == AttackClass::kFabricatedData || cls == AttackClass::kModification;
    for (const DayResult& d : ev.days) listed |= OfClass(d, cls).payloads > 0;
    bool run = false;
    for (const DayResult& d : ev.days) run |= OfClass(d, cls).instances > 0;
    if (listed && run) out.push_back(cls);
  }
  return out;
}

}  // namespace

bool HasClinical(const Evaluation& ev) {
  for (const DayResult& d : ev.days)
    if (d.clinical.enabled) return true;
  return false;
}

std::string RenderClinicalMarkdown(const Evaluation& ev) {
  if (!HasClinical(ev)) return "";
  std::ostringstream o;
  o << "\n## Clinical telemetry at the edge\n\n";
  for (const DayResult& d : ev.days)
    if (!d.clinical.error.empty())
      o << "- " << VName(d.version) << ": **clinical telemetry not run**: " << d.clinical.error
        << "\n";
  o << "Devices send SenML/CBOR reading packs of their bed's patient; each ward's CPAN hands "
       "what it verified to that ward's edge node. Alarms are counted when raised.\n\n"
       "| version | patients | packs | clinical readings | artefact readings | refused packs | "
       "implausible | clinical alarms | during episodes | false (no episode) | caused by "
       "attacks | stale-sensor alarms | artefact alarms |\n"
       "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const DayResult& d : ev.days) {
    const ClinicalResult& c = d.clinical;
    o << "| " << VName(d.version) << " | " << c.patients << " | " << c.packs << " | "
      << c.clinical_readings << " | " << c.artefact_readings << " | " << c.packs_refused << " | "
      << c.implausible << " | " << c.clinical_alarms << " | " << c.episode_alarms << " | "
      << c.false_clinical_alarms << " | " << c.attack_alarms << " | " << c.stale_alarms << " | "
      << c.artefact_alarms << " |\n";
  }
  bool any_false = false;
  for (const DayResult& d : ev.days) any_false |= !d.clinical.false_alarm_examples.empty();
  if (any_false) {
    o << "\nFalse clinical alarms seen (first few per version):\n\n";
    for (const DayResult& d : ev.days)
      for (const std::string& x : d.clinical.false_alarm_examples)
        o << "- " << VName(d.version) << ", " << x << "\n";
  }
  const ClinicalResult& first = ev.days.front().clinical;
  if (!first.episodes.empty()) {
    o << "\n### Deterioration episodes: time from onset to the first clinical alarm\n\n"
         "An episode is missed when its patient has no clinical alarm (threshold or NEWS2) "
         "from onset to the end of its window; not monitored when the bed's devices were "
         "off or out of the ward at onset.\n\n| bed | episode | severity | onset h | window min |";
    for (const DayResult& d : ev.days) o << " " << VName(d.version) << " |";
    o << "\n|---|---|---|---|---|";
    for (size_t k = 0; k < ev.days.size(); ++k) o << "---|";
    o << "\n";
    for (size_t i = 0; i < first.episodes.size(); ++i) {
      const EpisodeOutcome& e = first.episodes[i];
      o << "| " << e.bed_name << " | " << EpisodeKindName(e.kind) << " | " << F(e.severity, 2)
        << " | " << F(Hours(e.onset), 2) << " | " << F(Minutes(e.window_end - e.onset), 0) << " |";
      for (const DayResult& d : ev.days)
        o << " " << (i < d.clinical.episodes.size() ? Outcome(d.clinical.episodes[i]) : "-")
          << " |";
      o << "\n";
    }
    o << "\n| version | episodes | monitored | alarmed in window | missed | median delay min | "
         "max delay min |\n|---|---|---|---|---|---|---|\n";
    for (const DayResult& d : ev.days) {
      const EpisodeTally t = Tally(d.clinical);
      o << "| " << VName(d.version) << " | " << t.scheduled << " | " << t.monitored << " | "
        << t.alarmed << " | " << t.missed << " | " << (t.delays_min.empty() ? "-" : F(t.median()))
        << " | " << (t.delays_min.empty() ? "-" : F(t.max())) << " |\n";
    }
  }
  o << "\n### Attacks on clinical data\n\nA false payload is one the CPAN accepted in a "
       "device's name that the honest device did not send (or sent and was already "
       "delivered); it is charged to the latest attack on that device started at most "
       "5 min before. Readings that reached the alarm logic are those the edge evaluated; "
       "refused are packs that did not decode, implausible values and stale readings.\n\n"
       "| class | version | executed | with false payloads | false payloads | readings "
       "reaching the alarm logic | refused by the edge | false clinical alarms |\n"
       "|---|---|---|---|---|---|---|---|\n";
  for (AttackClass cls : DataClasses(ev)) {
    for (const DayResult& d : ev.days) {
      const ClassTally t = OfClass(d, cls);
      o << "| " << AttackClassName(cls) << " | " << VName(d.version) << " | " << t.instances
        << " | " << t.accepted << " | " << t.payloads << " | " << t.readings << " | " << t.refused
        << " | " << t.alarms << " |\n";
    }
  }
  o << "\nFalse payloads no attack explains:";
  for (const DayResult& d : ev.days)
    o << " " << VName(d.version) << " " << d.clinical.unattributed_false_payloads << ";";
  o << "\n";
  return o.str();
}

std::string RenderClinicalText(const Evaluation& ev) {
  if (!HasClinical(ev)) return "";
  std::ostringstream o;
  o << "\nClinical telemetry at the edge (episodes alarmed / monitored, median delay; false "
       "clinical alarms; false readings reaching the alarm logic, alarms they caused):\n";
  for (const DayResult& d : ev.days) {
    const ClinicalResult& c = d.clinical;
    if (!c.error.empty()) {
      o << "  " << VName(d.version) << ": not run: " << c.error << "\n";
      continue;
    }
    const EpisodeTally t = Tally(c);
    uint64_t readings = 0;
    for (const AttackOutcome& a : d.attacks) readings += a.false_readings;
    o << "  " << VName(d.version) << ": episodes " << t.alarmed << "/" << t.monitored
      << (t.delays_min.empty() ? "" : ", median " + F(t.median()) + " min") << "; false alarms "
      << c.false_clinical_alarms << "; false readings " << readings << ", alarms "
      << c.attack_alarms << "\n";
  }
  return o.str();
}

void AddClinicalJson(const Evaluation& ev, nlohmann::json* j) {
  using nlohmann::json;
  if (!HasClinical(ev)) return;
  json days = json::array();
  for (const DayResult& d : ev.days) {
    const ClinicalResult& c = d.clinical;
    json episodes = json::array();
    for (const EpisodeOutcome& e : c.episodes)
      episodes.push_back(
          {{"bed", e.bed_name},
           {"kind", EpisodeKindName(e.kind)},
           {"severity", e.severity},
           {"onset_s", static_cast<double>(e.onset) / kSeconds},
           {"window_end_s", static_cast<double>(e.window_end) / kSeconds},
           {"monitored", e.monitored},
           {"first_alarm_s", e.first_alarm < 0
                                 ? json(nullptr)
                                 : json(static_cast<double>(e.first_alarm) / kSeconds)},
           {"delay_s",
            e.first_alarm < 0 ? json(nullptr) : json(static_cast<double>(e.delay()) / kSeconds)},
           {"condition", e.first_condition},
           {"missed", e.missed()}});
    json classes = json::object();
    for (AttackClass cls : DataClasses(ev)) {
      const ClassTally t = OfClass(d, cls);
      classes[std::string(AttackClassName(cls))] = {
          {"executed", t.instances},       {"with_false_payloads", t.accepted},
          {"false_payloads", t.payloads},  {"false_readings", t.readings},
          {"refused_readings", t.refused}, {"false_alarms", t.alarms}};
    }
    const EpisodeTally t = Tally(c);
    days.push_back({{"version", VName(d.version)},
                    {"error", c.error},
                    {"patients", c.patients},
                    {"packs", c.packs},
                    {"packs_refused", c.packs_refused},
                    {"clinical_readings", c.clinical_readings},
                    {"artefact_readings", c.artefact_readings},
                    {"implausible", c.implausible},
                    {"unassigned", c.unassigned},
                    {"stale_or_reordered", c.stale_or_reordered},
                    {"oversize_packs", c.oversize_packs},
                    {"alarms",
                     {{"clinical", c.clinical_alarms},
                      {"during_episodes", c.episode_alarms},
                      {"false_clinical", c.false_clinical_alarms},
                      {"caused_by_attacks", c.attack_alarms},
                      {"stale_sensor", c.stale_alarms},
                      {"artefact", c.artefact_alarms}}},
                    {"episodes_summary",
                     {{"scheduled", t.scheduled},
                      {"monitored", t.monitored},
                      {"alarmed", t.alarmed},
                      {"missed", t.missed},
                      {"median_delay_min", t.median()},
                      {"max_delay_min", t.max()}}},
                    {"episodes", episodes},
                    {"false_alarm_examples", c.false_alarm_examples},
                    {"false_payloads", c.false_payloads},
                    {"unattributed_false_payloads", c.unattributed_false_payloads},
                    {"attack_classes", classes}});
  }
  (*j)["clinical"] = days;
}

}  // namespace vigil::sim
