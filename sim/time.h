// Simulated time: integer microseconds, so that every run adds and compares time exactly.
#pragma once

#include <cstdint>
#include <limits>

namespace brokersim::sim {

// A point in simulated time or a span of it, in microseconds since the run began.
using Time = std::int64_t;

inline constexpr Time kMicrosPerMilli = 1000;
inline constexpr Time kMicrosPerSecond = 1000 * 1000;

// The largest time any input may name. Half of int64 so that the sum of two valid times never overflows.
inline constexpr Time kTimeMax = std::numeric_limits<Time>::max() / 2;

// Milliseconds as written in scenario files (possibly fractional) to microseconds, rounded to nearest.
// The caller must have checked 0 <= ms <= time_ms_max().
inline Time time_from_ms(double ms) {
  double const micros = ms * static_cast<double>(kMicrosPerMilli);
  return static_cast<Time>(micros < 0 ? micros - 0.5 : micros + 0.5);
}

inline constexpr double time_ms_max() { return static_cast<double>(kTimeMax / kMicrosPerMilli); }

inline double time_to_ms(Time t) { return static_cast<double>(t) / static_cast<double>(kMicrosPerMilli); }

}  // namespace brokersim::sim
