// Counter-based randomness for the signal models: every draw is a hash of (seed, stream,
// index), so a value depends only on what it is the value of, never on how many draws
// came before. This is what makes a PatientModel a pure function of time and keeps the
// testbed's reports identical from one run to the next.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include "common/time.h"

namespace vigil::noise {

// SplitMix64's finaliser: a bijection of 64-bit words with good avalanche.
constexpr uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

constexpr uint64_t Hash(uint64_t seed, uint64_t stream, uint64_t index) {
  return Mix(seed ^ Mix(stream * 0x9e3779b97f4a7c15ULL ^ Mix(index + 0x632be59bd9b4e019ULL)));
}

// [0, 1)
inline double Uniform01(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }
// [-1, 1)
inline double Signed(uint64_t h) { return 2 * Uniform01(h) - 1; }

// A standard normal draw (Box-Muller) from two hashes.
inline double Gaussian(uint64_t h1, uint64_t h2) {
  const double u1 = 1 - Uniform01(h1);  // (0, 1]: log is finite
  const double u2 = Uniform01(h2);
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
}

// Smooth noise in [-1, 1]: values drawn at every multiple of `period`, cosine-interpolated.
inline double Smooth(uint64_t seed, uint64_t stream, TimeUs t, TimeUs period) {
  TimeUs k = t / period;
  if (t % period < 0) --k;  // floor, for times before the origin
  const double frac = static_cast<double>(t - k * period) / static_cast<double>(period);
  const double a = Signed(Hash(seed, stream, static_cast<uint64_t>(k)));
  const double b = Signed(Hash(seed, stream, static_cast<uint64_t>(k + 1)));
  const double w = (1 - std::cos(std::numbers::pi * frac)) / 2;
  return a + (b - a) * w;
}

}  // namespace vigil::noise
