// The run ends early once the model says nothing is left to do (World::settled): not while a RabbitMQ
// message is still travelling between nodes or to a consumer. Found by the RabbitMQ fault-free property:
// a publisher without confirms is idle once it has sent, and the run ended while its last publishes were
// still on their way to a queue on another node, or to the consumer: they counted as lost.
#include <catch2/catch.hpp>

#include "cli/runner.h"
#include "scenarios/loader.h"

namespace {

// Two classic queues on two nodes, a topic exchange routing every publish to both, no confirms, no fault.
char const* const kNoConfirmsTwoQueues = R"({"name": "no-confirms-two-queues", "duration_ms": 975, "drain_ms": 60000,
  "network": {"latency_ms": {"dist": "uniform", "min": 0.2, "max": 2.4}},
  "brokers": {"count": 1}, "controllers": {"placement": "brokers"},
  "rabbitmq": {"nodes": 2, "exchanges": [{"name": "x", "type": "topic"}],
               "queues": [{"name": "q0", "node": 1}, {"name": "q1", "node": 0}],
               "bindings": [{"exchange": "x", "queue": "q0", "routing_key": "*.*"}, {"exchange": "x", "queue": "q1", "routing_key": "order.*"}]},
  "producers": [{"name": "p", "exchange": "x", "routing_key": "order.new", "rate_per_s": 239, "keys": 2, "confirms": false}],
  "consumer_groups": [{"name": "g0", "queue": "q0", "instances": 2, "prefetch": 0, "processing_ms": {"dist": "exponential", "mean": 0}},
                      {"name": "g1", "queue": "q1", "commit": "auto", "prefetch": 1, "processing_ms": {"dist": "exponential", "mean": 0}}]})";

}  // namespace

TEST_CASE("model: RabbitMQ: a run does not end while the last publishes without confirms are still travelling", "[model][rabbitmq]") {
  auto const scenario = brokersim::scenarios::load_scenario_text(kNoConfirmsTwoQueues, "no-confirms-two-queues.json");
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto const report = brokersim::cli::run_scenario(scenario, seed);
    INFO("seed " << seed);
    CHECK(report.violations.lost == 0u);
    CHECK(report.metrics.processed == 2 * report.metrics.acked);
  }
}
