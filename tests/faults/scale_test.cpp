// The scale fault: a consumer group's deployment grows or shrinks while it runs. New instances join and
// the group rebalances; surplus ones close cleanly (finish the batch, commit, LeaveGroup) rather than
// crash, and a crash fault never brings back an instance the deployment no longer has.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "cli/runner.h"
#include "scenarios/loader.h"

namespace {

using brokersim::reports::Report;
using brokersim::scenarios::ScenarioError;

Report run(std::string const& text, std::uint64_t seed = 1) {
  return brokersim::cli::run_scenario(brokersim::scenarios::load_scenario_text(text, "test.json"), seed);
}

// 400 messages a second for 20 s into 8 partitions, read by a group whose instances take 5 ms a message
// (200 a second each): one instance falls behind, two keep up.
std::string backlog(int instances, std::string const& faults) {
  return R"({"name": "scale", "duration_ms": 20000, "drain_ms": 120000, "brokers": {"count": 3},
    "topics": [{"name": "t", "partitions": 8, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "p", "topic": "t", "rate_per_s": 400, "keys": 100}],
    "consumer_groups": [{"name": "g", "topic": "t", "instances": )" +
         std::to_string(instances) + R"(, "processing_ms": 5, "max_poll_records": 50,
                         "session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}],
    "faults": [)" + faults + "]}";
}

std::uint64_t lag_at_second(Report const& report, std::size_t second) {
  REQUIRE(report.series.lag.size() == 1);
  REQUIRE(second < report.series.lag[0].size());
  return report.series.lag[0][second];
}

}  // namespace

TEST_CASE("faults: scale: scaling out drains a backlog that one instance cannot, with one rebalance and nothing twice", "[faults]") {
  Report const alone = run(backlog(1, ""));
  Report const scaled = run(backlog(1, R"({"kind": "scale", "target": "g", "at_ms": 8000, "instances": 4})"));
  // Before the scale-out the two runs are the same run.
  CHECK(lag_at_second(scaled, 7) == lag_at_second(alone, 7));
  CHECK(lag_at_second(alone, 7) > 1000);
  // After it, the backlog shrinks while the lone instance's keeps growing until production stops.
  CHECK(lag_at_second(scaled, 19) < lag_at_second(scaled, 9));
  CHECK(lag_at_second(alone, 19) > lag_at_second(alone, 9));
  CHECK(scaled.metrics.max_consumer_lag < alone.metrics.max_consumer_lag);
  CHECK(scaled.metrics.rebalances == 1);
  CHECK(scaled.violations.duplicate == 0);
  CHECK(scaled.violations.unprocessed == 0);
  auto const scale = std::find_if(scaled.series.faults.begin(), scaled.series.faults.end(), [](auto const& f) { return f.kind == "scale"; });
  REQUIRE(scale != scaled.series.faults.end());
  CHECK(scale->from_ms == 8000.0);
}

TEST_CASE("faults: scale: a group scaled in to zero stops consuming, scaled out again it resumes where it committed", "[faults]") {
  Report const report = run(backlog(2, R"({"kind": "scale", "target": "g", "at_ms": 5000, "instances": 0},
                                          {"kind": "scale", "target": "g", "at_ms": 10000, "instances": 2})"));
  // Nobody consumes from 5 s to 10 s: the lag grows by about the production of those seconds.
  CHECK(lag_at_second(report, 9) > lag_at_second(report, 5) + 1500);
  CHECK(report.violations.unprocessed == 0);
  CHECK(report.violations.duplicate == 0);
  CHECK(report.violations.skipped == 0);
  // Emptying the group rebalances nobody; forming it again from empty counts as one rebalance.
  CHECK(report.metrics.rebalances == 1);
}

TEST_CASE("faults: scale: a crash fault does not bring back an instance that was scaled away", "[faults]") {
  Report const report = run(backlog(2, R"({"kind": "crash", "target": "g-1", "at_ms": 3000, "restart_after_ms": 4000},
                                          {"kind": "scale", "target": "g", "at_ms": 5000, "instances": 1})"));
  bool restarted = false;
  for (auto const& fault : report.series.faults) restarted = restarted || (fault.kind == "restart" && fault.node == "g-1");
  CHECK_FALSE(restarted);
  CHECK(report.violations.unprocessed == 0);
}

TEST_CASE("scenarios: loader: faults may name the instances a scale-out adds, and only those", "[scenarios]") {
  std::string const crash = R"({"kind": "crash", "target": "g-3", "at_ms": 9000})";
  CHECK_NOTHROW(brokersim::scenarios::load_scenario_text(
      backlog(1, R"({"kind": "scale", "target": "g", "at_ms": 8000, "instances": 4}, )" + crash), "test.json"));
  auto const loaded = brokersim::scenarios::load_scenario_text(
      backlog(1, R"({"kind": "scale", "target": {"group": "g"}, "at_ms": 8000, "instances": 4})"), "test.json");
  CHECK(loaded.world.consumer_groups.at(0).instances == 1);
  CHECK(loaded.world.consumer_groups.at(0).instances_max == 4);
  CHECK_THROWS_WITH(brokersim::scenarios::load_scenario_text(
                        backlog(1, R"({"kind": "scale", "target": "g", "at_ms": 8000, "instances": 3}, )" + crash), "test.json"),
                    "test.json: /faults/1/target: no node, zone or set of nodes is named \"g-3\"; did you mean \"g-0\"?");
}
