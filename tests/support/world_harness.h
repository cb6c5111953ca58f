// A World with its faults armed, stepped by the test: for tests that look inside a running model.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "faults/injector.h"
#include "model/world/world.h"
#include "scenarios/loader.h"
#include "sim/simulation.h"

namespace brokersim::testing {

inline scenarios::Scenario load(std::string const& text) { return scenarios::load_scenario_text(text, "test.json"); }

struct WorldHarness {
  explicit WorldHarness(scenarios::Scenario const& s)
      : scenario(s), world(scenario.world, scenario.seed, scenario.duration), injector(scenario.faults, world, scenario.seed) {
    world.start(simulation);
    injector.start(simulation, scenario.duration, scenario.heal_at_drain);
  }
  void run_to_ms(double ms) { simulation.run_until(static_cast<sim::Time>(ms * sim::kMicrosPerMilli)); }
  bool in_isr(std::uint32_t partition, int broker) const {
    auto const& isr = world.controller().partition(partition).isr;
    return std::find(isr.begin(), isr.end(), broker) != isr.end();
  }

  scenarios::Scenario scenario;
  sim::Simulation simulation;
  model::World world;
  faults::FaultInjector injector;
};

}  // namespace brokersim::testing
