// The KRaft controller quorum: dedicated controller nodes by default, the brokers in combined mode.
// Issue 9, item 6: the quorum used to be the brokers, so with two brokers any cut lost it, a leader cut
// off from its follower could never shrink the ISR, and an unclean election could never lose data.
#include <catch2/catch.hpp>

#include <string>

#include "cli/runner.h"
#include "support/world_harness.h"

namespace {

using brokersim::model::kNoLeader;
using brokersim::model::kNoNode;
using brokersim::model::NodeId;
using brokersim::sim::Time;
using brokersim::sim::kMicrosPerMilli;
using brokersim::testing::load;
using Harness = brokersim::testing::WorldHarness;

// Two brokers, RF 2, min.insync=1, unclean election allowed; the leader is cut off from its only follower
// (and from the consumers, so that what it alone acknowledges is not consumed) at 1 s, then crashes at 8 s. `controllers` is spliced into the brokers' section of the file.
std::string two_brokers_cut(std::string const& controllers) {
  return R"({"name": "two-brokers", "duration_ms": 20000, "drain_ms": 30000,
    "brokers": {"count": 2, "replica_lag_time_max_ms": 2000}, )" +
         controllers + R"(
    "topics": [{"name": "orders", "partitions": 1, "replication_factor": 2, "min_insync_replicas": 1,
                "unclean_leader_election": true}],
    "producers": [{"name": "order-service", "topic": "orders", "rate_per_s": 500, "keys": 10, "acks": "all"}],
    "consumer_groups": [{"name": "inventory", "topic": "orders"}],
    "faults": [{"kind": "partition", "sides": [["broker-0"], ["broker-1", "inventory"]], "at_ms": 1000, "duration_ms": 19000},
               {"kind": "crash", "target": "broker-0", "at_ms": 8000, "restart_after_ms": 14000}],
    "expect": {"delivery": "at-least-once"}})";
}

}  // namespace

// Before: 0 lost on every seed — broker-0 could not reach a majority of the two brokers, so its ISR
// shrink was refused, acks=all writes waited for the follower it could not reach, and nothing was
// acknowledged that broker-1 lacked.
TEST_CASE("model: controllers: with a dedicated quorum a leader cut off from its follower shrinks the ISR, and an unclean election loses what only it had",
          "[model]") {
  auto const scenario = load(two_brokers_cut(""));
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    auto const report = brokersim::cli::run_scenario(scenario, seed);
    INFO("seed " << seed);
    CHECK(report.metrics.leader_elections >= 1);
    CHECK(report.violations.lost > 500);  // About 5 s of writes at 500/s acknowledged by broker-0 alone.
    // The producer goes on with the new leader: OUT_OF_ORDER_SEQUENCE for its first unresolved batch
    // bumps its epoch (KIP-360). Before, with batches in flight behind it, it retried forever.
    CHECK(report.metrics.acked + report.metrics.send_failed > report.metrics.produced * 9 / 10);
  }
  Harness h(scenario);
  h.run_to_ms(1000 + 2000 + 500);  // replica_lag_time_max after the cut.
  CHECK(h.world.controller().partition(0).isr == std::vector<int>{0});
  h.run_to_ms(8000 + 9000 + 500);  // controller_failover after the crash.
  CHECK(h.world.controller().partition(0).leader == 1);
}

TEST_CASE("model: controllers: in combined mode the same cut loses the quorum's majority, so nothing is lost", "[model]") {
  auto const scenario = load(two_brokers_cut(R"("controllers": {"placement": "brokers"},)"));
  auto const report = brokersim::cli::run_scenario(scenario, 1);
  CHECK(report.violations.lost == 0);
  CHECK(report.metrics.latency.max_ms > 10000);  // The cost: acks=all writes wait for the follower until the cut heals.
  Harness h(scenario);
  h.run_to_ms(1000 + 2000 + 500);
  CHECK(h.world.controller().partition(0).isr == std::vector<int>{0, 1});  // The shrink was refused.
}

