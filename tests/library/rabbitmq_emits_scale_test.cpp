// Groups reading a RabbitMQ queue with `emits` (follow-ups to a Kafka topic, through a producer embedded in
// each instance) and with `scale` faults (instances started later, or stopped as Spring AMQP's container
// stop does: basic.cancel, the prefetched deliveries finished and acked, then the connection closes and
// the node requeues whatever is still unacked).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "model/world/world.h"
#include "scenarios/loader.h"
#include "support/world_run.h"

namespace {

using brokersim::scenarios::load_scenario_text;
using brokersim::testing::WorldRun;
namespace model = brokersim::model;
namespace sim = brokersim::sim;

// A shop publishes to a classic queue read by `billing` (RabbitMQ, two instances), which emits a
// follow-up per processed order to the Kafka topic `shipments`, read by `shipping`.
std::string emitting(std::string const& faults = "[]") {
  return R"({"name": "rabbit-emits", "duration_ms": 10000, "drain_ms": 30000,
    "brokers": {"count": 3},
    "topics": [{"name": "shipments", "partitions": 4, "replication_factor": 3, "min_insync_replicas": 2}],
    "rabbitmq": {"nodes": 1, "exchanges": [{"name": "orders"}], "queues": [{"name": "orders-q"}],
                 "bindings": [{"exchange": "orders", "queue": "orders-q", "routing_key": "new"}]},
    "producers": [{"name": "shop", "exchange": "orders", "routing_key": "new", "rate_per_s": 50, "keys": 10}],
    "consumer_groups": [
      {"name": "billing", "queue": "orders-q", "instances": 2, "processing_ms": 5, "emits": {"topic": "shipments"}},
      {"name": "shipping", "topic": "shipments", "instances": 2, "processing_ms": 1}],
    "faults": )" + faults + R"(,
    "expect": {"delivery": "exactly-once"}})";
}

}  // namespace

TEST_CASE("rabbitmq: emits: every order a queue group processes has one follow-up on Kafka, processed once", "[rabbitmq]") {
  auto const loaded = load_scenario_text(emitting(), "emits.json");
  WorldRun const run(loaded, 3);
  model::GroundTruth const& truth = run.world.truth();
  model::GroupTruth const& billing = truth.groups.at(0);
  model::GroupTruth const& shipping = truth.groups.at(1);
  REQUIRE(truth.causes.size() == truth.messages.size());

  // The follow-ups: sent by billing's embedded producers, each caused by one order.
  std::vector<std::uint32_t> follow_up_of(truth.messages.size(), UINT32_MAX);
  std::size_t follow_ups = 0;
  std::size_t orders = 0;
  std::size_t processed_orders = 0;
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    std::string const& sender = truth.producer_instances[truth.messages[id].producer];
    if (sender.rfind("shop-", 0) == 0) {
      ++orders;
      if (billing.effects_of(id) > 0) ++processed_orders;
      CHECK(truth.causes[id] == model::kNoCause);
      continue;
    }
    ++follow_ups;
    CHECK((sender == "billing-0" || sender == "billing-1"));
    std::uint32_t const cause = truth.causes[id];
    REQUIRE(cause < truth.messages.size());
    CHECK(follow_up_of[cause] == UINT32_MAX);  // One follow-up per processed order.
    follow_up_of[cause] = id;
    CHECK(truth.messages[id].key == truth.messages[cause].key);
    CHECK(truth.messages[id].sent_at() >= truth.first_effect_at(0, cause));  // Causally after its order's effect.
    CHECK(truth.messages[id].partition >= 0);  // On a Kafka partition (of shipments: the only topic).
  }
  CHECK(orders > 400);
  CHECK(processed_orders == orders);
  CHECK(follow_ups == processed_orders);
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    if (billing.effects_of(id) == 0) continue;
    CHECK(billing.effects_of(id) == 1);
    std::uint32_t const follow_up = follow_up_of[id];
    REQUIRE(follow_up != UINT32_MAX);
    CHECK(truth.messages[follow_up].acked());
    CHECK(shipping.effects_of(follow_up) == 1);  // Expected by the Kafka group, and processed once.
  }
  // The checker sees the same: the orders and the follow-ups, each processed exactly once.
  auto const& m = run.report.metrics;
  CHECK(m.processed == orders + follow_ups);
  CHECK(m.effects == m.processed);
  CHECK(run.report.violations.lost == 0);
  CHECK(run.report.violations.unprocessed == 0);
  CHECK(run.report.violations.duplicate == 0);
  CHECK(run.report.passed());
  // The embedded producers are nodes of their own, after RabbitMQ's.
  auto const producer = run.world.nodes_named("billing-1.producer");
  REQUIRE(producer.size() == 1);
  CHECK(producer.front() > run.world.nodes_named("billing-1").front());
  CHECK(producer.front() > run.world.nodes_named("rabbit-0").front());
}

