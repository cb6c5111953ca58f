// What the delivery properties share: counting in how many generated cases a fault took effect, and
// running one generated case with its scenario and seed in RapidCheck's log.
#pragma once

#include <catch2/catch.hpp>
#include <rapidcheck.h>

#include <cstdint>
#include <cstdio>

#include "cli/runner.h"
#include "properties/scenario_gen.h"
#include "reports/report.h"

namespace brokersim::testing {

// In how many generated cases a property's fault took effect. A "never" that held only because its fault
// never bit (no fault drawn, or one that changed nothing) proves nothing, so each property counts the
// cases that exercised its mechanism and requires a share of them (measured shares are in the comments).
struct FaultTally {
  std::uint64_t cases = 0;
  std::uint64_t took_effect = 0;

  void count(bool effect) {
    ++cases;
    if (effect) ++took_effect;
  }
  // Checks, once the property has run, that at least `share` of its cases showed `what`.
  void require_share(double share, char const* what) const {
    std::printf("%s: in %llu of %llu cases\n", what, static_cast<unsigned long long>(took_effect),
                static_cast<unsigned long long>(cases));
    INFO(what << ": in " << took_effect << " of " << cases << " cases");
    CHECK(cases > 0);
    CHECK(static_cast<double>(took_effect) >= share * static_cast<double>(cases));
  }
};

inline reports::Report run_generated(GenOptions const& options) {
  auto const json = gen_scenario_json(options);
  RC_LOG() << "scenario:\n" << json.dump(2) << "\n";
  auto const seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
  RC_LOG() << "seed: " << seed << "\n";
  return cli::run_scenario(load_generated(json), seed);
}

}  // namespace brokersim::testing
