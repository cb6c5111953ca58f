// Properties of brokersim itself over generated scenarios (see scenario_gen.h). When one fails,
// RapidCheck shrinks the scenario and the log shows it as JSON, ready to save into scenarios/. Run more
// cases locally with RC_PARAMS="max_success=2000"; a failure reproduces with the seed RapidCheck prints.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "cli/runner.h"
#include "faults/injector.h"
#include "model/world.h"
#include "reports/checker.h"
#include "properties/scenario_gen.h"
#include "reports/report_json.h"

namespace {

using brokersim::testing::GenOptions;
using brokersim::testing::gen_scenario_json;
using brokersim::testing::load_generated;

brokersim::reports::Report run_generated(GenOptions const& options) {
  auto const json = gen_scenario_json(options);
  RC_LOG() << "scenario:\n" << json.dump(2) << "\n";
  auto const seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
  RC_LOG() << "seed: " << seed << "\n";
  return brokersim::cli::run_scenario(load_generated(json), seed);
}

}  // namespace

TEST_CASE("properties: determinism: one scenario and seed give the same report bytes", "[properties]") {
  rc::prop("same bytes", [] {
    auto const json = gen_scenario_json(GenOptions{});
    RC_LOG() << json.dump(2) << "\n";
    auto const scenario = load_generated(json);
    auto const seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
    std::string const first = brokersim::reports::report_json_text(brokersim::cli::run_scenario(scenario, seed));
    std::string const second = brokersim::reports::report_json_text(brokersim::cli::run_scenario(scenario, seed));
    RC_ASSERT(first == second);
  });
}

TEST_CASE("properties: conservation: every acknowledged message is classified exactly once", "[properties]") {
  rc::prop("classified once", [] {
    auto const json = gen_scenario_json(GenOptions{});
    RC_LOG() << json.dump(2) << "\n";
    auto const scenario = load_generated(json);
    brokersim::sim::Simulation simulation;
    brokersim::model::World world(scenario.world, *rc::gen::inRange<std::uint64_t>(1, 1000000), scenario.duration);
    world.start(simulation);
    brokersim::faults::FaultInjector injector(scenario.faults, world, 1);
    injector.start(simulation, scenario.duration, scenario.heal_at_drain);
    simulation.run_until(scenario.duration + scenario.drain);
    world.record_end_state();
    auto const report = brokersim::reports::check(scenario, 1, world, {simulation.events_dispatched(), simulation.now()});
    // Counted independently: acknowledged, non-poison original messages of the topic the one group reads.
    auto const& truth = world.truth();
    std::uint32_t const topic = truth.groups[0].topic;
    std::uint64_t expected = 0;
    for (auto const& message : truth.messages) {
      bool const of_topic = world.controller().partition(static_cast<std::uint32_t>(message.partition)).topic == topic;
      bool const copy = message.origin != brokersim::model::kNoCause;  // A replayed copy counts as its original.
      if (of_topic && message.acked_at != brokersim::model::kNever && message.poison == 0 && !copy) ++expected;
    }
    auto const& v = report.violations;
    auto const& m = report.metrics;
    RC_ASSERT(m.processed + v.lost + v.skipped + v.unprocessed + v.dead_lettered == expected);
    RC_ASSERT(m.effects >= m.processed);
    RC_ASSERT(v.duplicate <= m.processed);
  });
}

TEST_CASE("properties: acks=all, min.insync=2 and clean election lose nothing under one-at-a-time broker crashes and partitions",
          "[properties]") {
  rc::prop("no loss", [] {
    GenOptions options;
    options.acks = "all";
    options.safe_replication = true;
    options.fault_kinds = {"crash", "partition"};
    options.one_fault_at_a_time = true;
    options.brokers_only = true;
    options.failure_handling = false;
    RC_ASSERT(run_generated(options).violations.lost == 0u);
  });
}

TEST_CASE("properties: idempotent producers never duplicate in the log and never reorder a key", "[properties]") {
  rc::prop("idempotence", [] {
    GenOptions options;
    options.idempotent_only = true;
    options.safe_replication = true;
    options.fault_kinds = {"crash", "pause", "partition", "link", "clock", "scale"};
    // Two broker failures at once can lose acknowledged records (see scenario_gen.h), and what follows (a
    // committed offset past the log end resets to the earliest and reprocesses) is outside the guarantee.
    options.one_fault_at_a_time = true;
    options.failure_handling = false;
    auto const report = run_generated(options);
    RC_ASSERT(report.metrics.log_duplicates == 0u);
    RC_ASSERT(report.violations.reordered == 0u);
  });
}

TEST_CASE("properties: commit before processing never duplicates an effect", "[properties]") {
  rc::prop("at most once", [] {
    GenOptions options;
    options.idempotent_only = true;
    options.safe_replication = true;
    options.commit = "before-processing";
    options.dedup = "none";
    options.fault_kinds = {"crash", "pause", "partition", "link", "clock", "scale"};
    // Two broker failures at once can lose acknowledged records (see scenario_gen.h), and what follows (a
    // committed offset past the log end resets to the earliest and reprocesses) is outside the guarantee.
    options.one_fault_at_a_time = true;
    options.failure_handling = false;
    RC_ASSERT(run_generated(options).violations.duplicate == 0u);
  });
}

TEST_CASE("properties: commit after processing with durable dedup never duplicates and never skips", "[properties]") {
  rc::prop("exactly once", [] {
    GenOptions options;
    options.idempotent_only = true;
    options.safe_replication = true;
    options.commit = "after-processing";
    options.dedup = "durable";
    options.fault_kinds = {"crash", "pause", "partition", "link", "clock", "scale"};
    // Two broker failures at once can lose acknowledged records (see scenario_gen.h), and what follows (a
    // committed offset past the log end resets to the earliest and reprocesses) is outside the guarantee.
    options.one_fault_at_a_time = true;
    options.failure_handling = false;
    auto const report = run_generated(options);
    RC_ASSERT(report.violations.duplicate == 0u);
    RC_ASSERT(report.violations.skipped == 0u);
  });
}

TEST_CASE("properties: a fault-free run below capacity is clean, in every commit and dedup mode", "[properties]") {
  rc::prop("clean", [] {
    GenOptions options;
    options.with_faults = false;
    options.failure_handling = false;
    options.below_capacity = true;
    auto const report = run_generated(options);
    auto const& v = report.violations;
    RC_ASSERT(v.lost + v.skipped + v.unprocessed + v.dead_lettered == 0u);
    RC_ASSERT(v.duplicate + v.reordered + v.reordered_in_partition + v.timestamp_inversion == 0u);
    RC_ASSERT(report.metrics.processed == report.metrics.acked);
    RC_ASSERT(report.metrics.send_failed == 0u);
  });
}
