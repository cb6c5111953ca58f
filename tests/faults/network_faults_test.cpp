// Network faults, each shown with its effect and without it: partitions, degraded links, clock faults.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <string>

#include "cli/runner.h"
#include "faults/injector.h"
#include "model/world/world.h"
#include "scenarios/loader.h"

namespace {

using brokersim::reports::Report;

Report run(std::string const& text, std::uint64_t seed = 1) {
  return brokersim::cli::run_scenario(brokersim::scenarios::load_scenario_text(text, "test.json"), seed);
}

// dc-a holds broker-0 (every partition's preferred leader for orders/0) and the producer; dc-b the
// other brokers, the consumers and the controller quorum (so a cut between the zones fences broker-0).
std::string split_brain(std::string const& acks, std::string const& faults) {
  return R"({"name": "split-brain", "duration_ms": 18000, "drain_ms": 40000,
    "network": {"zones": ["dc-a", "dc-b"]},
    "brokers": {"count": 3, "zones": ["dc-a", "dc-b", "dc-b"]},
    "controllers": {"count": 3, "zones": ["dc-b", "dc-b", "dc-b"]},
    "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "app", "topic": "orders", "rate_per_s": 800, "keys": 50, "acks": )" +
         acks + R"(, "zone": "dc-a", "request_timeout_ms": 2000}],
    "consumer_groups": [{"name": "inventory", "topic": "orders", "instances": 2, "zone": "dc-b"}],
    "faults": [)" + faults + "]}";
}

std::string const kSplit = R"({"kind": "partition", "sides": [["dc-a"], ["dc-b"]], "at_ms": 4000, "duration_ms": 12000})";  // Longer than broker.session.timeout.ms (9 s).

}  // namespace

TEST_CASE("faults: partition: a leader cut off with its producer keeps acking with acks=1, and loses it all on heal", "[faults]") {
  Report const with = run(split_brain("1", kSplit));
  CHECK(with.violations.lost > 0);
  CHECK(with.metrics.leader_elections >= 1);
  Report const without = run(split_brain("1", ""));
  CHECK(without.violations.lost == 0);
  CHECK(without.metrics.leader_elections == 0);
}

TEST_CASE("faults: partition: with acks=all the isolated leader cannot commit alone: nothing is lost", "[faults]") {
  Report const report = run(split_brain("\"all\"", kSplit));
  CHECK(report.violations.lost == 0);
  CHECK(report.violations.unprocessed == 0);
  CHECK(report.metrics.acked == report.metrics.produced);
}

TEST_CASE("faults: partition: any partition that heals loses nothing under acks=all", "[faults][property]") {
  rc::prop("random partitions", [] {
    int const isolated = *rc::gen::inRange(0, 3);
    bool const with_producer = *rc::gen::arbitrary<bool>();
    bool const one_way = *rc::gen::arbitrary<bool>();
    int const at_ms = *rc::gen::inRange(100, 5000);
    int const duration_ms = *rc::gen::inRange(1, 8000);
    std::string side = "\"broker-" + std::to_string(isolated) + "\"" + (with_producer ? ", \"app\"" : "");
    std::string const fault = R"({"kind": "partition", "sides": [[)" + side + R"(]], "one_way": )" +
                              (one_way ? "true" : "false") + R"(, "at_ms": )" + std::to_string(at_ms) +
                              R"(, "duration_ms": )" + std::to_string(duration_ms) + "}";
    Report const report = run(split_brain("\"all\"", fault), *rc::gen::inRange<std::uint64_t>(1, 100000));
    RC_ASSERT(report.violations.lost == 0u);
    RC_ASSERT(report.violations.skipped == 0u);
    RC_ASSERT(report.violations.unprocessed == 0u);
  });
}

