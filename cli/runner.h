// Runs one scenario with one seed: builds the world, schedules the faults, simulates, checks.
#pragma once

#include <cstdint>

#include "reports/report.h"
#include "scenarios/scenario.h"

namespace brokersim::sim {
class DispatchObserver;
}

namespace brokersim::cli {

// Throws scenarios::ScenarioError (exit code 2) for a scenario the simulator validates but cannot run yet,
// naming the JSON pointer of what is refused. In this version every valid scenario runs: it throws nothing.
void ensure_runnable(scenarios::Scenario const& scenario);

// Deterministic: the same scenario and seed give the same Report, field for field.
reports::Report run_scenario(scenarios::Scenario const& scenario, std::uint64_t seed);
// The same run, with `observer` seeing every event dispatched, in the replay for the examples' timelines
// too (benchmarks count events by kind with it). The Report is the same as run_scenario's.
reports::Report run_scenario_observed(scenarios::Scenario const& scenario, std::uint64_t seed,
                                      sim::DispatchObserver& observer);

}  // namespace brokersim::cli
