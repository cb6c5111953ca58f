// A node's local clock: true time plus an offset and a drift. Simulated time is the truth; what a node
// reads (for message timestamps, its own timeouts' view of "now") is this.
#pragma once

#include <cmath>
#include <cstdint>

#include "sim/time.h"

namespace brokersim::model {

// local(t) = t + offset + drift_ppm * (t - drift_since) / 1e6, with the drift's past effect folded into
// the offset whenever the drift changes, so that the clock never jumps unless told to.
class LocalClock {
 public:
  sim::Time read(sim::Time now) const {
    double const drifted = static_cast<double>(now - drift_since_) * drift_ppm_ / 1e6;
    return now + offset_ + static_cast<sim::Time>(std::llround(drifted));
  }

  // The clock jumps by `delta` (NTP step, a VM restored from a snapshot).
  void jump(sim::Time delta) { offset_ += delta; }

  // From `now` on the clock runs `ppm` parts per million fast (negative: slow).
  void set_drift(sim::Time now, double ppm) {
    offset_ = read(now) - now;
    drift_since_ = now;
    drift_ppm_ = ppm;
  }

  double drift_ppm() const { return drift_ppm_; }

 private:
  sim::Time offset_ = 0;
  sim::Time drift_since_ = 0;
  double drift_ppm_ = 0.0;
};

}  // namespace brokersim::model
