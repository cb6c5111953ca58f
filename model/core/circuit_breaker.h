// Resilience4j's CircuitBreaker (count-based window): closed, open, half-open with probe calls.
#pragma once

#include <cstdint>
#include <vector>

#include "model/core/config.h"

namespace brokersim::model {

// Closed: calls go through, and once `minimum_calls` outcomes are in the window, a failure rate at or
// above the threshold opens it. Open: calls are refused at once (CallNotPermitted) until wait_in_open has
// passed. Half-open: `half_open_calls` probes go through; a failure rate below the threshold closes it,
// else it opens again.
class CircuitBreaker {
 public:
  enum class State : std::uint8_t { closed, open, half_open };

  explicit CircuitBreaker(CircuitBreakerConfig const& config) : config_(config) {}

  // Whether a call may be made now (moves open to half-open when the wait is over).
  bool permits(Time now);
  void record(Time now, bool succeeded);
  State state() const { return state_; }

 private:
  void open(Time now);
  void close();

  CircuitBreakerConfig const& config_;
  State state_ = State::closed;
  std::vector<std::uint8_t> window_;  // Ring of outcomes (1: failure).
  std::size_t window_next_ = 0;
  int window_failures_ = 0;
  Time open_until_ = 0;
  int probes_left_ = 0;
  int probe_failures_ = 0;
  int probes_done_ = 0;
};

}  // namespace brokersim::model
