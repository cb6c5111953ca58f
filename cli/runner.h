// Runs one scenario with one seed: builds the world, schedules the faults, simulates, checks.
#pragma once

#include <cstdint>

#include "reports/report.h"
#include "scenarios/scenario.h"

namespace brokersim::cli {

// Deterministic: the same scenario and seed give the same Report, field for field.
reports::Report run_scenario(scenarios::Scenario const& scenario, std::uint64_t seed);

}  // namespace brokersim::cli