TEST_CASE("model: controllers: without a quorum leader no partition fails over, a new leader fences the dead a session timeout later",
          "[model]") {
  Harness h(load(R"({"name": "quorum-lost", "duration_ms": 40000,
    "brokers": {"count": 3},
    "topics": [{"name": "orders", "partitions": 1, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "order-service", "topic": "orders", "rate_per_s": 200, "keys": 10}],
    "faults": [{"kind": "crash", "target": "controller-0", "at_ms": 1000, "restart_after_ms": 8000},
               {"kind": "crash", "target": "controller-1", "at_ms": 1000, "restart_after_ms": 8000},
               {"kind": "crash", "target": "broker-0", "at_ms": 2000}]})"));
  h.run_to_ms(900);
  CHECK(h.world.controller().quorum_leader() != kNoNode);
  h.run_to_ms(1001);
  CHECK(h.world.controller().quorum_leader() == kNoNode);
  h.run_to_ms(8999);
  CHECK(h.world.controller().quorum_leader() == kNoNode);
  CHECK(h.world.controller().partition(0).leader == 0);  // Dead, but nobody may move it: 11 s would have done.
  h.run_to_ms(12001);  // Back at 9 s; a fetch timeout (2 s) and at most an election timeout (1 s) later, a leader.
  NodeId const leader = h.world.controller().quorum_leader();
  REQUIRE(leader != kNoNode);
  auto const& quorum = h.world.truth().quorum;
  REQUIRE(quorum.size() == 2);
  CHECK(quorum[0].at == 1000 * kMicrosPerMilli);
  CHECK(quorum[0].leader == UINT32_MAX);
  CHECK(quorum[1].at >= 11000 * kMicrosPerMilli);
  CHECK(quorum[1].leader == leader);
  Time const elected = quorum[1].at;
  h.run_to_ms(static_cast<double>(elected) / kMicrosPerMilli + 8900);
  CHECK(h.world.controller().partition(0).leader == 0);  // A fresh session: 9 s from the new quorum leader.
  h.run_to_ms(static_cast<double>(elected) / kMicrosPerMilli + 9100);
  CHECK(h.world.controller().partition(0).leader != 0);
  CHECK(h.world.controller().partition(0).leader != kNoLeader);
}

TEST_CASE("model: controllers: a broker cut off from the quorum is fenced, though its clients still reach it", "[model]") {
  Harness h(load(R"({"name": "cut-from-controllers", "duration_ms": 30000,
    "brokers": {"count": 3, "replica_lag_time_max_ms": 2000},
    "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "order-service", "topic": "orders", "rate_per_s": 200, "keys": 10}],
    "faults": [{"kind": "partition", "sides": [["broker-0"], ["controllers"]], "at_ms": 1000, "duration_ms": 15000}]})"));
  h.run_to_ms(9900);
  CHECK(h.world.controller().partition(0).leader == 0);
  CHECK(h.world.controller().broker_available(0));
  h.run_to_ms(10100);
  CHECK_FALSE(h.world.controller().broker_available(0));
  CHECK(h.world.controller().partition(0).leader != 0);
  CHECK_FALSE(h.in_isr(1, 0));
  h.run_to_ms(16100);  // Healed: unfenced at once, and back in the ISR once caught up.
  CHECK(h.world.controller().broker_available(0));
  h.run_to_ms(25000);
  CHECK(h.in_isr(1, 0));
}

TEST_CASE("model: controllers: pausing the active controller moves the quorum's leadership, and a cut that leaves it a majority does not",
          "[model]") {
  Harness h(load(R"({"name": "controller-pause", "duration_ms": 20000,
    "brokers": {"count": 3},
    "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "order-service", "topic": "orders", "rate_per_s": 200, "keys": 10}],
    "faults": [{"kind": "partition", "sides": [["controller-2"]], "at_ms": 500, "duration_ms": 1000},
               {"kind": "pause", "target": "controller-0", "at_ms": 2000, "duration_ms": 6000}]})"));
  NodeId const first = h.world.controller().quorum_leader();
  h.run_to_ms(1000);
  CHECK(h.world.controller().quorum_leader() == first);  // controller-2 alone was cut off: 2 of 3 remain.
  h.run_to_ms(2001);
  CHECK(h.world.controller().quorum_leader() == kNoNode);
  h.run_to_ms(5001);
  CHECK(h.world.controller().quorum_leader() != kNoNode);
  CHECK(h.world.controller().quorum_leader() != first);
  CHECK(h.world.truth().leader_elections == 0);  // The brokers noticed nothing: no partition moved.
  for (int broker = 0; broker < 3; ++broker) CHECK(h.world.controller().broker_available(broker));
}
