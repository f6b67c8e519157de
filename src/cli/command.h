// Subcommands of the single `vigil` executable. Each lives in its own cmd_*.cc file and
// registers itself with a static Registrar, so adding a command touches no other file.
#pragma once

namespace CLI {
class App;
}

namespace vigil::cli {

// Adds one subcommand (with its options and callback) to the top-level app.
using CommandSetup = void (*)(CLI::App& app);

struct Registrar {
  Registrar(const char* name, CommandSetup setup);
};

}  // namespace vigil::cli
