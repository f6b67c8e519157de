// vigil: the single command of the Vigil IoMT security stack.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"

namespace vigil::cli {
namespace {
std::vector<std::pair<std::string, CommandSetup>>& Commands() {
  static std::vector<std::pair<std::string, CommandSetup>> commands;
  return commands;
}
}  // namespace

Registrar::Registrar(const char* name, CommandSetup setup) { Commands().emplace_back(name, setup); }

}  // namespace vigil::cli

int main(int argc, char** argv) {
  CLI::App app{
      "Vigil: security stack for the Internet of Medical Things.\n"
      "Device <-> coordinator (CPAN) protocol v1/v2/v3 and hardened, IDS, testbed."};
  app.set_version_flag("--version", "vigil 0.1.0");
  auto& commands = vigil::cli::Commands();
  std::sort(commands.begin(), commands.end());  // stable help output
  for (auto& [name, setup] : commands) setup(app);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