TEST_CASE("rabbitmq: emits: a crashed queue consumer's embedded producer crashes with it, redelivered orders emit again", "[rabbitmq]") {
  auto const loaded = load_scenario_text(
      emitting(R"([{"kind": "crash", "target": "billing-0", "at_ms": 4000, "restart_after_ms": 1000}])"), "emits-crash.json");
  WorldRun const run(loaded, 3);
  CHECK(run.report.violations.lost == 0);
  CHECK(run.report.violations.unprocessed == 0);
  CHECK(run.report.metrics.processed > 900);  // Orders and their follow-ups.
}

namespace {

// `rate` orders a second for 20 s into a classic queue read by `billing`, whose instances take 20 ms an
// order (50 a second each) with a prefetch of 50 (`group` may replace both): at 150 a second one instance
// falls behind and three keep the backlog as it is. Manual acks (after processing).
std::string backlog(std::string const& faults, std::string const& group = R"("prefetch": 50, "processing_ms": 20)",
                    int rate = 150) {
  return R"({"name": "rabbit-scale", "duration_ms": 20000, "drain_ms": 120000, "brokers": {"count": 1},
    "rabbitmq": {"nodes": 1, "queues": [{"name": "orders-q"}]},
    "producers": [{"name": "shop", "queue": "orders-q", "rate_per_s": )" + std::to_string(rate) + R"(, "keys": 10}],
    "consumer_groups": [{"name": "billing", "queue": "orders-q", "instances": 1, "commit": "after-processing", )" + group + R"(}],
    "faults": [)" + faults + R"(],
    "expect": {"delivery": "exactly-once"}})";
}

// Scaled out from 1 to 3 instances at 5 s, in to 1 at 12 s.
std::string const kOutAndIn = R"({"kind": "scale", "target": "billing", "at_ms": 5000, "instances": 3},
                                 {"kind": "scale", "target": "billing", "at_ms": 12000, "instances": 1})";
constexpr sim::Time kOut = 5'000'000;
constexpr sim::Time kIn = 12'000'000;
constexpr sim::Time kShutdownTimeout = 5'000'000;  // Spring AMQP's container default.

// A WorldRun tracing every message (the nodes of the effects and deliveries), and what the instances
// billing-1 and billing-2 (deployed at kOut, retired at kIn) did.
struct ScaledRun {
  WorldRun run;
  std::size_t before_out = 0;         // Their effects before they were deployed.
  std::size_t while_out = 0;          // Their effects while deployed.
  std::size_t finished_after_in = 0;  // Their effects after the scale-in began: deliveries they held.
  std::size_t after_stop = 0;         // Their effects after the shutdown timeout.
  std::vector<std::uint32_t> held_at_stop;  // Delivered to them and not processed by them before kIn.

  explicit ScaledRun(brokersim::scenarios::Scenario const& scenario) : run(scenario, 1, 10000) {
    model::World const& world = run.world;
    model::NodeId const added = world.nodes_named("billing-1").front();
    model::NodeId const other = world.nodes_named("billing-2").front();
    std::vector<std::uint8_t> held(world.truth().messages.size(), 0);
    for (model::TraceEvent const& event : world.truth().tracer.events()) {
      if (event.node != added && event.node != other) continue;
      if (event.kind == model::TraceKind::delivered) held[event.message] = 1;
      if (event.kind != model::TraceKind::effect) continue;
      if (event.at < kIn) held[event.message] = 0;
      if (event.at < kOut) ++before_out;
      else if (event.at < kIn) ++while_out;
      else if (event.at <= kIn + kShutdownTimeout) ++finished_after_in;
      else ++after_stop;
    }
    for (std::uint32_t message = 0; message < held.size(); ++message) {
      if (held[message] != 0) held_at_stop.push_back(message);
    }
  }
};

}  // namespace

