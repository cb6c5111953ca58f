// Latency: from a send to its first effect, per group, over acknowledged non-poison sends that took
// effect (mean, p50, p99, max).
#pragma once

#include "checks/check.h"

namespace brokersim::checks {

void measure_latency(Inputs const& inputs, Findings& findings);

}  // namespace brokersim::checks
