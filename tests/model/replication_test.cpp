// Replication, ISR and elections, observed inside running worlds.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <string>

#include "cli/runner.h"
#include "faults/injector.h"
#include "model/world/world.h"
#include "scenarios/loader.h"
#include "support/world_harness.h"

namespace {

using brokersim::model::World;
using brokersim::scenarios::Scenario;
using brokersim::sim::kMicrosPerMilli;

using brokersim::testing::load;
using Harness = brokersim::testing::WorldHarness;

std::string const kBase = R"("brokers": {"count": 3, "replica_lag_time_max_ms": 2000},
  "topics": [{"name": "t", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
  "producers": [{"name": "p", "topic": "t", "rate_per_s": 2000, "keys": 50}],
  "consumer_groups": [{"name": "g", "topic": "t", "instances": 2}])";

}  // namespace

TEST_CASE("model: replication: without faults every replica ends with the leader's log", "[model]") {
  Harness h(load(R"({"name": "steady", "duration_ms": 3000, )" + kBase + "}"));
  h.run_to_ms(8000);
  for (std::uint32_t p = 0; p < 3; ++p) {
    auto const& state = h.world.controller().partition(p);
    auto const* leader = h.world.broker(state.leader).replica(p);
    REQUIRE(leader != nullptr);
    CHECK(leader->log.size() > 1000);
    CHECK(leader->high_watermark == leader->log_end());
    for (int broker : state.replicas) CHECK(h.world.broker(broker).replica(p)->log == leader->log);
  }
}

TEST_CASE("model: isr: a follower frozen past replica_lag_time_max leaves the ISR and rejoins when caught up", "[model]") {
  Harness h(load(R"({"name": "frozen", "duration_ms": 20000,
    "faults": [{"kind": "pause", "target": "broker-2", "at_ms": 1000, "duration_ms": 12000}], )" + kBase + "}"));
  // broker-2 follows partitions 0 and 1 (replicas p, p+1, p+2 mod 3); it leads partition 2, whose
  // leadership moves away once the pause outlasts controller_failover_ms (9 s by default).
  h.run_to_ms(900);
  CHECK(h.in_isr(0, 2));
  h.run_to_ms(4500);
  CHECK_FALSE(h.in_isr(0, 2));  // replica_lag_time_max (2 s) is over: the leader shrank the ISR.
  CHECK(h.world.controller().partition(2).leader == 2);  // Not fenced yet.
  h.run_to_ms(10500);
  CHECK(h.world.controller().partition(2).leader != 2);
  h.run_to_ms(19000);
  CHECK(h.in_isr(0, 2));
  CHECK(h.in_isr(2, 2));
}

TEST_CASE("model: replication: a deposed leader truncates what the new leader never had", "[model]") {
  Harness h(load(R"({"name": "depose", "duration_ms": 6000, "network": {"latency_ms": {"dist": "uniform", "min": 2, "max": 8}},
    "brokers": {"count": 3},
    "topics": [{"name": "t", "partitions": 1, "replication_factor": 3, "min_insync_replicas": 1}],
    "producers": [{"name": "p", "topic": "t", "rate_per_s": 5000, "acks": 1}],
    "faults": [{"kind": "crash", "target": "broker-0", "at_ms": 2000, "restart_after_ms": 1000}]})"));
  h.run_to_ms(1999);
  std::size_t const before = h.world.broker(0).replica(0)->log.size();
  h.run_to_ms(12000);
  auto const& state = h.world.controller().partition(0);
  CHECK(state.leader != 0);
  CHECK(state.leader_epoch >= 1);
  auto const& leader_log = h.world.broker(state.leader).replica(0)->log;
  auto const& old_log = h.world.broker(0).replica(0)->log;
  CHECK(old_log == leader_log);  // Truncated, then caught up: one history.
  CHECK(leader_log.size() > before);
}

// Before: broker-0 lost power as leader and restarted at 9.8 s, before its failover (18.5 s); broker-1's
// failover at 10 s changed the ISR, and that metadata, naming broker-0 leader in its old epoch, made it
// lead again with an empty log, under the group's committed offset: the producer got 165 of 2,806 sends
// acknowledged (and the committed-offset invariant stopped the run).
TEST_CASE("model: replication: a broker restarted before its failover waits for the failover's epoch to lead", "[model]") {
  auto const scenario = load(R"({"name": "restart-before-failover", "duration_ms": 14000, "drain_ms": 40000,
    "brokers": {"count": 3},
    "topics": [{"name": "orders", "partitions": 1, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "order-service", "topic": "orders", "rate_per_s": 200, "keys": 10}],
    "consumer_groups": [{"name": "inventory", "topic": "orders"}],
    "faults": [{"kind": "crash", "target": "broker-1", "at_ms": 1000, "restart_after_ms": 20000},
               {"kind": "crash", "target": "broker-0", "at_ms": 9500, "lose_unflushed": true, "restart_after_ms": 300}]})");
  Harness h(scenario);
  h.run_to_ms(12000);  // Restarted, broker-1 fenced, broker-0's own failover still to come.
  CHECK_FALSE(h.world.broker(0).replica(0)->leader);
  CHECK(h.world.controller().partition(0).leader_epoch == 0);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    auto const report = brokersim::cli::run_scenario(scenario, seed);
    INFO("seed " << seed);
    CHECK(report.metrics.acked == report.metrics.produced);
    CHECK(report.metrics.processed == report.metrics.acked);
    CHECK(report.metrics.leader_elections >= 1);
  }
}

