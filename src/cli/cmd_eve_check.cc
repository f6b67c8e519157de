// vigil eve-check: checks EVE alert files against the rules of Suricata's EVE schema that
// Vigil's alerts follow (src/ids/eve_schema_check.h). Hidden from --help: it is for the
// end-to-end tests and for operators who want to check a file before a consumer reads it.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "ids/eve_schema_check.h"

namespace vigil::cli {
namespace {

void Run(const std::vector<std::string>& files) {
  int bad = 0;
  for (const std::string& path : files) {
    size_t lines = 0;
    const std::string why = ids::CheckEveFile(path, &lines);
    if (why.empty()) {
      std::printf("%s: %zu EVE alert line(s) valid\n", path.c_str(), lines);
    } else {
      std::fprintf(stderr, "%s\n", why.c_str());
      ++bad;
    }
  }
  if (bad > 0) std::exit(1);
}

void Setup(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("eve-check", "");  // no description: hidden
  cmd->group("");
  cmd->add_option("files", *files, "EVE JSON alert files")->required();
  cmd->callback([files] { Run(*files); });
}

}  // namespace

static Registrar reg("eve-check", &Setup);

}  // namespace vigil::cli
