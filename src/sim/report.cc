#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/hex.h"
#include "sim/attacks/catalog.h"
#include "sim/clinical_report.h"

namespace vigil::sim {
namespace {

using wire::Version;

std::string F(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string Pad(const std::string& s, size_t w, bool right = false) {
  if (s.size() >= w) return s;
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

std::string VName(Version v) { return wire::VersionName(v); }

const Table1Row* Row(const Evaluation& ev, Version v, bool auth) {
  for (const Table1Row& r : ev.table1)
    if (r.version == v && r.authenticated == auth) return &r;
  return nullptr;
}

const BenignResult* Benign(const Evaluation& ev, Version v) {
  for (const BenignResult& b : ev.benign)
    if (b.version == v) return &b;
  return nullptr;
}

bool IsTheftWithoutSk2(const AttackOutcome& o) {
  return (o.plan.cls == AttackClass::kIdentityTheftOnline ||
          o.plan.cls == AttackClass::kIdentityTheftOffline) &&
         o.plan.capability != Capability::kFullClone;
}

Summary DetectTimes(const DayResult& d) {
  std::vector<double> t;
  for (const AttackOutcome& o : d.attacks)
    if (o.executed && o.detected) t.push_back(static_cast<double>(o.time_to_detect) / kMillis);
  return Summarize(t);
}

int NotExecuted(const DayResult& d) {
  int n = 0;
  for (const AttackOutcome& o : d.attacks) n += o.executed ? 0 : 1;
  return n;
}

std::string ClassLabel(AttackClass c) {
  std::string s(AttackClassName(c));
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

// ---- targets ----
struct Target {
  std::string what;
  std::string measured;
  bool met;
};

std::vector<Target> Targets(const Evaluation& ev) {
  std::vector<Target> t;
  for (const DayResult& d : ev.days) {
    if (d.version != Version::kHardened) continue;
    Rate theft;
    for (const AttackOutcome& o : d.attacks) {
      if (!o.executed || !IsTheftWithoutSk2(o)) continue;
      ++theft.instances;
      theft.detected += o.detected ? 1 : 0;
    }
    t.push_back({"hardened: 100% detection of identity theft without Secretkey2",
                 F(theft.detected_pct()) + "% (" + std::to_string(theft.detected) + "/" +
                     std::to_string(theft.instances) + ")",
                 theft.instances > 0 && theft.detected == theft.instances});
    const Rate all = RateOf(d, nullptr, nullptr);
    t.push_back({"hardened: >= 99% detection overall", F(all.detected_pct()) + "%",
                 all.detected_pct() >= 99.0});
  }
  if (const BenignResult* b = Benign(ev, Version::kHardened)) {
    t.push_back({"hardened: 0 false positives in >= 10,000 benign associations at 5% loss",
                 std::to_string(b->alerts) + " in " + std::to_string(b->associations) + " at " +
                     F(100 * b->loss, 0) + "% loss",
                 b->alerts == 0 && b->associations >= 10000 && b->loss >= 0.05});
  }
  if (const Table1Row* r = Row(ev, Version::kHardened, true)) {
    t.push_back({"hardened: association with confirmation < 25 ms (paper: 97 ms)",
                 F(r->ms.mean, 2) + " ms mean", r->ms.mean < 25.0});
  }
  for (const Table1Row& r : ev.table1) {
    if (r.floor_expected_ms <= 0) continue;
    const double ratio = r.ms.mean / r.floor_expected_ms;
    t.push_back({VName(r.version) + (r.authenticated ? " with" : " without") +
                     " authentication within 1.3x of its radio floor",
                 F(ratio, 2) + "x (" + F(r.ms.mean, 2) + " / " + F(r.floor_expected_ms, 2) + " ms)",
                 ratio <= 1.3});
  }
  return t;
}

// ---- SVG ----
std::string SvgHeader(int w, int h, const std::string& title) {
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << w / 2 << "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" << title
    << "</text>\n";
  return o.str();
}

const char* kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};

// Grouped bars: groups x series, with optional paper values drawn as hollow bars.
std::string GroupedBars(const std::string& title, const std::string& unit,
                        const std::vector<std::string>& groups,
                        const std::vector<std::string>& series,
                        const std::vector<std::vector<double>>& values,  // [group][series]
                        const std::vector<std::vector<double>>& paper,   // same shape, <0: none
                        double ymax) {
  const int w = 760, h = 400, left = 60, right = 20, top = 40, bottom = 70;
  const double plot_w = w - left - right, plot_h = h - top - bottom;
  std::ostringstream o;
  o << SvgHeader(w, h, title);
  if (ymax <= 0) ymax = 1;
  for (int k = 0; k <= 5; ++k) {
    const double v = ymax * k / 5;
    const double y = top + plot_h - plot_h * k / 5;
    o << "<line x1=\"" << left << "\" y1=\"" << F(y) << "\" x2=\"" << w - right << "\" y2=\""
      << F(y) << "\" stroke=\"#ddd\"/>\n";
    o << "<text x=\"" << left - 6 << "\" y=\"" << F(y + 4) << "\" text-anchor=\"end\">" << F(v, 0)
      << "</text>\n";
  }
  o << "<text x=\"14\" y=\"" << top + plot_h / 2 << "\" transform=\"rotate(-90 14 "
    << top + plot_h / 2 << ")\" text-anchor=\"middle\">" << unit << "</text>\n";
  const double gw = plot_w / static_cast<double>(std::max<size_t>(1, groups.size()));
  const size_t ns = std::max<size_t>(1, series.size());
  const double bw = gw * 0.8 / static_cast<double>(ns);
  for (size_t g = 0; g < groups.size(); ++g) {
    const double gx = left + gw * static_cast<double>(g) + gw * 0.1;
    for (size_t si = 0; si < series.size(); ++si) {
      const double x = gx + bw * static_cast<double>(si);
      const double v = std::min(values[g][si], ymax);
      const double bh = plot_h * v / ymax;
      o << "<rect x=\"" << F(x) << "\" y=\"" << F(top + plot_h - bh) << "\" width=\"" << F(bw * 0.9)
        << "\" height=\"" << F(bh) << "\" fill=\"" << kColors[si % 6] << "\"><title>" << groups[g]
        << " " << series[si] << ": " << F(values[g][si], 1) << "</title></rect>\n";
      if (!paper.empty() && paper[g][si] >= 0) {
        const double ph = plot_h * std::min(paper[g][si], ymax) / ymax;
        o << "<rect x=\"" << F(x) << "\" y=\"" << F(top + plot_h - ph) << "\" width=\""
          << F(bw * 0.9) << "\" height=\"" << F(ph)
          << "\" fill=\"none\" stroke=\"black\" stroke-dasharray=\"4 2\"><title>paper: "
          << F(paper[g][si], 0) << "</title></rect>\n";
      }
    }
    o << "<text x=\"" << F(gx + bw * static_cast<double>(ns) / 2) << "\" y=\"" << top + plot_h + 16
      << "\" text-anchor=\"middle\">" << groups[g] << "</text>\n";
  }
  double lx = left;
  const int ly = h - 22;
  for (size_t si = 0; si < series.size(); ++si) {
    o << "<rect x=\"" << F(lx) << "\" y=\"" << ly - 10 << "\" width=\"12\" height=\"12\" fill=\""
      << kColors[si % 6] << "\"/><text x=\"" << F(lx + 16) << "\" y=\"" << ly << "\">" << series[si]
      << "</text>\n";
    lx += 24 + 7.0 * static_cast<double>(series[si].size());
  }
  if (!paper.empty()) {
    o << "<rect x=\"" << F(lx) << "\" y=\"" << ly - 10
      << "\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"black\" stroke-dasharray=\"4 2\"/>"
      << "<text x=\"" << F(lx + 16) << "\" y=\"" << ly << "\">paper (seed 000)</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string CdfPlot(const Evaluation& ev) {
  const int w = 760, h = 400, left = 60, right = 20, top = 40, bottom = 60;
  const double plot_w = w - left - right, plot_h = h - top - bottom;
  double xmax = 1;
  for (const Table1Row& r : ev.table1)
    if (r.authenticated && !r.samples_ms.empty()) xmax = std::max(xmax, r.ms.p99 * 1.1);
  xmax = std::ceil(xmax / 10) * 10;
  std::ostringstream o;
  o << SvgHeader(w, h,
                 "Association time with authentication: CDF (" + ev.device_profile + " devices, " +
                     ev.cpan_profile + " CPAN)");
  for (int k = 0; k <= 5; ++k) {
    const double x = left + plot_w * k / 5;
    o << "<line x1=\"" << F(x) << "\" y1=\"" << top << "\" x2=\"" << F(x) << "\" y2=\""
      << top + plot_h << "\" stroke=\"#ddd\"/><text x=\"" << F(x) << "\" y=\"" << top + plot_h + 16
      << "\" text-anchor=\"middle\">" << F(xmax * k / 5, 0) << "</text>\n";
    const double y = top + plot_h - plot_h * k / 5;
    o << "<text x=\"" << left - 6 << "\" y=\"" << F(y + 4) << "\" text-anchor=\"end\">"
      << F(k * 0.2, 1) << "</text>\n";
  }
  o << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << h - 26
    << "\" text-anchor=\"middle\">milliseconds</text>\n";
  size_t si = 0;
  double lx = left;
  for (const Table1Row& r : ev.table1) {
    if (!r.authenticated || r.samples_ms.empty()) continue;
    std::vector<double> v = r.samples_ms;
    std::sort(v.begin(), v.end());
    o << "<polyline fill=\"none\" stroke=\"" << kColors[si % 6]
      << "\" stroke-width=\"2\" points=\"";
    const size_t step = std::max<size_t>(1, v.size() / 200);
    for (size_t i = 0; i < v.size(); i += step) {
      const double x = left + plot_w * std::min(v[i], xmax) / xmax;
      const double y =
          top + plot_h - plot_h * static_cast<double>(i + 1) / static_cast<double>(v.size());
      o << F(x) << "," << F(y) << " ";
    }
    o << F(left + plot_w * std::min(v.back(), xmax) / xmax) << "," << top << "\"/>\n";
    o << "<rect x=\"" << F(lx) << "\" y=\"" << h - 20 << "\" width=\"12\" height=\"4\" fill=\""
      << kColors[si % 6] << "\"/><text x=\"" << F(lx + 16) << "\" y=\"" << h - 14 << "\">"
      << VName(r.version) << "</text>\n";
    lx += 90;
    ++si;
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace

const PaperFigures& PaperFor(Version v) {
  static const PaperFigures kV1{20, 32, 60, 54}, kV2{43, 54, 79, 72}, kV3{72, 97, 98, 95};
  if (v == Version::kV1) return kV1;
  if (v == Version::kV2) return kV2;
  return kV3;
}

Rate RateOf(const DayResult& d, const AttackClass* cls, const Intruder* who,
            const Capability* cap) {
  Rate r;
  for (const AttackOutcome& o : d.attacks) {
    if (!o.executed) continue;
    if (cls != nullptr && o.plan.cls != *cls) continue;
    if (who != nullptr && o.plan.intruder != *who) continue;
    if (cap != nullptr && o.plan.capability != *cap) continue;
    ++r.instances;
    r.detected += o.detected ? 1 : 0;
    r.blocked += o.blocked ? 1 : 0;
  }
  return r;
}

// What a version cannot detect by construction that this run's attack mix does not
// contain, so that "nothing missed" is never read as "nothing to miss".
std::vector<std::string> OutsideTheMix(const Evaluation& ev, wire::Version v) {
  std::vector<std::string> out;
  if (v == wire::Version::kHardened && !ev.live_clone_image) {
    out.push_back(
        "identity theft offline (full clone) from a live image of the device's current session "
        "(the device itself in the attacker's hands): indistinguishable from the original until "
        "the original returns and fails its confirmation; not in this mix (clone_image = "
        "\"earlier\"), measure it with [attacks] clone_image = \"live\"");
  }
  return out;
}

std::vector<std::string> Misses(const DayResult& d) {
  std::map<std::pair<int, int>, Rate> by;
  for (const AttackOutcome& o : d.attacks) {
    if (!o.executed) continue;
    Rate& r = by[{static_cast<int>(o.plan.cls), static_cast<int>(o.plan.capability)}];
    ++r.instances;
    r.detected += o.detected ? 1 : 0;
    r.blocked += o.blocked ? 1 : 0;
  }
  std::vector<std::string> out;
  for (const auto& [key, r] : by) {
    if (r.detected == r.instances) continue;
    const auto cls = static_cast<AttackClass>(key.first);
    const auto cap = static_cast<Capability>(key.second);
    std::string s = ClassLabel(cls) + " (" + std::string(CapabilityName(cap)) + "): ";
    s += r.detected == 0
             ? "never detected"
             : "detected " + std::to_string(r.detected) + " of " + std::to_string(r.instances);
    s += r.blocked == r.instances ? ", always blocked"
         : r.blocked == 0
             ? ", never blocked (the attack succeeds)"
             : ", blocked " + std::to_string(r.blocked) + " of " + std::to_string(r.instances);
    out.push_back(s);
  }
  return out;
}

// ---------------------------------------------------------------------------------------

std::string RenderText(const Evaluation& ev) {
  std::ostringstream o;
  o << "vigil sim: scenario " << ev.scenario << ", seed " << ev.seed << ", " << ev.wards
    << " wards, " << ev.devices << " devices, " << F(ev.hours, 1) << " h per day\n";
  o << "CPU profiles: devices " << ev.device_profile << ", CPAN " << ev.cpan_profile;
  if (!ev.profile_note.empty()) o << " (" << ev.profile_note << ")";
  o << "\n\n";
  if (!ev.table1.empty()) {
    o << "Table 1. Association time (ms) on the modelled 802.15.4 radio; bytes on air per "
         "association\n";
    o << Pad("version", 10) << Pad("auth", 6) << Pad("mean", 8, true) << Pad("p50", 8, true)
      << Pad("p95", 8, true) << Pad("p99", 8, true) << Pad("bytes", 8, true)
      << Pad("floor", 8, true) << Pad("x floor", 9, true) << Pad("paper", 8, true) << "\n";
    for (const Table1Row& r : ev.table1) {
      const PaperFigures& p = PaperFor(r.version);
      o << Pad(VName(r.version), 10) << Pad(r.authenticated ? "yes" : "no", 6)
        << Pad(F(r.ms.mean, 2), 8, true) << Pad(F(r.ms.p50, 2), 8, true)
        << Pad(F(r.ms.p95, 2), 8, true) << Pad(F(r.ms.p99, 2), 8, true)
        << Pad(F(r.bytes_on_air, 0), 8, true) << Pad(F(r.floor_expected_ms, 2), 8, true)
        << Pad(r.floor_expected_ms > 0 ? F(r.ms.mean / r.floor_expected_ms, 2) : "-", 9, true)
        << Pad(F(r.authenticated ? p.with_auth_ms : p.without_auth_ms, 0), 8, true) << "\n";
    }
    o << "(floor: airtime, CSMA/CA with the expected first backoff, and ACKs of the exchange's "
         "own frames; paper v3 figures shown against v3-paper and hardened)\n\n";
  }
  if (!ev.days.empty()) {
    o << "Table 2. Detection rate (%) per version: detected = an alert naming the attacked "
         "device within "
      << F(ev.window_s, 0) << " s of the attack's first action\n";
    o << Pad("version", 10) << Pad("internal", 10, true) << Pad("external", 10, true)
      << Pad("overall", 9, true) << Pad("blocked", 9, true) << Pad("paper int/ext", 15, true)
      << Pad("benign FP", 18, true) << Pad("TTD p50 ms", 12, true) << "\n";
    for (const DayResult& d : ev.days) {
      const Intruder in = Intruder::kInternal, ex = Intruder::kExternal;
      const Rate ri = RateOf(d, nullptr, &in), re = RateOf(d, nullptr, &ex),
                 ra = RateOf(d, nullptr, nullptr);
      const PaperFigures& p = PaperFor(d.version);
      std::string fp = "-";
      if (const BenignResult* b = Benign(ev, d.version))
        fp = std::to_string(b->alerts) + "/" + std::to_string(b->associations);
      o << Pad(VName(d.version), 10) << Pad(F(ri.detected_pct()), 10, true)
        << Pad(F(re.detected_pct()), 10, true) << Pad(F(ra.detected_pct()), 9, true)
        << Pad(F(ra.blocked_pct()), 9, true)
        << Pad(F(p.internal_pct, 0) + "/" + F(p.external_pct, 0), 15, true) << Pad(fp, 18, true)
        << Pad(F(DetectTimes(d).p50, 1), 12, true) << "\n";
    }
    o << "\nPer attack class: detected% / blocked% (internal | external)\n";
    o << Pad("class", 24);
    for (const DayResult& d : ev.days) o << Pad(VName(d.version), 24, true);
    o << "\n";
    for (size_t c = 0; c < kAttackClassCount; ++c) {
      const auto cls = static_cast<AttackClass>(c);
      bool any = false;
      for (const DayResult& d : ev.days) any |= RateOf(d, &cls, nullptr).instances > 0;
      if (!any) continue;
      o << Pad(std::string(AttackClassName(cls)), 24);
      for (const DayResult& d : ev.days) {
        const Intruder in = Intruder::kInternal, ex = Intruder::kExternal;
        const Rate ri = RateOf(d, &cls, &in), re = RateOf(d, &cls, &ex);
        o << Pad(F(ri.detected_pct(), 0) + "/" + F(ri.blocked_pct(), 0) + " | " +
                     F(re.detected_pct(), 0) + "/" + F(re.blocked_pct(), 0),
                 24, true);
      }
      o << "\n";
    }
    o << "\nWhat each version cannot detect (at least one instance missed):\n";
    for (const DayResult& d : ev.days) {
      o << "  " << VName(d.version) << ":\n";
      const std::vector<std::string> m = Misses(d);
      if (m.empty()) o << "    nothing: every executed attack was detected\n";
      for (const std::string& s : m) o << "    - " << s << "\n";
      for (const std::string& s : OutsideTheMix(ev, d.version))
        o << "    - by construction: " << s << "\n";
    }
  }
  o << RenderClinicalText(ev);
  const std::vector<Target> targets = Targets(ev);
  if (!targets.empty()) {
    o << "\nTargets:\n";
    for (const Target& t : targets)
      o << "  [" << (t.met ? "met" : "NOT met") << "] " << t.what << ": " << t.measured << "\n";
  }
  return o.str();
}

std::string RenderMarkdown(const Evaluation& ev) {
  std::ostringstream o;
  o << "# Vigil testbed report: " << ev.scenario << ", seed " << ev.seed << "\n\n";
  if (!ev.description.empty()) o << ev.description << ".\n\n";
  o << "- " << ev.wards << " wards with one CPAN each, " << ev.devices << " devices, "
    << F(ev.hours, 1) << " simulated hours per protocol version\n";
  o << "- CPU profiles: devices `" << ev.device_profile << "`, CPAN `" << ev.cpan_profile << "`";
  if (!ev.profile_note.empty()) o << " (" << ev.profile_note << ")";
  o << "\n- Reproduce: `vigil sim --scenario " << ev.scenario << " --seed " << ev.seed << "`\n\n";
  if (!ev.table1.empty()) {
    o << "## Table 1: association time\n\n"
      << "From the device's association request to its verification of the answer, on the "
         "modelled IEEE 802.15.4 radio, amid one ward's traffic. Milliseconds; bytes on air "
         "include PHY headers and acknowledgements.\n\n";
    o << "| version | auth | mean | p50 | p95 | p99 | bytes on air | frames | radio floor | "
         "x floor | device CPU | paper |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const Table1Row& r : ev.table1) {
      const PaperFigures& p = PaperFor(r.version);
      o << "| " << VName(r.version) << " | " << (r.authenticated ? "yes" : "no") << " | "
        << F(r.ms.mean, 2) << " | " << F(r.ms.p50, 2) << " | " << F(r.ms.p95, 2) << " | "
        << F(r.ms.p99, 2) << " | " << F(r.bytes_on_air, 0) << " | " << F(r.frames_on_air, 1)
        << " | " << F(r.floor_expected_ms, 2) << " | "
        << (r.floor_expected_ms > 0 ? F(r.ms.mean / r.floor_expected_ms, 2) : "-") << " | "
        << F(r.device_cpu_ms, 2) << " | "
        << F(r.authenticated ? p.with_auth_ms : p.without_auth_ms, 0) << " |\n";
    }
    o << "\nThe radio floor is the airtime, CSMA/CA (expected first backoff) and "
         "acknowledgements of the exchange's own frames (MPDU sizes:";
    for (const Table1Row& r : ev.table1) {
      if (!r.authenticated) continue;
      o << " " << VName(r.version) << " [";
      for (size_t i = 0; i < r.frame_sizes.size(); ++i) o << (i ? " " : "") << r.frame_sizes[i];
      o << "]";
    }
    o << "). v3-paper grants at the first valid answer and watches its answer window for a "
         "second answer after the grant (the grant is provisional until then; docs/protocol.md "
         "9.4), so the window is not in its association time. The paper's v3 figures are "
         "shown against both v3-paper and hardened.\n\n![Table "
         "1](table1.svg)\n\n![CDF](association_cdf.svg)\n\n";
  }
  if (!ev.days.empty()) {
    o << "## Table 2: detection rate\n\n"
      << "Detected: an IDS alert naming the attacked device within " << F(ev.window_s, 0)
      << " s of the attack's first action on the air. Blocked: the attack did not reach its "
         "goal (defined per class below). Each version ran the same hospital day with the "
         "same attack schedule ("
      << ev.attacks.size() << " attacks";
    if (ev.attacks_dropped > 0) o << "; " << ev.attacks_dropped << " dropped for lack of a victim";
    o << ").\n\n| version | internal | external | overall | blocked | paper internal/external | "
         "benign false positives | time to detect p50 / p95 (ms) |\n"
         "|---|---|---|---|---|---|---|---|\n";
    for (const DayResult& d : ev.days) {
      const Intruder in = Intruder::kInternal, ex = Intruder::kExternal;
      const Rate ri = RateOf(d, nullptr, &in), re = RateOf(d, nullptr, &ex),
                 ra = RateOf(d, nullptr, nullptr);
      const PaperFigures& p = PaperFor(d.version);
      const Summary t = DetectTimes(d);
      std::string fp = "-";
      if (const BenignResult* b = Benign(ev, d.version))
        fp = std::to_string(b->alerts) + " in " + std::to_string(b->associations);
      o << "| " << VName(d.version) << " | " << F(ri.detected_pct()) << "% (" << ri.detected << "/"
        << ri.instances << ") | " << F(re.detected_pct()) << "% (" << re.detected << "/"
        << re.instances << ") | " << F(ra.detected_pct()) << "% | " << F(ra.blocked_pct()) << "% | "
        << F(p.internal_pct, 0) << "% / " << F(p.external_pct, 0) << "% | " << fp << " | "
        << F(t.p50, 1) << " / " << F(t.p95, 1) << " |\n";
    }
    o << "\n![Table 2](table2.svg)\n\n### Per attack class\n\n"
         "detected% / blocked%, internal | external intruder.\n\n| class |";
    for (const DayResult& d : ev.days) o << " " << VName(d.version) << " |";
    o << " goal (not blocked) |\n|---|";
    for (size_t i = 0; i < ev.days.size(); ++i) o << "---|";
    o << "---|\n";
    for (size_t c = 0; c < kAttackClassCount; ++c) {
      const auto cls = static_cast<AttackClass>(c);
      bool any = false;
      for (const DayResult& d : ev.days) any |= RateOf(d, &cls, nullptr).instances > 0;
      if (!any) continue;
      o << "| " << ClassLabel(cls) << " |";
      for (const DayResult& d : ev.days) {
        const Intruder in = Intruder::kInternal, ex = Intruder::kExternal;
        const Rate ri = RateOf(d, &cls, &in), re = RateOf(d, &cls, &ex);
        o << " " << F(ri.detected_pct(), 0) << "/" << F(ri.blocked_pct(), 0) << " \\| "
          << F(re.detected_pct(), 0) << "/" << F(re.blocked_pct(), 0) << " |";
      }
      o << " " << GoalDefinition(cls) << " |\n";
    }
    o << "\n![Per class](classes.svg)\n\n### What each version cannot detect\n\n";
    for (const DayResult& d : ev.days) {
      o << "**" << VName(d.version) << "**";
      const std::vector<std::string> m = Misses(d);
      if (m.empty())
        o << ": every executed attack was detected.\n\n";
      else
        o << ":\n\n";
      for (const std::string& s : m) o << "- " << s << "\n";
      const std::vector<std::string> outside = OutsideTheMix(ev, d.version);
      for (const std::string& s : outside) o << "- by construction: " << s << "\n";
      if (!m.empty() || !outside.empty()) o << "\n";
    }
    o << "### Not executed\n\nInstances whose attacker never got to act (e.g. an external "
         "sniffer out of the victim's range heard nothing to replay) are left out of the rates:";
    for (const DayResult& d : ev.days) o << " " << VName(d.version) << " " << NotExecuted(d) << ";";
    o << "\n\n### False positives\n\n| version | benign associations | alerts | simulated h | "
         "failed attempts (retried) | MAC retransmissions | day: alerts not attributable to an "
         "attack |\n|---|---|---|---|---|---|---|\n";
    for (const DayResult& d : ev.days) {
      const BenignResult* b = Benign(ev, d.version);
      o << "| " << VName(d.version) << " | " << (b ? std::to_string(b->associations) : "-") << " | "
        << (b ? std::to_string(b->alerts) : "-") << " | "
        << (b ? F(static_cast<double>(b->simulated) / 3.6e9, 1) : "-") << " | "
        << (b ? std::to_string(b->failed_attempts) : "-") << " | "
        << (b ? std::to_string(b->retransmissions) : "-") << " | " << d.unattributed_alerts
        << " |\n";
    }
    bool any_fp = false;
    for (const BenignResult& b : ev.benign) any_fp |= !b.examples.empty();
    if (any_fp) {
      o << "\nFalse positives seen (first few per version):\n\n";
      for (const BenignResult& b : ev.benign)
        for (const ids::Alert& a : b.examples)
          o << "- " << VName(b.version) << ", t=" << F(static_cast<double>(a.time) / kSeconds, 1)
            << " s: " << a.signature << " (" << a.detail << ")\n";
    }
  }
  o << RenderClinicalMarkdown(ev);
  const std::vector<Target> targets = Targets(ev);
  if (!targets.empty()) {
    o << "\n## Targets\n\n| target | measured | |\n|---|---|---|\n";
    for (const Target& t : targets)
      o << "| " << t.what << " | " << t.measured << " | " << (t.met ? "met" : "**not met**")
        << " |\n";
  }
  return o.str();
}

std::string RenderJson(const Evaluation& ev) {
  using nlohmann::json;
  json j;
  j["scenario"] = ev.scenario;
  j["seed"] = ev.seed;
  j["hours"] = ev.hours;
  j["wards"] = ev.wards;
  j["devices"] = ev.devices;
  j["profiles"] = {
      {"device", ev.device_profile}, {"cpan", ev.cpan_profile}, {"note", ev.profile_note}};
  json t1 = json::array();
  for (const Table1Row& r : ev.table1) {
    const PaperFigures& p = PaperFor(r.version);
    t1.push_back({{"version", VName(r.version)},
                  {"authenticated", r.authenticated},
                  {"n", r.ms.n},
                  {"mean_ms", r.ms.mean},
                  {"p50_ms", r.ms.p50},
                  {"p95_ms", r.ms.p95},
                  {"p99_ms", r.ms.p99},
                  {"bytes_on_air", r.bytes_on_air},
                  {"frames_on_air", r.frames_on_air},
                  {"frame_sizes", r.frame_sizes},
                  {"floor_expected_ms", r.floor_expected_ms},
                  {"floor_min_ms", r.floor_min_ms},
                  {"device_cpu_ms", r.device_cpu_ms},
                  {"cpan_cpu_ms", r.cpan_cpu_ms},
                  {"failed_attempts", r.failed},
                  {"paper_ms", r.authenticated ? p.with_auth_ms : p.without_auth_ms}});
  }
  j["table1"] = t1;
  json t2 = json::array();
  for (const DayResult& d : ev.days) {
    const Intruder in = Intruder::kInternal, ex = Intruder::kExternal;
    const Rate ri = RateOf(d, nullptr, &in), re = RateOf(d, nullptr, &ex),
               ra = RateOf(d, nullptr, nullptr);
    const Summary t = DetectTimes(d);
    const PaperFigures& p = PaperFor(d.version);
    json classes = json::object();
    for (size_t c = 0; c < kAttackClassCount; ++c) {
      const auto cls = static_cast<AttackClass>(c);
      json per = json::object();
      for (Intruder who : {Intruder::kInternal, Intruder::kExternal}) {
        const Rate r = RateOf(d, &cls, &who);
        if (r.instances == 0) continue;
        per[std::string(IntruderName(who))] = {
            {"instances", r.instances}, {"detected", r.detected}, {"blocked", r.blocked}};
      }
      if (!per.empty()) classes[std::string(AttackClassName(cls))] = per;
    }
    json attacks = json::array();
    for (const AttackOutcome& o : d.attacks) {
      attacks.push_back({{"id", o.plan.id},
                         {"at_s", static_cast<double>(o.plan.at) / kSeconds},
                         {"class", AttackClassName(o.plan.cls)},
                         {"intruder", IntruderName(o.plan.intruder)},
                         {"capability", CapabilityName(o.plan.capability)},
                         {"ward", o.plan.ward},
                         {"victim", o.plan.victim},
                         {"victim_uid", UidToString(o.victim_uid)},
                         {"executed", o.executed},
                         {"detected", o.detected},
                         {"blocked", o.blocked},
                         {"time_to_detect_ms",
                          o.detected ? static_cast<double>(o.time_to_detect) / kMillis : -1.0},
                         {"signature", o.signature},
                         {"note", o.note}});
    }
    const BenignResult* b = Benign(ev, d.version);
    json unattributed = json::array();
    for (const ids::Alert& a : d.unattributed_examples)
      unattributed.push_back({{"t_s", static_cast<double>(a.time) / kSeconds},
                              {"signature", a.signature},
                              {"uid", UidToString(a.uid)},
                              {"detail", a.detail}});
    json fp = json::array();
    if (b != nullptr)
      for (const ids::Alert& a : b->examples)
        fp.push_back({{"t_s", static_cast<double>(a.time) / kSeconds},
                      {"signature", a.signature},
                      {"uid", UidToString(a.uid)},
                      {"detail", a.detail}});
    t2.push_back(
        {{"version", VName(d.version)},
         {"internal",
          {{"instances", ri.instances}, {"detected", ri.detected}, {"blocked", ri.blocked}}},
         {"external",
          {{"instances", re.instances}, {"detected", re.detected}, {"blocked", re.blocked}}},
         {"overall",
          {{"instances", ra.instances}, {"detected", ra.detected}, {"blocked", ra.blocked}}},
         {"detection_pct",
          {{"internal", ri.detected_pct()},
           {"external", re.detected_pct()},
           {"overall", ra.detected_pct()}}},
         {"paper_pct", {{"internal", p.internal_pct}, {"external", p.external_pct}}},
         {"time_to_detect_ms",
          {{"n", t.n}, {"mean", t.mean}, {"p50", t.p50}, {"p95", t.p95}, {"max", t.max}}},
         {"not_executed", NotExecuted(d)},
         {"cannot_detect", Misses(d)},
         {"cannot_detect_outside_mix", OutsideTheMix(ev, d.version)},
         {"classes", classes},
         {"day",
          {{"associations", d.associations},
           {"data_frames", d.data_frames},
           {"frames_on_air", d.frames_on_air},
           {"acks_on_air", d.acks_on_air},
           {"alerts", d.alerts},
           {"unattributed_alerts", d.unattributed_alerts},
           {"unattributed_examples", unattributed}}},
         {"benign", b == nullptr ? json(nullptr)
                                 : json{{"associations", b->associations},
                                        {"alerts", b->alerts},
                                        {"loss", b->loss},
                                        {"simulated_h", static_cast<double>(b->simulated) / 3.6e9},
                                        {"failed_attempts", b->failed_attempts},
                                        {"false_positive_examples", fp},
                                        {"retransmissions", b->retransmissions}}},
         {"attacks", attacks}});
  }
  j["table2"] = t2;
  j["window_s"] = ev.window_s;
  j["attacks_scheduled"] = ev.attacks.size();
  j["attacks_dropped"] = ev.attacks_dropped;
  json targets = json::array();
  for (const Target& t : Targets(ev))
    targets.push_back({{"target", t.what}, {"measured", t.measured}, {"met", t.met}});
  j["targets"] = targets;
  AddClinicalJson(ev, &j);
  return j.dump(2) + "\n";
}

std::vector<std::pair<std::string, std::string>> RenderSvgs(const Evaluation& ev) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!ev.table1.empty()) {
    std::vector<std::string> groups;
    std::vector<std::vector<double>> values, paper;
    double ymax = 0;
    for (Version v : ev.versions) {
      const Table1Row* a = Row(ev, v, false);
      const Table1Row* b = Row(ev, v, true);
      if (a == nullptr || b == nullptr) continue;
      groups.push_back(VName(v));
      values.push_back({a->ms.mean, b->ms.mean});
      paper.push_back({PaperFor(v).without_auth_ms, PaperFor(v).with_auth_ms});
      ymax = std::max({ymax, a->ms.mean, b->ms.mean, PaperFor(v).with_auth_ms});
    }
    out.emplace_back("table1.svg", GroupedBars("Table 1: mean association time", "ms", groups,
                                               {"without authentication", "with authentication"},
                                               values, paper, std::ceil(ymax / 20) * 20));
    out.emplace_back("association_cdf.svg", CdfPlot(ev));
  }
  if (!ev.days.empty()) {
    std::vector<std::string> groups;
    std::vector<std::vector<double>> values, paper;
    for (const DayResult& d : ev.days) {
      const Intruder in = Intruder::kInternal, ex = Intruder::kExternal;
      groups.push_back(VName(d.version));
      values.push_back(
          {RateOf(d, nullptr, &in).detected_pct(), RateOf(d, nullptr, &ex).detected_pct()});
      paper.push_back({PaperFor(d.version).internal_pct, PaperFor(d.version).external_pct});
    }
    out.emplace_back("table2.svg",
                     GroupedBars("Table 2: detection rate", "% detected", groups,
                                 {"internal intruder", "external intruder"}, values, paper, 100));
    std::vector<std::string> cgroups, series;
    for (const DayResult& d : ev.days) series.push_back(VName(d.version));
    std::vector<std::vector<double>> cvalues;
    for (size_t c = 0; c < kAttackClassCount; ++c) {
      const auto cls = static_cast<AttackClass>(c);
      std::vector<double> row;
      bool any = false;
      for (const DayResult& d : ev.days) {
        const Rate r = RateOf(d, &cls, nullptr);
        any |= r.instances > 0;
        row.push_back(r.detected_pct());
      }
      if (!any) continue;
      std::string label(AttackClassName(cls));
      if (label.size() > 10) label = label.substr(0, 10);
      cgroups.push_back(label);
      cvalues.push_back(row);
    }
    out.emplace_back("classes.svg", GroupedBars("Detection rate per attack class", "% detected",
                                                cgroups, series, cvalues, {}, 100));
  }
  return out;
}

std::string RenderPerformance(const Evaluation& ev) {
  const Performance& p = ev.performance;
  std::ostringstream o;
  o << "Run time (wall clock, this machine; not part of the reproducible report):\n";
  o << "  Table 1: " << F(p.table1_seconds, 2) << " s; benign phase: " << F(p.benign_seconds, 2)
    << " s; days: " << F(p.day_seconds, 2) << " s";
  if (!p.day_seconds_per_version.empty()) {
    o << " (";
    for (size_t i = 0; i < p.day_seconds_per_version.size(); ++i)
      o << (i ? ", " : "") << VName(ev.days[i].version) << " " << F(p.day_seconds_per_version[i], 2)
        << " s for " << F(ev.hours, 0) << " h";
    o << ")";
  }
  o << "; total " << F(p.total_seconds, 2) << " s\n";
  o << "  Simulated frames: " << p.frames_simulated << " data frames on air ("
    << F(p.frames_per_second, 0) << " per second of wall time)\n";
  return o.str();
}

}  // namespace vigil::sim
