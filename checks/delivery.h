// Delivery: every acknowledged, non-poison message is classified exactly once for each consumer group
// that reads its topic (processed, lost, skipped, unprocessed or dead-lettered; duplicate when its effect
// was applied more than once), and once at all when no group reads it (lost or not).
#pragma once

#include "checks/check.h"
#include "scenarios/scenario.h"

namespace brokersim::checks {

// Counts lost, skipped, unprocessed, dead_lettered and duplicate, and the processed, effects and
// phantom_effects metrics.
void check_delivery(Inputs const& inputs, Findings& findings);

// Whether `violations` break the delivery expectation `expected`.
bool delivery_broken(scenarios::DeliveryExpectation expected, Violations const& violations);

}  // namespace brokersim::checks
