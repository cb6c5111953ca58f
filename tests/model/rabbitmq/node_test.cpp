// The RabbitMQ node with its clients on a network, without the World: one classic queue on rabbit-0 behind
// a direct exchange, one publisher, one consumer instance.
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "model/core/network.h"
#include "model/rabbitmq/cluster.h"
#include "model/rabbitmq/consumer.h"
#include "model/rabbitmq/node.h"
#include "model/rabbitmq/publisher.h"
#include "model/truth/truth.h"
#include "sim/simulation.h"

namespace {

using namespace brokersim;
using model::CommitMode;
using model::GroupTruth;
using model::rabbitmq::ExchangeSpec;
using model::rabbitmq::ExchangeType;

constexpr sim::Time kSecond = sim::kMicrosPerSecond;

struct Harness {
  model::rabbitmq::RabbitConfig rabbit;
  model::NetworkConfig network_config;
  model::ProducerConfig producer;
  model::ConsumerGroupConfig group;
  model::GroundTruth truth;
  model::MessageSet durable_dedup;
  std::vector<std::uint32_t> group_of_queue{0};
  sim::Simulation simulation;
  std::unique_ptr<model::rabbitmq::RabbitCluster> cluster;
  std::unique_ptr<model::Network> network;
  std::unique_ptr<model::rabbitmq::RabbitNode> node;
  std::unique_ptr<model::rabbitmq::RabbitPublisher> publisher;
  std::unique_ptr<model::rabbitmq::RabbitConsumer> consumer;

  explicit Harness(CommitMode commit, std::uint64_t messages = 20) {
    rabbit.nodes = 1;
    rabbit.exchanges.push_back(ExchangeSpec{"orders", ExchangeType::direct, std::nullopt});
    model::rabbitmq::RabbitQueueConfig queue;
    queue.name = "orders-q";
    rabbit.queues.push_back(queue);
    rabbit.bindings.push_back(model::rabbitmq::BindingSpec{"orders", "orders-q", "new", {}, model::rabbitmq::HeadersMatch::all});
    network_config.latency = sim::Distribution::constant(1000.0);
    producer.name = "shop";
    producer.exchange = "orders";
    producer.routing_keys = {"new"};
    producer.messages = messages;  // At 2 per second, from 0.5 s on.
    producer.rate_per_s = 2.0;
    producer.arrivals = model::Arrivals::uniform;
    group.name = "billing";
    group.queue = "orders-q";
    group.commit = commit;
    group.processing = sim::Distribution::constant(2000.0);
    group.prefetch = 5;

    cluster = std::make_unique<model::rabbitmq::RabbitCluster>(rabbit, std::vector<std::string>{"new"});
    cluster->set_group_of_queue(group_of_queue);
    network = std::make_unique<model::Network>(network_config, 1);
    model::NodeId const node_id = network->add_node("rabbit-0", model::NodeKind::rabbit, -1);
    cluster->set_node(0, node_id);
    model::NodeId const publisher_id = network->add_node("shop-0", model::NodeKind::producer, -1);
    model::NodeId const consumer_id = network->add_node("billing-0", model::NodeKind::consumer, -1);
    truth.producer_instances.push_back("shop-0");
    GroupTruth group_truth;
    group_truth.name = "billing";
    truth.groups.push_back(group_truth);
    node = std::make_unique<model::rabbitmq::RabbitNode>(node_id, 0, *cluster, truth, 1);
    model::rabbitmq::PublishTarget target{*cluster->routing().find_exchange("orders"), {0}};
    publisher = std::make_unique<model::rabbitmq::RabbitPublisher>(publisher_id, producer, 0, 0, target, 1, 20 * kSecond, *cluster, truth);
    consumer = std::make_unique<model::rabbitmq::RabbitConsumer>(consumer_id, group, 0, 0, 0, 1, *cluster, truth, durable_dedup);
    node->attach(simulation, *network);
    publisher->attach(simulation, *network);
    consumer->attach(simulation, *network);
    network->finish_setup();
    node->start(simulation);
    consumer->start(simulation);
    publisher->start(simulation);
  }

  std::uint64_t acked() const {
    std::uint64_t count = 0;
    for (auto const& message : truth.messages) count += message.acked() ? 1 : 0;
    return count;
  }
  std::uint64_t effects() const {
    std::uint64_t count = 0;
    for (std::uint32_t m = 0; m < truth.messages.size(); ++m) count += truth.groups[0].effects_of(m);
    return count;
  }
  std::uint64_t with_effect() const {
    std::uint64_t count = 0;
    for (std::uint32_t m = 0; m < truth.messages.size(); ++m) count += truth.groups[0].effects_of(m) > 0 ? 1 : 0;
    return count;
  }
};

TEST_CASE("rabbitmq: node: confirmed publishes are consumed once each and acked", "[rabbitmq]") {
  Harness h(CommitMode::after_processing);
  h.simulation.run_until(30 * kSecond);
  REQUIRE(h.truth.messages.size() == 20);
  CHECK(h.acked() == 20);
  CHECK(h.effects() == 20);
  CHECK(h.with_effect() == 20);
  CHECK(h.node->depth(0) == 0);  // Every delivery was acked.
}

TEST_CASE("rabbitmq: node: a confirm waits for the queue's write point", "[rabbitmq]") {
  Harness h(CommitMode::after_processing, 1);
  h.simulation.run_until(10 * kSecond);
  REQUIRE(h.truth.messages.size() == 1);
  model::MessageRecord const& message = h.truth.messages[0];
  // One hop to the node, the write point, one hop back.
  CHECK(message.acked_at() - message.sent_at() == 2000 + model::rabbitmq::kWriteDelay);
}

TEST_CASE("rabbitmq: node: with autoAck a consumer crash loses what it held, with manual acks it is redelivered", "[rabbitmq]") {
  for (CommitMode commit : {CommitMode::auto_commit, CommitMode::after_processing}) {
    INFO((commit == CommitMode::auto_commit ? "autoAck" : "manual ack"));
    Harness h(commit);
    // Sends every 0.5 s; processing takes 2 ms: crash the consumer while it holds deliveries by making
    // processing slow for a while.
    h.consumer->set_slowdown(2000.0);  // 4 s per message: deliveries pile up under the prefetch.
    h.simulation.run_until(6 * kSecond);
    h.consumer->crash(h.simulation);
    h.network->reset_connections(h.simulation, h.consumer->id());
    h.consumer->set_slowdown(1.0);
    h.simulation.run_until(7 * kSecond);
    h.consumer->restart(h.simulation);
    h.simulation.run_until(60 * kSecond);
    REQUIRE(h.acked() == 20);
    if (commit == CommitMode::auto_commit) {
      CHECK(h.with_effect() < 20);  // The broker forgot what it had sent to the dead consumer.
      CHECK(h.node->depth(0) == 0);
    } else {
      CHECK(h.with_effect() == 20);  // Requeued when its channel closed, and redelivered.
      CHECK(h.truth.groups[0].redeliveries > 0);
    }
  }
}

}  // namespace
