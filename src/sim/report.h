// Renders an Evaluation: terminal tables, Markdown, JSON and SVG plots (SVG written by
// hand: bars and CDF lines need nothing more).
//
// Everything here is deterministic: numbers are printed with fixed precision, and wall
// times (Evaluation::performance) appear only in RenderPerformance(), which the
// reproducible report files leave out.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "sim/evaluation.h"

namespace vigil::sim {

// The paper's figures (seed 000, Tables 1 and 2), for v1, v2 and v3.
struct PaperFigures {
  double without_auth_ms, with_auth_ms, internal_pct, external_pct;
};
const PaperFigures& PaperFor(wire::Version v);

std::string RenderText(const Evaluation& ev);
std::string RenderMarkdown(const Evaluation& ev);
std::string RenderJson(const Evaluation& ev);
// (file name, SVG text) pairs: table1.svg, table2.svg, association_cdf.svg, classes.svg.
std::vector<std::pair<std::string, std::string>> RenderSvgs(const Evaluation& ev);
// Wall-clock figures: run time per phase, simulated frames per second.
std::string RenderPerformance(const Evaluation& ev);

// ---- aggregates (also used by tests) ----
struct Rate {
  int instances = 0;  // executed instances
  int detected = 0;
  int blocked = 0;
  double detected_pct() const { return instances ? 100.0 * detected / instances : 0; }
  double blocked_pct() const { return instances ? 100.0 * blocked / instances : 0; }
};
// Over the day's executed attacks, filtered by class / intruder / capability when the
// pointers are non-null.
Rate RateOf(const DayResult& d, const AttackClass* cls, const Intruder* who,
            const Capability* cap = nullptr);
// One sentence per (class, capability) the version missed at least once.
std::vector<std::string> Misses(const DayResult& d);

}  // namespace vigil::sim
