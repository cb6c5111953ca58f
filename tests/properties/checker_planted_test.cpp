// The checker is sound and complete on histories with planted anomalies: take a clean run, plant
// duplicates, missing effects and out-of-order effects in its ground truth, and the checker must find
// exactly what was planted — no more, no less.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <set>

#include "faults/injector.h"
#include "model/world/world.h"
#include "reports/checker.h"
#include "scenarios/loader.h"

namespace {

char const* const kClean = R"({"name": "clean", "duration_ms": 2000, "drain_ms": 20000, "brokers": {"count": 3},
  "topics": [{"name": "t", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
  "producers": [{"name": "p", "topic": "t", "rate_per_s": 500, "keys": 20}],
  "consumer_groups": [{"name": "g", "topic": "t", "instances": 2}]})";

}  // namespace

TEST_CASE("properties: checker: planted anomalies are found exactly", "[properties]") {
  auto const scenario = brokersim::scenarios::load_scenario_text(kClean, "clean.json");
  rc::prop("planted", [&] {
    brokersim::sim::Simulation simulation;
    brokersim::model::World world(scenario.world, 1, scenario.duration);
    world.start(simulation);
    simulation.run_until(scenario.duration + scenario.drain / 2);
    world.record_end_state();
    brokersim::reports::RunStats const stats{simulation.events_dispatched(), simulation.now(), simulation.trace_digest()};
    auto const before = brokersim::reports::check(scenario, 1, world, stats);
    // The clean run is clean (the scenario declares no expectation, so every count is checked).
    auto const& clean = before.violations;
    RC_ASSERT(clean.lost + clean.skipped + clean.unprocessed + clean.dead_lettered + clean.duplicate + clean.reordered == 0u);
    RC_ASSERT(before.metrics.processed == before.metrics.acked);
    auto& group = world.mutable_truth().groups[0];
    std::size_t const messages = world.truth().messages.size();
    // Plant on distinct messages: some get a second effect, some lose theirs.
    std::set<std::uint32_t> used;
    auto const pick = [&] {
      for (;;) {
        auto const id = static_cast<std::uint32_t>(*rc::gen::inRange<std::size_t>(0, messages));
        if (used.insert(id).second) return id;
      }
    };
    int const duplicates = *rc::gen::inRange(0, 20);
    int const removed = *rc::gen::inRange(0, 20);
    for (int i = 0; i < duplicates; ++i) group.effects[pick()] = 2;
    for (int i = 0; i < removed; ++i) {
      std::uint32_t const id = pick();
      group.effects[id] = 0;
      group.set_first_effect_at(id, 0, brokersim::model::kNever);
    }
    auto const after = brokersim::reports::check(scenario, 1, world, stats);
    RC_ASSERT(after.violations.duplicate == static_cast<std::uint64_t>(duplicates));
    RC_ASSERT(after.violations.skipped + after.violations.unprocessed == static_cast<std::uint64_t>(removed));
    RC_ASSERT(after.violations.lost == 0u);
    RC_ASSERT(after.metrics.processed == before.metrics.processed - static_cast<std::uint64_t>(removed));
  });
}

TEST_CASE("properties: checker: a planted swap of two effects of one key is one reordering", "[properties]") {
  auto const scenario = brokersim::scenarios::load_scenario_text(kClean, "clean.json");
  brokersim::sim::Simulation simulation;
  brokersim::model::World world(scenario.world, 1, scenario.duration);
  world.start(simulation);
  simulation.run_until(scenario.duration + scenario.drain / 2);
  world.record_end_state();
  brokersim::reports::RunStats const stats{simulation.events_dispatched(), simulation.now(), simulation.trace_digest()};
  REQUIRE(brokersim::reports::check(scenario, 1, world, stats).violations.reordered == 0);
  // The first two sends of key k3 from p-0: swap their effect times.
  auto const& messages = world.truth().messages;
  std::vector<std::uint32_t> of_key;
  for (std::uint32_t id = 0; id < messages.size() && of_key.size() < 2; ++id) {
    if (messages[id].key == 3 && messages[id].producer == 0) of_key.push_back(id);
  }
  REQUIRE(of_key.size() == 2);
  auto& first_effect = world.mutable_truth().groups[0].first_effect_order;
  std::swap(first_effect[of_key[0]], first_effect[of_key[1]]);
  CHECK(brokersim::reports::check(scenario, 1, world, stats).violations.reordered == 1);
}