TEST_CASE("faults: link: duplicated requests duplicate records unless the producer is idempotent", "[faults]") {
  auto const scenario = [](char const* idempotent, char const* faults) {
    return std::string(R"({"name": "dup-link", "duration_ms": 5000, "drain_ms": 20000,
      "brokers": {"count": 3},
      "topics": [{"name": "t", "partitions": 2, "replication_factor": 3, "min_insync_replicas": 2}],
      "producers": [{"name": "app", "topic": "t", "rate_per_s": 500, "keys": 10, "acks": "all", "idempotent": )") +
           idempotent + R"(, "max_in_flight": 1}],
      "faults": [)" + faults + "]}";
  };
  std::string const link = R"({"kind": "link", "between": ["app", "brokers"], "at_ms": 1000, "duration_ms": 2000, "duplicate": 0.2})";
  CHECK(run(scenario("false", link.c_str())).metrics.log_duplicates > 0);
  CHECK(run(scenario("true", link.c_str())).metrics.log_duplicates == 0);
  CHECK(run(scenario("false", "")).metrics.log_duplicates == 0);
}

TEST_CASE("faults: link: extra latency on a link slows what crosses it, and only while it lasts", "[faults]") {
  auto const scenario = [](char const* faults) {
    return std::string(R"({"name": "slow-link", "duration_ms": 6000, "network": {"latency_ms": 1},
      "brokers": {"count": 1}, "topics": [{"name": "t"}],
      "producers": [{"name": "app", "topic": "t", "rate_per_s": 200, "acks": 1}],
      "consumer_groups": [{"name": "g", "topic": "t"}], "faults": [)") + faults + "]}";
  };
  Report const slow = run(scenario(R"({"kind": "link", "between": ["app", "broker-0"], "at_ms": 0, "duration_ms": 6000, "latency_ms": 50})"));
  Report const fast = run(scenario(""));
  CHECK(slow.metrics.latency.p50_ms > fast.metrics.latency.p50_ms + 40);
}

TEST_CASE("faults: clock: a clock fault moves the node's clock and ends with an NTP step back", "[faults]") {
  auto const scenario = brokersim::scenarios::load_scenario_text(R"({"name": "clock", "duration_ms": 10000,
    "brokers": {"count": 1}, "topics": [{"name": "t"}],
    "producers": [{"name": "app", "topic": "t", "rate_per_s": 10}],
    "faults": [{"kind": "clock", "target": "app-0", "at_ms": 1000, "offset_ms": 30000, "drift_ppm": 1000, "duration_ms": 4000}]})",
                                                                 "clock.json");
  brokersim::sim::Simulation simulation;
  brokersim::model::World world(scenario.world, 1, scenario.duration);
  world.start(simulation);
  brokersim::faults::FaultInjector injector(scenario.faults, world, 1);
  injector.start(simulation, scenario.duration, true);
  auto const app = world.nodes_named("app-0").front();
  auto const& clock = world.network().node(app).clock();
  simulation.run_until(3000 * 1000);
  // 30 s ahead, plus 1000 ppm over the 2 s since the fault: 2 ms.
  CHECK(clock.read(simulation.now()) == simulation.now() + 30000 * 1000 + 2000);
  simulation.run_until(6000 * 1000);
  CHECK(clock.read(simulation.now()) == simulation.now());
  CHECK(world.network().node(world.nodes_named("broker-0").front()).clock().read(simulation.now()) == simulation.now());
}

TEST_CASE("faults: partition: more than 65,535 overlapping cuts of one connection nest and heal", "[faults]") {
  auto const scenario = brokersim::scenarios::load_scenario_text(
      R"({"name": "cuts", "duration_ms": 1000, "brokers": {"count": 2}, "topics": [{"name": "t", "partitions": 1}]})", "cuts.json");
  brokersim::sim::Simulation simulation;
  brokersim::model::World world(scenario.world, 1, scenario.duration);
  world.start(simulation);
  auto& network = world.network();
  constexpr int kCuts = 65536 + 10;  // One past what a 16-bit counter holds, and then some.
  for (int i = 0; i < kCuts; ++i) network.cut_traffic(0, 1);
  CHECK_FALSE(network.connected(0, 1));
  CHECK(network.connected(1, 0));
  for (int i = 1; i < kCuts; ++i) network.restore_traffic(simulation, 0, 1);
  CHECK_FALSE(network.connected(0, 1));
  network.restore_traffic(simulation, 0, 1);
  CHECK(network.connected(0, 1));
}
