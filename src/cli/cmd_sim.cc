// vigil sim: the polyclinic testbed. Runs the evaluation of seed 000 section 4 (Tables 1
// and 2) on a scenario with the very protocol, IDS and driver code of the daemons, on a
// virtual clock: the same scenario and seed give the same report, byte for byte.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "sim/evaluation.h"
#include "sim/host_profile.h"
#include "sim/progress.h"
#include "sim/report.h"
#include "sim/scenario.h"

namespace vigil::cli {
namespace {

struct SimOptions {
  std::string scenario = std::string(sim::kDefaultScenarioName);
  uint64_t seed = 1;
  std::string versions = "v1,v2,v3-paper,hardened";
  std::string out;
  bool json = false;
  double hours = 0;
  bool host_profile = false;
  bool no_table1 = false, no_benign = false, no_day = false;
};

[[noreturn]] void Die(const std::string& msg, int code = 1) {
  std::fprintf(stderr, "vigil sim: %s\n", msg.c_str());
  throw CLI::RuntimeError(code);
}

sim::Scenario LoadScenario(const std::string& name) {
  sim::ScenarioResult r;
  const bool looks_like_path =
      name.find('/') != std::string::npos || name.find(".toml") != std::string::npos;
  if (!looks_like_path && name == sim::kDefaultScenarioName) {
    r = sim::ParseScenario(sim::DefaultScenarioText(), std::string(name) + ".toml");
  } else if (looks_like_path) {
    r = sim::LoadScenarioFile(name);
  } else {
    // A bare name: scenarios/<name>.toml relative to the working directory.
    r = sim::LoadScenarioFile("scenarios/" + name + ".toml");
    if (!r.ok() && r.error.find("cannot open") != std::string::npos)
      Die("no scenario named \"" + name + "\" (built in: " +
          std::string(sim::kDefaultScenarioName) + "; or give a path to a .toml file)");
  }
  if (!r.ok()) Die(r.error);
  return r.scenario;
}

std::vector<wire::Version> ParseVersions(const std::string& list) {
  std::vector<wire::Version> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "v1")
      out.push_back(wire::Version::kV1);
    else if (item == "v2")
      out.push_back(wire::Version::kV2);
    else if (item == "v3-paper" || item == "v3")
      out.push_back(wire::Version::kV3Paper);
    else if (item == "hardened" || item == "v3-hardened")
      out.push_back(wire::Version::kHardened);
    else
      Die("unknown version \"" + item + "\" (v1, v2, v3-paper, hardened)");
  }
  if (out.empty()) Die("--versions is empty");
  return out;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) Die("cannot write " + path + ": " + std::strerror(errno));
  f << text;
  if (!f) Die("cannot write " + path);
}

void Run(const SimOptions& o) {
  const sim::Scenario scenario = LoadScenario(o.scenario);
  sim::EvaluationOptions eo;
  eo.versions = ParseVersions(o.versions);
  eo.seed = o.seed;
  eo.hours = o.hours;
  eo.table1 = !o.no_table1;
  eo.benign = !o.no_benign;
  eo.day = !o.no_day;
  if (o.host_profile) {
    const sim::DeviceProfile host = sim::MeasureHostProfile();
    eo.profiles.device = host;
    eo.profiles.cpan = host;
    eo.profile_note = "this CPU, measured at start-up: not reproducible byte for byte";
  } else {
    eo.profile_note =
        "estimates from published cycle counts, see docs/radio-model.md; Cortex-M4 at 64 MHz, "
        "Cortex-A53 at 1.2 GHz";
  }
  sim::Progress progress(isatty(STDERR_FILENO) != 0);
  // Phases weigh differently; a rough split keeps the bar moving evenly.
  const double w1 = eo.table1 ? 0.05 : 0, w2 = eo.benign ? 0.35 : 0;
  eo.progress = [&](const std::string& phase, double f) {
    double total = 0;
    if (phase == "Table 1")
      total = w1 * f;
    else if (phase == "benign")
      total = w1 + w2 * f;
    else
      total = w1 + w2 + (1 - w1 - w2) * f;
    progress.Update(phase, total);
  };
  std::string error;
  const sim::Evaluation ev = sim::Evaluate(scenario, eo, &error);
  progress.Finish();
  if (!error.empty()) Die(scenario.name + ": " + error);

  const std::string out =
      o.out.empty() ? "sim-" + scenario.name + "-" + std::to_string(o.seed) : o.out;
  if (mkdir(out.c_str(), 0755) != 0 && errno != EEXIST)
    Die("cannot create " + out + ": " + std::strerror(errno));
  const std::string json = sim::RenderJson(ev);
  WriteFile(out + "/report.md", sim::RenderMarkdown(ev));
  WriteFile(out + "/report.json", json);
  for (const auto& [name, svg] : sim::RenderSvgs(ev)) WriteFile(out + "/" + name, svg);
  if (o.json) {
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fprintf(stderr, "%s", sim::RenderPerformance(ev).c_str());
  } else {
    std::printf("%s\n%s", sim::RenderText(ev).c_str(), sim::RenderPerformance(ev).c_str());
    std::printf("Report: %s/report.md, report.json, *.svg\n", out.c_str());
  }
}

void Setup(CLI::App& app) {
  auto o = std::make_shared<SimOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Testbed: simulate a hospital (scenario) and reproduce Tables 1 and 2 of seed 000");
  cmd->add_option("--scenario", o->scenario,
                  "Scenario name (built in: polyclinic) or path to a .toml file")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed of every random choice")->capture_default_str();
  cmd->add_option("--versions", o->versions, "Protocol versions, comma separated")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "Report directory (default: sim-<scenario>-<seed>)");
  cmd->add_flag("--json", o->json, "Print the JSON report on stdout instead of the tables");
  cmd->add_option("--hours", o->hours, "Simulated hours per day (default: the scenario's)")
      ->check(CLI::Range(0.1, 24.0 * 14));
  cmd->add_flag("--host-profile", o->host_profile,
                "Price processing with this CPU's measured costs instead of the Cortex "
                "profiles (not reproducible)");
  cmd->add_flag("--no-table1", o->no_table1, "Skip the Table 1 timing phase");
  cmd->add_flag("--no-benign", o->no_benign, "Skip the benign false-positive phase");
  cmd->add_flag("--no-day", o->no_day, "Skip the day with attacks (Table 2)");
  cmd->callback([o] { Run(*o); });
}

static Registrar reg("sim", &Setup);

}  // namespace
}  // namespace vigil::cli
