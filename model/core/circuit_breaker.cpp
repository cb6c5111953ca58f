#include "model/core/circuit_breaker.h"

namespace brokersim::model {

bool CircuitBreaker::permits(Time now) {
  if (state_ == State::open && now >= open_until_) {
    state_ = State::half_open;
    probes_left_ = config_.half_open_calls;
    probe_failures_ = 0;
    probes_done_ = 0;
  }
  if (state_ == State::open) return false;
  if (state_ == State::half_open) {
    if (probes_left_ == 0) return false;  // Every probe is out; waiting for their outcomes.
    --probes_left_;
  }
  return true;
}

void CircuitBreaker::record(Time now, bool succeeded) {
  if (state_ == State::half_open) {
    ++probes_done_;
    if (!succeeded) ++probe_failures_;
    if (probes_done_ < config_.half_open_calls) return;
    double const rate = 100.0 * probe_failures_ / probes_done_;
    if (rate >= config_.failure_rate_threshold) {
      open(now);
    } else {
      close();
    }
    return;
  }
  if (state_ != State::closed) return;  // An answer to a call made before it opened.
  auto const size = static_cast<std::size_t>(config_.sliding_window);
  if (window_.size() < size) {
    window_.push_back(succeeded ? 0 : 1);
  } else {
    window_failures_ -= window_[window_next_];
    window_[window_next_] = succeeded ? 0 : 1;
    window_next_ = (window_next_ + 1) % size;
  }
  if (!succeeded) ++window_failures_;
  if (static_cast<int>(window_.size()) < config_.minimum_calls) return;
  double const rate = 100.0 * window_failures_ / static_cast<double>(window_.size());
  if (rate >= config_.failure_rate_threshold) open(now);
}

void CircuitBreaker::open(Time now) {
  state_ = State::open;
  open_until_ = now + config_.wait_in_open;
}

void CircuitBreaker::close() {
  state_ = State::closed;
  window_.clear();
  window_next_ = 0;
  window_failures_ = 0;
}

}  // namespace brokersim::model
