// Protocol time. Cores never read a clock: every entry point takes `now`, and every
// deadline they hand back is on the same axis. The daemons feed a monotonic clock, the
// simulator a virtual one, so a simulation is reproducible from its seed.
#pragma once

#include <cstdint>
#include <limits>

namespace vigil {

using TimeUs = int64_t;  // microseconds on the driver's monotonic (or virtual) axis
inline constexpr TimeUs kNever = std::numeric_limits<TimeUs>::max();
inline constexpr TimeUs kMillis = 1000;
inline constexpr TimeUs kSeconds = 1000 * kMillis;

}  // namespace vigil
