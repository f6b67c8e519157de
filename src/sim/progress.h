// A progress bar on stderr for long runs: drawn only when stderr is a terminal and the
// run has lasted more than a second, redrawn at most ten times a second, erased at the
// end. Never part of any output a machine reads.
#pragma once

#include <chrono>
#include <string>

namespace vigil::sim {

class Progress {
 public:
  // `enabled`: usually isatty(STDERR_FILENO).
  explicit Progress(bool enabled);
  ~Progress();
  // `fraction` of the whole run in [0, 1], with a label for the current phase.
  void Update(const std::string& phase, double fraction);
  void Finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace vigil::sim
