#include "reports/checker.h"

#include "checks/check.h"
#include "checks/verdict.h"
#include "reports/examples.h"

namespace brokersim::reports {

Report check(scenarios::Scenario const& scenario, std::uint64_t seed, model::World const& world, RunStats const& stats) {
  Report report;
  report.scenario_name = scenario.name;
  report.scenario_file = scenario.file;
  report.seed = seed;
  report.digest = stats.trace_digest;
  report.expect = scenario.expect;
  checks::Findings findings = checks::run_checks(checks::Inputs(world.truth(), world.config()));
  findings.metrics.events = stats.events;
  findings.metrics.sim_time = stats.sim_time;
  report.violations = findings.violations;
  report.metrics = findings.metrics;
  if (scenario.expect.max_queue_depth) report.metrics.reports_queue_depth = true;  // Judged, so shown.
  report.broken = checks::broken_expectations(scenario.expect, report.violations, report.metrics);
  report.examples = build_examples(world, findings.candidates);
  report.series = time_series_of(world, stats.sim_time);
  return report;
}

}  // namespace brokersim::reports
