// The verdict: which of a scenario's expectations the findings break.
#pragma once

#include <string>
#include <vector>

#include "checks/findings.h"
#include "scenarios/scenario.h"

namespace brokersim::checks {

// The names of the expectations in `expect` that `violations` and `metrics` break, in a fixed order.
std::vector<std::string> broken_expectations(scenarios::Expectations const& expect, Violations const& violations,
                                             Metrics const& metrics);

}  // namespace brokersim::checks
