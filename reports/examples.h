// Examples of violations: the candidates the checks chose, with their timelines and a one-sentence cause.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checks/findings.h"
#include "model/world/world.h"
#include "reports/report.h"

namespace brokersim::reports {

using checks::ExampleCandidates;

// The examples of `candidates`: each message's timeline (from the trace, the recorded faults and
// elections, and the live world's node and partition names) and a one-sentence cause.
std::vector<Example> build_examples(model::World const& world, ExampleCandidates const& candidates);

}  // namespace brokersim::reports
