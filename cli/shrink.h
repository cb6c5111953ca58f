// Shrinking a failing scenario to a minimal one that still fails the same way (delta debugging), and
// exploring a system with random fault schedules (swarm testing).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report.h"
#include "scenarios/scenario.h"

namespace brokersim::cli {

// What "fails the same way" means: one of these violation kinds shows, or (when the failure is a
// threshold, not a violation) one of these expectations breaks.
struct FailureSignature {
  std::vector<std::string> violations;
  std::vector<std::string> broken;

  static FailureSignature of(reports::Report const& report);
  bool matches(reports::Report const& report) const;
  std::string describe() const;
};

struct ShrinkResult {
  scenarios::Scenario scenario;      // The smallest failing scenario found.
  std::uint64_t seed = 0;            // The seed it fails with.
  std::vector<std::string> steps;    // What was removed or reduced, in order.
  std::uint64_t runs = 0;            // Simulations run.
};

// Greedy delta debugging: drop faults (halves, then one by one), then reduce instances, partitions,
// rates, message counts and durations, keeping each change that still fails the same way on one of
// `seeds_tried` seeds from `seed` on. At most `runs_max` simulations.
ShrinkResult shrink(scenarios::Scenario const& scenario, std::uint64_t seed, FailureSignature const& signature,
                    std::uint64_t seeds_tried = 3, std::uint64_t runs_max = 400);

}  // namespace brokersim::cli