TEST_CASE("model: replication: acks=all with min.insync=2 loses nothing under any one-at-a-time broker crash", "[model][property]") {
  rc::prop("random crash schedules", [] {
    int const broker = *rc::gen::inRange(0, 3);
    int const at_ms = *rc::gen::inRange(200, 3000);
    int const down_ms = *rc::gen::inRange(1, 4000);
    bool const power_loss = *rc::gen::arbitrary<bool>();
    auto const seed = *rc::gen::inRange<std::uint64_t>(1, 1000000);
    std::string const text = R"({"name": "crash", "duration_ms": 4000, "drain_ms": 30000,
      "network": {"latency_ms": {"dist": "uniform", "min": 0.5, "max": 5}},
      "brokers": {"count": 3, "flush_interval_ms": 1},
      "topics": [{"name": "t", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
      "producers": [{"name": "p", "topic": "t", "rate_per_s": 1500, "keys": 20, "acks": "all"}],
      "consumer_groups": [{"name": "g", "topic": "t", "instances": 2, "session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}],
      "faults": [{"kind": "crash", "target": "broker-)" + std::to_string(broker) + R"(", "at_ms": )" + std::to_string(at_ms) +
                             R"(, "restart_after_ms": )" + std::to_string(down_ms) + R"(, "lose_unflushed": )" +
                             (power_loss ? "true" : "false") + "}]}";
    auto const report = brokersim::cli::run_scenario(load(text), seed);
    RC_ASSERT(report.violations.lost == 0u);
    RC_ASSERT(report.violations.skipped == 0u);
    RC_ASSERT(report.violations.unprocessed == 0u);
  });
}

namespace {

// Counts the fetch requests brokers deliver to each other (followers' fetches), and the partitions in them.
struct FollowerFetchCounter final : brokersim::sim::DispatchObserver {
  std::uint64_t fetches = 0;
  std::uint64_t partitions = 0;
  void before_dispatch(brokersim::sim::Simulation const&, brokersim::sim::Event const& event, brokersim::sim::Actor& actor) override {
    auto const* node = dynamic_cast<brokersim::model::Node const*>(&actor);
    if (node == nullptr || node->kind() != brokersim::model::NodeKind::broker) return;
    if ((event.kind & 0xFFFF) != brokersim::model::kDeliverType) return;
    auto const& envelope = brokersim::model::as_kafka(node->network().header(static_cast<brokersim::model::EnvelopeId>(event.arg0)));
    if (envelope.type != brokersim::model::MessageType::fetch_request) return;
    if (node->network().kind(envelope.from) != brokersim::model::NodeKind::broker) return;
    ++fetches;
    partitions += envelope.partitions.size();
  }
  void after_dispatch(brokersim::sim::Simulation const&, brokersim::sim::Event const&) override {}
};

FollowerFetchCounter count_follower_fetches(int partitions) {
  Harness h(load(R"({"name": "idle", "duration_ms": 10000, "brokers": {"count": 2},
    "topics": [{"name": "t", "partitions": )" + std::to_string(partitions) + R"(, "replication_factor": 2}],
    "producers": [{"name": "p", "topic": "t", "rate_per_s": 1, "messages": 1}],
    "consumer_groups": [{"name": "g", "topic": "t", "instances": 1}]})"));
  FollowerFetchCounter counter;
  h.simulation.set_observer(&counter);
  h.run_to_ms(10000);
  h.simulation.set_observer(nullptr);
  return counter;
}

}  // namespace

// Before: one fetch per partition, so an idle follower of 8 partitions sent 4 times the fetches of one
// following 2 (each long poll expiring every replica.fetch.wait.max.ms).
TEST_CASE("model: replication: a follower fetches all its partitions on one leader in one request", "[model]") {
  FollowerFetchCounter const two = count_follower_fetches(2);
  FollowerFetchCounter const eight = count_follower_fetches(8);
  INFO("2 partitions: " << two.fetches << " fetches; 8 partitions: " << eight.fetches << " fetches, " << eight.partitions
                        << " partitions asked for");
  // Two brokers, each following the other's partitions: one long poll each per 500 ms, about 40 in 10 s.
  CHECK(eight.fetches >= 30);
  CHECK(eight.fetches <= 50);
  CHECK(eight.fetches <= two.fetches + 5);
  // Each broker follows 4 of the 8 partitions (the first fetches, sent as the partitions' roles arrive one
  // by one, carry fewer).
  CHECK(eight.partitions <= 4 * eight.fetches);
  CHECK(eight.partitions + 8 >= 4 * eight.fetches);
  CHECK(two.partitions == two.fetches);
}
