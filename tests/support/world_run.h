// A scenario run through production and the whole drain with its World kept for inspection, where
// cli::run_scenario keeps only the report: for tests that compare the checker with the model itself.
#pragma once

#include <cstdint>
#include <vector>

#include "faults/injector.h"
#include "model/world/world.h"
#include "reports/checker.h"
#include "scenarios/scenario.h"
#include "sim/simulation.h"

namespace brokersim::testing {

struct WorldRun {
  sim::Simulation simulation;
  model::World world;
  faults::FaultInjector injector;
  reports::Report report;

  // The model's seed is `seed`; the fault injector's is 1, and the report names seed 1. Messages 0 ..
  // traced-1 are traced (GroundTruth::tracer).
  WorldRun(scenarios::Scenario const& scenario, std::uint64_t seed, std::uint32_t traced = 0)
      : world(scenario.world, seed, scenario.duration), injector(scenario.faults, world, 1) {
    for (std::uint32_t message = 0; message < traced; ++message) world.mutable_truth().tracer.watch(message);
    world.start(simulation);
    injector.start(simulation, scenario.duration, scenario.heal_at_drain);
    simulation.run_until(scenario.duration + scenario.drain);
    world.record_end_state();
    report = reports::check(scenario, 1, world, {simulation.events_dispatched(), simulation.now()});
  }
};

// The report of a run with its examples traced, as the command-line runner makes it (which still refuses
// RabbitMQ scenarios): the run, then an exact replay of the same seed that traces the examples' messages.
inline reports::Report traced_report(scenarios::Scenario const& scenario, std::uint64_t seed) {
  std::vector<std::uint32_t> watched;
  {
    WorldRun const first(scenario, seed);
    for (reports::Example const& example : first.report.examples) watched.push_back(example.message_id);
  }
  sim::Simulation simulation;
  model::World world(scenario.world, seed, scenario.duration);
  for (std::uint32_t message : watched) world.mutable_truth().tracer.watch(message);
  faults::FaultInjector injector(scenario.faults, world, 1);
  world.start(simulation);
  injector.start(simulation, scenario.duration, scenario.heal_at_drain);
  simulation.run_until(scenario.duration + scenario.drain);
  world.record_end_state();
  return reports::check(scenario, 1, world, {simulation.events_dispatched(), simulation.now()});
}

}  // namespace brokersim::testing
