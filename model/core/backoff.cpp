#include "model/core/backoff.h"

#include <algorithm>
#include <cmath>

namespace brokersim::model {

Time backoff_delay(BackoffConfig const& backoff, int retry, Time previous, sim::RandomStream& random) {
  double const exponential = static_cast<double>(backoff.initial) * std::pow(backoff.multiplier, retry - 1);
  double const base = std::min(static_cast<double>(backoff.max), exponential);
  double delay = base;
  switch (backoff.jitter) {
    case Jitter::none:
      break;
    case Jitter::full:
      delay = base * random.uniform01();
      break;
    case Jitter::equal:
      delay = base / 2 + base / 2 * random.uniform01();
      break;
    case Jitter::decorrelated: {
      double const low = static_cast<double>(backoff.initial);
      double const high = std::max(low, 3.0 * static_cast<double>(previous == 0 ? backoff.initial : previous));
      delay = std::min(static_cast<double>(backoff.max), low + (high - low) * random.uniform01());
      break;
    }
  }
  return static_cast<Time>(std::llround(delay));
}

}  // namespace brokersim::model