TEST_CASE("rabbitmq: scale: a queue group scaled out and in loses nothing, new instances consume, stopped ones finish or requeue", "[rabbitmq][faults]") {
  auto const scenario = load_scenario_text(backlog(kOutAndIn), "scale.json");
  REQUIRE(scenario.world.consumer_groups.at(0).instances_max == 3);
  ScaledRun const scaled(scenario);
  model::World const& world = scaled.run.world;
  auto const& report = scaled.run.report;
  CHECK(scaled.before_out == 0);
  CHECK(scaled.while_out > 300);           // About 50 a second each for 7 s.
  CHECK(scaled.finished_after_in >= 90);   // The stop finished the 50 each held (a second's work)...
  CHECK(scaled.after_stop == 0);           // ... and then they were gone.
  CHECK(world.deployed_instances(0) == 1);
  CHECK_FALSE(world.network().node(world.nodes_named("billing-1").front()).alive());
  CHECK_FALSE(world.network().node(world.nodes_named("billing-2").front()).alive());
  CHECK(world.network().node(world.nodes_named("billing-0").front()).alive());
  // Whatever reached the stopping instances (what they held, and what the node pushed after the cancel)
  // was processed exactly once: by them, or by billing-0 once the close requeued it.
  REQUIRE(scaled.held_at_stop.size() >= 100);
  for (std::uint32_t message : scaled.held_at_stop) CHECK(world.truth().groups[0].effects_of(message) == 1);
  // The node pushed nothing after the cancel: every delivery they held they finished, none came back.
  CHECK(scaled.finished_after_in == scaled.held_at_stop.size());
  CHECK(report.metrics.redeliveries == 0);
  auto const& v = report.violations;
  CHECK(v.lost == 0);
  CHECK(v.unprocessed == 0);
  CHECK(v.duplicate == 0);
  CHECK(report.metrics.processed == report.metrics.acked);
  CHECK(report.passed());
}

TEST_CASE("rabbitmq: scale: what a stopping queue consumer cannot finish within the shutdown timeout is requeued", "[rabbitmq][faults]") {
  // 200 ms an order (5 a second each) and 20 orders a second: the backlog grows even with three
  // instances, and each holds more than the 5 s of its shutdown timeout's work when it is retired.
  auto const scenario = load_scenario_text(backlog(kOutAndIn, R"("prefetch": 50, "processing_ms": 200)", 20), "timeout.json");
  ScaledRun const scaled(scenario);
  CHECK(scaled.while_out > 50);
  CHECK(scaled.finished_after_in > 20);  // About 25 each before the timeout...
  CHECK(scaled.finished_after_in < scaled.held_at_stop.size());  // ... not all they held.
  CHECK(scaled.after_stop == 0);         // The process ended at the timeout.
  for (std::uint32_t message : scaled.held_at_stop) CHECK(scaled.run.world.truth().groups[0].effects_of(message) == 1);
  // Exactly what they held and did not finish came back to the queue (the node pushed nothing after the
  // cancel), and went to billing-0.
  CHECK(scaled.run.report.metrics.redeliveries == scaled.held_at_stop.size() - scaled.finished_after_in);
  auto const& v = scaled.run.report.violations;
  CHECK(v.lost == 0);
  CHECK(v.unprocessed == 0);
  CHECK(v.duplicate == 0);
  CHECK(scaled.run.report.passed());
}

TEST_CASE("rabbitmq: scale: scaling out drains a queue's backlog sooner", "[rabbitmq][faults]") {
  WorldRun const alone(load_scenario_text(backlog(""), "alone.json"), 1);
  WorldRun const scaled(load_scenario_text(backlog(R"({"kind": "scale", "target": "billing", "at_ms": 5000, "instances": 3})"),
                                           "scaled.json"),
                        1);
  CHECK(alone.report.violations.lost == 0);
  CHECK(scaled.report.violations.lost == 0);
  CHECK(scaled.report.violations.duplicate == 0);
  CHECK(scaled.report.metrics.latency.p99_ms < alone.report.metrics.latency.p99_ms / 2);
}

TEST_CASE("rabbitmq: scale: a crash fault does not bring back a queue consumer that was scaled away", "[rabbitmq][faults]") {
  auto const loaded = load_scenario_text(backlog(R"({"kind": "scale", "target": "billing", "at_ms": 1000, "instances": 2},
                                                    {"kind": "crash", "target": "billing-1", "at_ms": 3000, "restart_after_ms": 4000},
                                                    {"kind": "scale", "target": "billing", "at_ms": 5000, "instances": 1})"),
                                         "crash.json");
  WorldRun const run(loaded, 1);
  bool restarted = false;
  for (auto const& fault : run.report.series.faults) restarted = restarted || (fault.kind == "restart" && fault.node == "billing-1");
  CHECK_FALSE(restarted);
  CHECK_FALSE(run.world.network().node(run.world.nodes_named("billing-1").front()).alive());
  CHECK(run.report.violations.lost == 0);
  CHECK(run.report.violations.unprocessed == 0);
}
