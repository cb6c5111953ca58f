// Properties of brokersim itself over generated scenarios (see scenario_gen.h). When one fails,
// RapidCheck shrinks the scenario and the log shows it as JSON, ready to save into scenarios/. Run more
// cases locally with RC_PARAMS="max_success=2000"; a failure reproduces with the seed RapidCheck prints.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include "cli/runner.h"
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
    auto const report = run_generated(GenOptions{});
    auto const& v = report.violations;
    auto const& m = report.metrics;
    // One topic read by one group: each acknowledged, non-poison message is exactly one of these.
    RC_ASSERT(m.processed + v.lost + v.skipped + v.unprocessed + v.dead_lettered == m.acked);
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
    RC_ASSERT(run_generated(options).violations.lost == 0u);
  });
}

TEST_CASE("properties: idempotent producers never duplicate in the log and never reorder a key", "[properties]") {
  rc::prop("idempotence", [] {
    GenOptions options;
    options.idempotent_only = true;
    options.safe_replication = true;
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
    auto const report = run_generated(options);
    RC_ASSERT(report.violations.duplicate == 0u);
    RC_ASSERT(report.violations.skipped == 0u);
  });
}
