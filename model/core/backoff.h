// Retry backoff with jitter, as the AWS Architecture Blog's "Exponential Backoff and Jitter" defines it.
#pragma once

#include "model/core/config.h"
#include "sim/random.h"

namespace brokersim::model {

// The delay before retry number `retry` (1 after the first failure): initial * multiplier^(retry-1),
// capped at max, then jittered: none = that; full = uniform(0, it); equal = half + uniform(0, half);
// decorrelated = min(max, uniform(initial, 3 * previous)) where `previous` is the last delay (0 at first).
Time backoff_delay(BackoffConfig const& backoff, int retry, Time previous, sim::RandomStream& random);

}  // namespace brokersim::model
