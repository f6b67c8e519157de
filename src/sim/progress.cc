#include "sim/progress.h"

#include <algorithm>
#include <cstdio>

namespace vigil::sim {

Progress::Progress(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Update(const std::string& phase, double fraction) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  fraction = std::clamp(fraction, 0.0, 1.0);
  constexpr int kWidth = 30;
  const int fill = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<size_t>(fill), '#');
  bar.resize(kWidth, ' ');
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stderr, "\r[%s] %3d%% %-24s %5.1f s", bar.c_str(), static_cast<int>(fraction * 100),
               phase.c_str(), elapsed);
  std::fflush(stderr);
}

void Progress::Finish() {
  if (!enabled_ || !drawn_) return;
  std::fprintf(stderr, "\r%70s\r", "");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace vigil::sim
