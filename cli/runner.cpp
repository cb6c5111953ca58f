#include "cli/runner.h"

#include <algorithm>
#include <string>

#include "faults/injector.h"
#include "model/world/world.h"
#include "reports/checker.h"
#include "sim/simulation.h"

namespace brokersim::cli {

namespace {

// One simulation of the scenario; `watched` messages are traced.
reports::Report simulate(scenarios::Scenario const& scenario, std::uint64_t seed, std::vector<std::uint32_t> const& watched,
                         sim::DispatchObserver* observer) {
  sim::Simulation simulation;
  simulation.set_observer(observer);
  model::World world(scenario.world, seed, scenario.duration);
  for (std::uint32_t message : watched) world.mutable_truth().tracer.watch(message);
  world.start(simulation);
  faults::FaultInjector injector(scenario.faults, world, seed);
  injector.start(simulation, scenario.duration, scenario.heal_at_drain);
  // Production, then the drain. Periodic timers (heartbeats, ISR checks) never let the queue empty, so
  // the drain ends early only when the model says nothing is left to do.
  simulation.run_until(scenario.duration);
  sim::Time const end = scenario.duration + scenario.drain;
  constexpr sim::Time kSettledCheck = 100 * sim::kMicrosPerMilli;
  while (simulation.now() < end && !simulation.idle() && !world.settled(simulation.now())) {
    simulation.run_until(std::min(end, simulation.now() + kSettledCheck));
  }
  world.record_end_state();
  reports::RunStats const stats{simulation.events_dispatched(), simulation.now(), simulation.trace_digest()};
  return reports::check(scenario, seed, world, stats);
}

// Both runs with the same observer (null: none).
reports::Report run(scenarios::Scenario const& scenario, std::uint64_t seed, sim::DispatchObserver* observer) {
  reports::Report report = simulate(scenario, seed, {}, observer);
  if (report.examples.empty()) return report;
  // The examples' timelines come from an exact replay of the same seed that traces just those
  // messages; the first run stays lean.
  std::vector<std::uint32_t> watched;
  for (reports::Example const& example : report.examples) watched.push_back(example.message_id);
  return simulate(scenario, seed, watched, observer);
}

}  // namespace

// Every scenario the loader accepts runs in this version; the seam stays for what a version validates but
// cannot run yet.
void ensure_runnable(scenarios::Scenario const&) {}

reports::Report run_scenario(scenarios::Scenario const& scenario, std::uint64_t seed) {
  ensure_runnable(scenario);
  return run(scenario, seed, nullptr);
}

reports::Report run_scenario_observed(scenarios::Scenario const& scenario, std::uint64_t seed,
                                      sim::DispatchObserver& observer) {
  ensure_runnable(scenario);
  return run(scenario, seed, &observer);
}

}  // namespace brokersim::cli
