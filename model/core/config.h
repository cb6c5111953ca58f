// The validated configuration of what every system shares: the network, and the retry and circuit-breaker
// policies clients use. Times are microseconds (sim::Time); every value here has passed the loader's checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/distribution.h"
#include "sim/time.h"

namespace brokersim::model {

using sim::Distribution;
using sim::Time;

// A per-link behaviour: latency and the chances that a message is dropped, duplicated or reordered.
struct LinkConfig {
  std::vector<std::string> between;       // Two zone or node names.
  std::optional<Distribution> latency;    // Unset: the network's default latency.
  double loss = 0.0;
  double duplicate = 0.0;
  double reorder = 0.0;
};

struct NetworkConfig {
  Distribution latency = Distribution::uniform(500.0, 1500.0);  // Default latency of one hop.
  std::vector<std::string> zones;
  std::vector<LinkConfig> links;
};

enum class Jitter : std::uint8_t { none, full, equal, decorrelated };

struct BackoffConfig {
  Time initial = 0;
  double multiplier = 1.0;  // 1: fixed backoff; > 1: exponential.
  Time max = 30000 * sim::kMicrosPerMilli;
  Jitter jitter = Jitter::none;
};

// Resilience4j's CircuitBreaker around the service calls, with its defaults (count-based window).
struct CircuitBreakerConfig {
  double failure_rate_threshold = 50.0;  // Percent.
  int sliding_window = 100;              // Calls.
  int minimum_calls = 100;               // Before the rate is judged.
  Time wait_in_open = 60000 * sim::kMicrosPerMilli;
  int half_open_calls = 10;
};

}  // namespace brokersim::model
