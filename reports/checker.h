// The ground-truth checker: classifies every message, computes the metrics, judges the expectations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/world/world.h"
#include "reports/report.h"
#include "scenarios/scenario.h"

namespace brokersim::reports {

// What the run itself measured, beside the model's ground truth.
struct RunStats {
  std::uint64_t events = 0;
  sim::Time sim_time = 0;
  std::uint64_t trace_digest = 0;  // Simulation::trace_digest() at the end of the run.
};

// Judges a finished run. Every acknowledged, non-poison message is classified exactly once for each
// consumer group that reads its topic: processed, lost, skipped, unprocessed or dead-lettered.
Report check(scenarios::Scenario const& scenario, std::uint64_t seed, model::World const& world, RunStats const& stats);

// The names of the expectations in `expect` that `violations` and `metrics` break, in a fixed order.
std::vector<std::string> broken_expectations(scenarios::Expectations const& expect, Violations const& violations,
                                             Metrics const& metrics);

}  // namespace brokersim::reports
