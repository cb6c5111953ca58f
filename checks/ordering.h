// Ordering: a pair of sends from one producer instance, with the same key (or to the same partition),
// whose effects a group applied in the opposite order.
#pragma once

#include "checks/check.h"
#include "scenarios/scenario.h"

namespace brokersim::checks {

// Counts reordered (per key) and reordered_in_partition, over acknowledged, non-poison messages that took
// effect.
void check_ordering(Inputs const& inputs, Findings& findings);

// Whether `violations` break the ordering expectation `expected`.
bool ordering_broken(scenarios::OrderingExpectation expected, Violations const& violations);

}  // namespace brokersim::checks
