// The clinical part of the report (docs/simulator.md, "Clinical telemetry"): per version,
// what the edge received and raised, each deterioration episode's time to alarm, and what
// each attack class did to clinical data. Empty (nothing added) when no day of the
// evaluation ran with clinical telemetry, so that reports of scenarios without it are
// unchanged.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sim/evaluation.h"

namespace vigil::sim {

// True if any day ran with clinical telemetry.
bool HasClinical(const Evaluation& ev);
// A Markdown section ("## Clinical telemetry at the edge" and its tables), or "".
std::string RenderClinicalMarkdown(const Evaluation& ev);
// A few lines for the terminal (one per version), or "".
std::string RenderClinicalText(const Evaluation& ev);
// Sets (*j)["clinical"] when HasClinical(ev).
void AddClinicalJson(const Evaluation& ev, nlohmann::json* j);

}  // namespace vigil::sim
