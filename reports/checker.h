// A finished run's report: the checks' findings (checks/) with the verdict, plus the examples' timelines
// and the time series.
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
// consumer group that reads its topic: processed, lost, skipped, unprocessed or dead-lettered. The checks
// read only the world's truth and configuration; the examples also read its node and partition names.
Report check(scenarios::Scenario const& scenario, std::uint64_t seed, model::World const& world, RunStats const& stats);

}  // namespace brokersim::reports
