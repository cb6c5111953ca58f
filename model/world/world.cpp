#include "model/world/world.h"

#include <algorithm>
#include <cmath>

#include "model/kafka/controller_cluster_view.h"
#include "model/kafka/partitioner.h"

#include "sim/assert.h"

namespace brokersim::model {

namespace {

int zone_index(WorldConfig const& config, std::optional<std::string> const& zone) {
  // Returns -1 for no zone or a name that is not a zone.
  if (!zone) return -1;
  for (std::size_t i = 0; i < config.network.zones.size(); ++i) {
    if (config.network.zones[i] == *zone) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

bool publishes_to_rabbitmq(ProducerConfig const& producer) { return producer.exchange.has_value() || producer.queue.has_value(); }

std::uint32_t topic_index(WorldConfig const& config, std::string const& name) {
  for (std::size_t i = 0; i < config.topics.size(); ++i) {
    if (config.topics[i].name == name) return static_cast<std::uint32_t>(i);
  }
  BROKERSIM_ASSERT(false);
  return 0;
}

namespace {

// How many messages the producers will send, with a margin for the randomness of arrivals.
std::size_t expected_messages(WorldConfig const& config, Time production_end) {
  double total = 0.0;
  double const seconds = static_cast<double>(production_end) / static_cast<double>(sim::kMicrosPerSecond);
  for (ProducerConfig const& producer : config.producers) {
    double per_instance = producer.rate_per_s ? *producer.rate_per_s * seconds : static_cast<double>(*producer.messages);
    if (producer.messages) per_instance = std::min(per_instance, static_cast<double>(*producer.messages));
    total += per_instance * producer.instances;
  }
  constexpr double kReserveMax = 1e8;  // Beyond this, let the vectors grow as they need.
  return static_cast<std::size_t>(std::min(total * 1.01 + 1000.0, kReserveMax));
}

// How many records each partition's logs should expect, for sizing them once: a producer's messages
// spread over its topic's partitions as its keys hash there (uniform or Zipf weights; unkeyed: evenly),
// plus a margin for chance (four standard deviations and 1 %). Partitions of topics no producer writes
// (emits, dead letters) and producers with more keys than are worth hashing up front get an even share
// of all messages. A log that outgrows its estimate grows as usual.
std::vector<std::size_t> expected_records(WorldConfig const& config, Controller const& controller, std::size_t messages,
                                          Time production_end) {
  constexpr std::uint64_t kHashedKeysMax = 100'000;
  std::size_t const partitions = controller.partition_count();
  std::vector<double> expected(partitions, 0.0);
  std::vector<bool> written(partitions, false);
  double const seconds = static_cast<double>(production_end) / static_cast<double>(sim::kMicrosPerSecond);
  for (ProducerConfig const& producer : config.producers) {
    if (publishes_to_rabbitmq(producer)) continue;
    std::uint32_t const topic = topic_index(config, producer.topic);
    std::uint32_t const first = controller.layout().first_partition[topic];
    int const count = config.topics[topic].partitions;
    double sends = producer.rate_per_s ? *producer.rate_per_s * seconds : static_cast<double>(*producer.messages);
    if (producer.messages) sends = std::min(sends, static_cast<double>(*producer.messages));
    sends *= producer.instances;
    std::vector<double> weights(static_cast<std::size_t>(count), 1.0 / count);
    KeysConfig const& keys = producer.keys;
    if (keys.count > 0 && keys.count <= kHashedKeysMax) {
      std::fill(weights.begin(), weights.end(), 0.0);
      double total = 0.0;
      for (std::uint64_t key = 0; key < keys.count; ++key) {
        double const weight = keys.dist == KeyDist::zipf ? 1.0 / std::pow(static_cast<double>(key + 1), keys.zipf_s) : 1.0;
        weights[static_cast<std::size_t>(kafka_partition_for_key("k" + std::to_string(key), count))] += weight;
        total += weight;
      }
      for (double& weight : weights) weight /= total;
    }
    for (int slot = 0; slot < count; ++slot) {
      expected[first + static_cast<std::size_t>(slot)] += sends * weights[static_cast<std::size_t>(slot)];
      written[first + static_cast<std::size_t>(slot)] = true;
    }
  }
  std::vector<std::size_t> records(partitions);
  for (std::size_t p = 0; p < partitions; ++p) {
    double const mean = written[p] ? expected[p] : static_cast<double>(messages) / static_cast<double>(partitions);
    records[p] = static_cast<std::size_t>(std::min(1e8, mean * 1.01 + 4.0 * std::sqrt(mean) + 64.0));
  }
  return records;
}

}  // namespace

// The scenario's configuration plus a "<topic>.DLT" topic for each group that dead-letters (Spring
// Kafka's DeadLetterPublishingRecoverer default): same partition count, replicated like Kafka's default
// topic creation allows.
WorldConfig with_dead_letter_topics(WorldConfig config) {
  for (ConsumerGroupConfig const& group : config.consumer_groups) {
    if (group.on_failure.then != AfterFailure::dead_letter || group.queue) continue;  // RabbitMQ: the queue's exchange.
    std::string const name = group.topic + ".DLT";
    bool const exists = std::any_of(config.topics.begin(), config.topics.end(), [&](auto const& t) { return t.name == name; });
    if (exists) continue;
    TopicConfig topic = config.topics[topic_index(config, group.topic)];
    topic.name = name;
    topic.replication_factor = std::min(3, config.brokers.count);
    topic.min_insync_replicas = 1;
    config.topics.push_back(topic);
  }
  return config;
}

World::World(WorldConfig const& scenario_config, std::uint64_t seed, Time production_end)
    : config_(with_dead_letter_topics(scenario_config)), network_(config_.network, seed) {
  WorldConfig const& config = config_;
  std::size_t const messages = expected_messages(config, production_end);
  truth_.messages.reserve(messages);
  controller_ = std::make_unique<Controller>(config, initial_layout(config), seed, truth_);
  std::size_t producer_instances = 0;
  for (ProducerConfig const& producer : config.producers) producer_instances += static_cast<std::size_t>(producer.instances);
  std::vector<std::size_t> const records = expected_records(config, *controller_, messages, production_end);
  for (int b = 0; b < config.brokers.count; ++b) {
    std::optional<std::string> zone;
    if (!config.brokers.zones.empty()) zone = config.brokers.zones[static_cast<std::size_t>(b)];
    NodeId const id = network_.add_node("broker-" + std::to_string(b), NodeKind::broker, zone_index(config, zone));
    BROKERSIM_ASSERT(id == static_cast<NodeId>(b));
    brokers_.push_back(std::make_unique<Broker>(b, config, *controller_, truth_, producer_instances));
    brokers_.back()->reserve_logs(records);
  }
  for (ProducerConfig const& producer : config.producers) {
    if (publishes_to_rabbitmq(producer)) continue;  // add_rabbitmq
    std::uint32_t const topic = topic_index(config, producer.topic);
    ProducerTarget const target{controller_->layout().first_partition[topic], config.topics[topic].partitions};
    for (int instance = 0; instance < producer.instances; ++instance) {
      auto const truth_index = static_cast<std::uint32_t>(truth_.producer_instances.size());
      std::string name = producer.name + "-" + std::to_string(instance);
      truth_.producer_instances.push_back(name);
      NodeId const id = network_.add_node(std::move(name), NodeKind::producer, zone_index(config, producer.zone));
      producers_.push_back(std::make_unique<ProducerInstance>(id, producer, instance, truth_index, target, seed,
                                                              production_end, *controller_, truth_));
    }
  }
  truth_.tracks_timestamps = std::any_of(config.consumer_groups.begin(), config.consumer_groups.end(), [](auto const& g) {
    return g.emits_topic.has_value() || g.order_by == OrderBy::timestamp;
  });
  if (truth_.tracks_timestamps) {
    truth_.timestamps.reserve(messages);
    truth_.causes.reserve(messages);
  }
  add_consumer_groups(seed);
  add_services(seed);
  emitter_of_node_.assign(network_.node_count(), nullptr);
  companions_of_node_.assign(network_.node_count(), {});
  for (std::size_t g = 0; g < config.consumer_groups.size(); ++g) {
    if (!config.consumer_groups[g].emits_topic || config.consumer_groups[g].queue) continue;
    auto const first = static_cast<std::uint32_t>(truth_.producer_instances.size());
    for (int instance = 0; instance < config.consumer_groups[g].instances_created(); ++instance) {
      add_emitter(config.consumer_groups[g], instance, seed, production_end);
    }
    auto const last = static_cast<std::uint32_t>(truth_.producer_instances.size() - 1);
    for (int instance = 0; instance < config.consumer_groups[g].instances_created(); ++instance) {
      NodeId const consumer = nodes_named(config.consumer_groups[g].name + "-" + std::to_string(instance)).front();
      for (auto& node : consumers_) {
        if (node->id() == consumer) node->set_emitter(emitter_of_node_[consumer], first, last);
      }
    }
  }
  add_dead_letter_producers(seed, production_end);
  add_controllers();
  add_rabbitmq(seed, production_end);
  BROKERSIM_ASSERT(network_.node_count() == node_count(config));
}

// Dedicated controller nodes come last, so that adding them moves no other node's id.
void World::add_controllers() {
  if (config_.controllers.placement != ControllerPlacement::dedicated) return;
  for (int c = 0; c < config_.controllers.count; ++c) {
    std::optional<std::string> zone;
    if (!config_.controllers.zones.empty()) zone = config_.controllers.zones[static_cast<std::size_t>(c)];
    NodeId const id = network_.add_node("controller-" + std::to_string(c), NodeKind::controller, zone_index(config_, zone));
    controller_nodes_.push_back(std::make_unique<ControllerNode>(id));
  }
}

void World::add_services(std::uint64_t seed) {
  for (ServiceConfig const& service : config_.services) {
    ServiceTruth service_truth;
    service_truth.name = service.name;
    service_truth.capacity_per_s = service.capacity_per_s;
    truth_.services.push_back(std::move(service_truth));
  }
  for (std::size_t i = 0; i < config_.services.size(); ++i) {
    NodeId const id = network_.add_node(config_.services[i].name, NodeKind::service, zone_index(config_, config_.services[i].zone));
    services_.push_back(std::make_unique<ServiceNode>(id, config_.services[i], seed, truth_.services[i]));
  }
  for (auto& consumer : consumers_) {
    auto const& calls = consumer->coordinator().config().calls;
    if (calls) consumer->set_service(nodes_named(*calls).front());
  }
}

void World::add_dead_letter_producers(std::uint64_t seed, Time production_end) {
  replayers_.assign(config_.consumer_groups.size(), nullptr);
  for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
    ConsumerGroupConfig const& group = config_.consumer_groups[g];
    if (group.on_failure.then != AfterFailure::dead_letter || group.queue) continue;
    // The operator's replay tool: a plain producer (acks=all) that republishes dead letters to the source.
    ProducerConfig config;
    config.name = group.name + "-replayer";
    config.topic = group.topic;
    config.messages = 0;
    config.idempotent = false;
    emitter_configs_.push_back(std::move(config));
    auto const truth_index = static_cast<std::uint32_t>(truth_.producer_instances.size());
    truth_.producer_instances.push_back(group.name + ".replayer");
    std::uint32_t const topic = topic_index(config_, group.topic);
    ProducerTarget const target{controller_->layout().first_partition[topic], config_.topics[topic].partitions};
    NodeId const id = network_.add_node(group.name + ".replayer", NodeKind::producer, zone_index(config_, group.zone));
    emitters_.push_back(std::make_unique<ProducerInstance>(id, emitter_configs_.back(), 0, truth_index, target, seed,
                                                           production_end, *controller_, truth_));
    replayers_[g] = emitters_.back().get();
    for (int instance = 0; instance < group.instances_created(); ++instance) {
      ProducerInstance* producer = add_embedded_producer(group, instance, group.topic + ".DLT", ".dlt-producer", seed, production_end);
      NodeId const consumer = nodes_named(group.name + "-" + std::to_string(instance)).front();
      for (auto& node : consumers_) {
        if (node->id() == consumer) node->set_dead_letter_producer(producer);
      }
    }
  }
}

std::size_t World::group_index(std::string const& name) const {
  for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
    if (config_.consumer_groups[g].name == name) return g;
  }
  return SIZE_MAX;
}

ServiceNode* World::service_named(std::string const& name) {
  for (auto& service : services_) {
    if (network_.name(service->id()) == name) return service.get();
  }
  return nullptr;
}

ProducerInstance* World::producer_node(NodeId node) {
  for (auto& producer : producers_) {
    if (producer->id() == node) return producer.get();
  }
  return nullptr;
}

SendingApplication* World::sender_node(NodeId node) {
  if (ProducerInstance* producer = producer_node(node)) return producer;
  for (auto& publisher : rabbit_publishers_) {
    if (publisher->id() == node) return publisher.get();
  }
  return nullptr;
}

ConsumerInstance* World::consumer_node(NodeId node) {
  for (auto& consumer : consumers_) {
    if (consumer->id() == node) return consumer.get();
  }
  return nullptr;
}

bool World::set_processing_slowdown(NodeId node, double factor) {
  if (ConsumerInstance* consumer = consumer_node(node)) {
    consumer->set_slowdown(factor);
    return true;
  }
  for (auto& consumer : rabbit_consumers_) {
    if (consumer->id() != node) continue;
    consumer->set_slowdown(factor);
    return true;
  }
  return false;
}

void World::add_emitter(ConsumerGroupConfig const& group, int instance, std::uint64_t seed, Time production_end) {
  ProducerInstance* emitter = add_embedded_producer(group, instance, *group.emits_topic, ".producer", seed, production_end);
  NodeId const consumer = nodes_named(group.name + "-" + std::to_string(instance)).front();
  emitter_of_node_.resize(network_.node_count(), nullptr);
  emitter_of_node_[consumer] = emitter;
}

// A producer inside consumer instance `instance` of `group`, writing to `topic_name`: it shares the
// instance's fate and clock, and its messages are named after the instance.
ProducerInstance* World::add_embedded_producer(ConsumerGroupConfig const& group, int instance, std::string const& topic_name,
                                               std::string const& suffix, std::uint64_t seed, Time production_end) {
  ProducerConfig config;
  config.name = group.name + suffix;
  config.topic = topic_name;
  config.messages = 0;  // No arrivals of its own: it sends what its consumer hands it.
  config.timestamps = group.timestamps;
  config.zone = group.zone;
  emitter_configs_.push_back(std::move(config));
  std::string const consumer_name = group.name + "-" + std::to_string(instance);
  auto const truth_index = static_cast<std::uint32_t>(truth_.producer_instances.size());
  truth_.producer_instances.push_back(consumer_name);
  std::uint32_t const topic = topic_index(config_, topic_name);
  ProducerTarget const target{controller_->layout().first_partition[topic], config_.topics[topic].partitions};
  NodeId const id = network_.add_node(consumer_name + suffix, NodeKind::producer, zone_index(config_, group.zone));
  emitters_.push_back(std::make_unique<ProducerInstance>(id, emitter_configs_.back(), instance, truth_index, target, seed,
                                                         production_end, *controller_, truth_));
  NodeId const consumer = nodes_named(consumer_name).front();
  companions_of_node_.resize(network_.node_count());
  companions_of_node_[consumer].push_back(emitters_.back().get());
  for (auto& node : consumers_) {
    if (node->id() == consumer) emitters_.back()->read_clock_of(*node);
  }
  for (auto& node : rabbit_consumers_) {
    if (node->id() == consumer) emitters_.back()->read_clock_of(*node);
  }
  return emitters_.back().get();
}

void World::add_consumer_groups(std::uint64_t seed) {
  std::vector<Broker const*> brokers;
  for (auto const& broker : brokers_) brokers.push_back(broker.get());
  cluster_view_ = std::make_unique<ControllerClusterView>(*controller_, std::move(brokers));
  for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
    ConsumerGroupConfig const& group = config_.consumer_groups[g];
    if (group.queue) {
      // A RabbitMQ group: its instances come with the cluster (add_rabbitmq); no Kafka coordinator.
      GroupTruth group_truth;
      group_truth.name = group.name;
      group_truth.queue = static_cast<std::int32_t>(rabbitmq_queue_index(group));
      group_truth.reserve(truth_.messages.capacity());
      truth_.groups.push_back(std::move(group_truth));
      coordinators_.push_back(nullptr);
      continue;
    }
    std::uint32_t const topic = topic_index(config_, group.topic);
    GroupTruth group_truth;
    group_truth.name = group.name;
    group_truth.topic = topic;
    group_truth.reserve(truth_.messages.capacity());
    truth_.groups.push_back(std::move(group_truth));
    coordinators_.push_back(std::make_unique<GroupCoordinator>(
        group, static_cast<std::uint32_t>(g), controller_->layout().first_partition[topic], config_.topics[topic].partitions,
        *cluster_view_, network_, truth_));
    for (int instance = 0; instance < group.instances_created(); ++instance) {
      NodeId const id = network_.add_node(group.name + "-" + std::to_string(instance), NodeKind::consumer,
                                          zone_index(config_, group.zone));
      consumers_.push_back(std::make_unique<ConsumerInstance>(id, instance, seed, *coordinators_.back(), *cluster_view_, truth_));
    }
  }
  group_of_node_.assign(network_.node_count(), UINT32_MAX);
  for (auto const& consumer : consumers_) {
    std::string const& group_name = consumer->coordinator().config().name;
    for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
      if (config_.consumer_groups[g].name == group_name) group_of_node_[consumer->id()] = static_cast<std::uint32_t>(g);
    }
  }
}

void World::GroupRouter::on_group_message(sim::Simulation& simulation, Envelope const& envelope, int broker) {
  std::uint32_t const group = envelope.from < world_.group_of_node_.size() ? world_.group_of_node_[envelope.from] : UINT32_MAX;
  if (group == UINT32_MAX) return;
  world_.coordinators_[group]->on_group_message(simulation, envelope, broker);
}

std::size_t World::rabbitmq_queue_index(ConsumerGroupConfig const& group) const {
  auto const& queues = config_.rabbitmq.queues;
  for (std::size_t q = 0; q < queues.size(); ++q) {
    if (queues[q].name == *group.queue) return q;
  }
  BROKERSIM_ASSERT(false);  // The loader checked the name.
  return 0;
}

// RabbitMQ: its nodes, then its publishers and consumers, after every other node (a scenario without
// RabbitMQ numbers its nodes as before).
void World::add_rabbitmq(std::uint64_t seed, Time production_end) {
  rabbitmq::RabbitConfig const& rabbit = config_.rabbitmq;
  if (!rabbit.present()) return;
  // Every routing key a publish may carry: the producers' keys, the queue names publishes to a queue go
  // to through the default exchange, and the dead-letter routing keys.
  std::vector<std::string> keys;
  auto const key_index = [&](std::string const& key) {
    auto const found = std::find(keys.begin(), keys.end(), key);
    if (found != keys.end()) return static_cast<rabbitmq::RoutingKeyIndex>(found - keys.begin());
    keys.push_back(key);
    return static_cast<rabbitmq::RoutingKeyIndex>(keys.size() - 1);
  };
  std::vector<rabbitmq::PublishTarget> targets(config_.producers.size());
  for (std::size_t p = 0; p < config_.producers.size(); ++p) {
    ProducerConfig const& producer = config_.producers[p];
    if (!publishes_to_rabbitmq(producer)) continue;
    if (producer.queue) {
      targets[p].routing_keys.push_back(key_index(*producer.queue));
    } else if (producer.routing_keys.empty()) {
      targets[p].routing_keys.push_back(key_index(""));
    } else {
      for (std::string const& key : producer.routing_keys) targets[p].routing_keys.push_back(key_index(key));
    }
  }
  for (rabbitmq::RabbitQueueConfig const& queue : rabbit.queues) {
    if (queue.dead_letter_routing_key) key_index(*queue.dead_letter_routing_key);
  }
  rabbit_ = std::make_unique<rabbitmq::RabbitCluster>(rabbit, keys);
  for (rabbitmq::RabbitQueueConfig const& queue : rabbit.queues) truth_.queues.emplace_back().name = queue.name;
  std::vector<std::uint32_t> group_of_queue(rabbit.queues.size(), UINT32_MAX);
  for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
    if (config_.consumer_groups[g].queue) group_of_queue[rabbitmq_queue_index(config_.consumer_groups[g])] = static_cast<std::uint32_t>(g);
  }
  rabbit_->set_group_of_queue(std::move(group_of_queue));
  for (int n = 0; n < rabbit.nodes; ++n) {
    std::optional<std::string> zone;
    if (!rabbit.zones.empty()) zone = rabbit.zones[static_cast<std::size_t>(n)];
    NodeId const id = network_.add_node("rabbit-" + std::to_string(n), NodeKind::rabbit, zone_index(config_, zone));
    rabbit_->set_node(n, id);
    rabbit_nodes_.push_back(std::make_unique<rabbitmq::RabbitNode>(id, n, *rabbit_, truth_, seed));
  }
  for (std::size_t p = 0; p < config_.producers.size(); ++p) {
    ProducerConfig const& producer = config_.producers[p];
    if (!publishes_to_rabbitmq(producer)) continue;
    targets[p].exchange = producer.exchange ? *rabbit_->routing().find_exchange(*producer.exchange) : rabbit_->routing().default_exchange();
    for (int instance = 0; instance < producer.instances; ++instance) {
      auto const truth_index = static_cast<std::uint32_t>(truth_.producer_instances.size());
      std::string name = producer.name + "-" + std::to_string(instance);
      truth_.producer_instances.push_back(name);
      NodeId const id = network_.add_node(std::move(name), NodeKind::producer, zone_index(config_, producer.zone));
      rabbit_publishers_.push_back(std::make_unique<rabbitmq::RabbitPublisher>(id, producer, instance, truth_index, targets[p], seed,
                                                                              production_end, *rabbit_, truth_));
    }
  }
  queue_dedup_.resize(config_.consumer_groups.size());
  for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
    ConsumerGroupConfig const& group = config_.consumer_groups[g];
    if (!group.queue) continue;
    auto const queue = static_cast<rabbitmq::QueueIndex>(rabbitmq_queue_index(group));
    for (int instance = 0; instance < group.instances_created(); ++instance) {
      NodeId const id = network_.add_node(group.name + "-" + std::to_string(instance), NodeKind::consumer, zone_index(config_, group.zone));
      rabbit_consumers_.push_back(std::make_unique<rabbitmq::RabbitConsumer>(id, group, static_cast<std::uint32_t>(g), queue, instance,
                                                                             seed, *rabbit_, truth_, queue_dedup_[g]));
      rabbit_consumer_group_.push_back(static_cast<std::uint32_t>(g));
      if (group.calls) rabbit_consumers_.back()->set_service(nodes_named(*group.calls).front());
    }
  }
  // The producers embedded in queue groups' instances for their `emits` (a Kafka topic), after every
  // other RabbitMQ node.
  for (std::size_t g = 0; g < config_.consumer_groups.size(); ++g) {
    ConsumerGroupConfig const& group = config_.consumer_groups[g];
    if (!group.queue || !group.emits_topic) continue;
    auto const first = static_cast<std::uint32_t>(truth_.producer_instances.size());
    std::vector<ProducerInstance*> emitters;
    for (int instance = 0; instance < group.instances_created(); ++instance) {
      emitters.push_back(add_embedded_producer(group, instance, *group.emits_topic, ".producer", seed, production_end));
    }
    auto const last = static_cast<std::uint32_t>(truth_.producer_instances.size() - 1);
    for (std::size_t c = 0; c < rabbit_consumers_.size(); ++c) {
      if (rabbit_consumer_group_[c] != g) continue;
      rabbitmq::RabbitConsumer& consumer = *rabbit_consumers_[c];
      ProducerInstance* emitter = emitters[static_cast<std::size_t>(consumer.instance())];
      consumer.set_emitter(emitter, first, last);
      consumer.add_companion(emitter);
    }
  }
  if (truth_.routing_keys.capacity() < truth_.messages.capacity()) truth_.routing_keys.reserve(truth_.messages.capacity());
  if (truth_.header_sets.capacity() < truth_.messages.capacity()) truth_.header_sets.reserve(truth_.messages.capacity());
}

World::~World() = default;

std::size_t node_count(WorldConfig const& config) {
  auto count = static_cast<std::size_t>(config.brokers.count) + config.services.size();
  count += static_cast<std::size_t>(config.rabbitmq.nodes);
  if (config.controllers.placement == ControllerPlacement::dedicated) count += static_cast<std::size_t>(config.controllers.count);
  for (ProducerConfig const& producer : config.producers) count += static_cast<std::size_t>(producer.instances);
  for (ConsumerGroupConfig const& group : config.consumer_groups) {
    auto const instances = static_cast<std::size_t>(group.instances_created());
    count += instances;                                                   // The consumers.
    if (group.emits_topic) count += instances;                            // Their emitters (add_emitter, add_rabbitmq).
    if (group.queue) continue;                                            // RabbitMQ: none of the below.
    if (group.on_failure.then == AfterFailure::dead_letter) count += 1 + instances;  // Replayer, DLT producers.
  }
  return count;
}

void World::start(sim::Simulation& simulation) {
  std::vector<Broker*> brokers;
  for (auto& broker : brokers_) {
    broker->attach(simulation, network_);
    brokers.push_back(broker.get());
  }
  for (auto& producer : producers_) producer->attach(simulation, network_);
  for (auto& consumer : consumers_) consumer->attach(simulation, network_);
  for (auto& service : services_) service->attach(simulation, network_);
  for (auto& emitter : emitters_) emitter->attach(simulation, network_);
  std::vector<Node const*> voters;
  for (auto& node : controller_nodes_) {
    node->attach(simulation, network_);
    voters.push_back(node.get());
  }
  for (auto& node : rabbit_nodes_) node->attach(simulation, network_);
  for (auto& publisher : rabbit_publishers_) publisher->attach(simulation, network_);
  for (auto& consumer : rabbit_consumers_) consumer->attach(simulation, network_);
  network_.finish_setup();
  controller_->attach(simulation, std::move(brokers), std::move(voters), network_);
  for (auto& broker : brokers_) {
    broker->set_group_sink(&router_);
    broker->start(simulation);
  }
  for (auto& coordinator : coordinators_) {
    if (coordinator) coordinator->start(simulation);
  }
  for (auto& producer : producers_) producer->start(simulation);
  for (auto& node : rabbit_nodes_) node->start(simulation);
  for (std::size_t c = 0; c < rabbit_consumers_.size(); ++c) {
    rabbitmq::RabbitConsumer& consumer = *rabbit_consumers_[c];
    if (consumer.instance() < config_.consumer_groups[rabbit_consumer_group_[c]].instances) {
      consumer.start(simulation);
      continue;
    }
    // Beyond the deployed count: a process that a scale fault may start later.
    consumer.set_deployed(false);
    consumer.crash(simulation);
    if (consumer.id() >= companions_of_node_.size()) continue;
    for (ProducerInstance* companion : companions_of_node_[consumer.id()]) companion->crash(simulation);
  }
  for (auto& publisher : rabbit_publishers_) publisher->start(simulation);
  for (auto& consumer : consumers_) {
    if (consumer->instance() < consumer->coordinator().config().instances) {
      consumer->start(simulation);
      continue;
    }
    // Beyond the deployed count: a process that a scale fault may start later.
    consumer->set_deployed(false);
    consumer->crash(simulation);
    for (ProducerInstance* companion : companions_of_node_[consumer->id()]) companion->crash(simulation);
  }
}

void World::scale(sim::Simulation& simulation, std::size_t group, int instances) {
  if (!coordinators_[group]) {
    // A group reading a RabbitMQ queue: no coordinator; its instances start consuming or stop.
    for (std::size_t c = 0; c < rabbit_consumers_.size(); ++c) {
      if (rabbit_consumer_group_[c] != group) continue;
      rabbitmq::RabbitConsumer& consumer = *rabbit_consumers_[c];
      if (consumer.instance() >= instances) {
        consumer.retire(simulation);
      } else if (!consumer.deployed()) {
        consumer.set_deployed(true);
        restart(simulation, consumer.id());  // A process still stopping restarts itself once it has stopped.
      }
    }
    return;
  }
  coordinators_[group]->set_expected_members(instances);
  for (auto& consumer : consumers_) {
    if (group_of_node_[consumer->id()] != group) continue;
    if (consumer->instance() >= instances) {
      consumer->retire(simulation);
    } else if (!consumer->deployed()) {
      consumer->set_deployed(true);
      restart(simulation, consumer->id());  // A process still closing restarts itself once it has stopped.
    }
  }
}

int World::deployed_instances(std::size_t group) const {
  int count = 0;
  for (auto const& consumer : consumers_) {
    if (group_of_node_[consumer->id()] == group && consumer->deployed()) ++count;
  }
  for (std::size_t c = 0; c < rabbit_consumers_.size(); ++c) {
    if (rabbit_consumer_group_[c] == group && rabbit_consumers_[c]->deployed()) ++count;
  }
  return count;
}

bool World::settled(Time now) const {
  for (auto const& coordinator : coordinators_) {
    if (coordinator && coordinator->retries_pending() > 0) return false;
  }
  for (auto const& publisher : rabbit_publishers_) {
    if (publisher->alive() && !publisher->idle(now)) return false;
  }
  for (auto const& consumer : rabbit_consumers_) {
    if (consumer->alive() && consumer->holds_deliveries()) return false;
  }
  for (rabbitmq::QueueIndex q = 0; q < config_.rabbitmq.queues.size(); ++q) {
    bool served = false;
    for (auto const& node : rabbit_nodes_) {
      if (node->depth(q) > 0) return false;
      served = served || node->serves(q);
    }
    // A quorum queue between leaders: an election may bring its messages back.
    if (served) continue;
    for (auto const& node : rabbit_nodes_) {
      if (node->holds_unserved(q)) return false;
    }
  }
  // A record polled and not yet processed is not done, whatever was committed (commit before processing
  // commits a batch before it is processed).
  for (auto const& consumer : consumers_) {
    if (consumer->alive() && consumer->holds_records()) return false;
  }
  if (network_.publishes_in_flight() > 0) return false;
  for (auto const& producer : producers_) {
    if (producer->alive() && !producer->idle(now)) return false;
  }
  for (auto const& emitter : emitters_) {
    if (emitter->alive() && !emitter->idle(now)) return false;
  }
  for (std::uint32_t p = 0; p < controller_->partition_count(); ++p) {
    PartitionState const& state = controller_->partition(p);
    if (state.leader == kNoLeader) return false;
    Replica const* leader = brokers_[static_cast<std::size_t>(state.leader)]->replica(p);
    if (leader == nullptr || !leader->leader || leader->high_watermark != leader->log_end()) return false;
    for (std::size_t g = 0; g < truth_.groups.size(); ++g) {
      // Committed past the log end (after a truncation) is not settled either: the group will reset.
      if (coordinators_[g] && truth_.groups[g].topic == state.topic && coordinators_[g]->committed(p) != leader->log_end()) return false;
    }
  }
  return true;
}

namespace {

// The replica whose log is the partition's at the end of the run: the leader's, or while the partition
// is offline the longest live replica's (the one an election would most likely pick).
int authoritative_broker(Controller const& controller, std::vector<std::unique_ptr<Broker>> const& brokers, std::uint32_t partition) {
  PartitionState const& state = controller.partition(partition);
  if (state.leader != kNoLeader) return state.leader;
  int best = -1;
  std::int64_t best_end = -1;
  for (int broker : state.replicas) {
    Broker const& candidate = *brokers[static_cast<std::size_t>(broker)];
    std::int64_t const end = candidate.log_end(partition);
    if (candidate.alive() && end > best_end) {
      best = broker;
      best_end = end;
    }
  }
  return best >= 0 ? best : state.replicas.front();
}

}  // namespace

void World::record_end_state() {
  FinalLogs& logs = truth_.final_logs;
  BROKERSIM_ASSERT(!logs.recorded);
  logs.recorded = true;
  logs.offset_of.assign(truth_.messages.size(), -1);
  for (std::uint32_t p = 0; p < controller_->partition_count(); ++p) {
    int const broker = authoritative_broker(*controller_, brokers_, p);
    logs.authority.push_back(broker);
    Replica const* replica = brokers_[static_cast<std::size_t>(broker)]->replica(p);
    if (replica == nullptr) continue;
    BROKERSIM_ASSERT(replica->log.size() < static_cast<std::size_t>(INT32_MAX));
    for (std::size_t offset = 0; offset < replica->log.size(); ++offset) {
      std::uint32_t const message = replica->log[offset];
      if (logs.offset_of[message] >= 0) {
        ++logs.log_duplicates;  // The first copy keeps the message's offset.
        continue;
      }
      logs.offset_of[message] = static_cast<std::int32_t>(offset);
    }
  }
  for (std::size_t g = 0; g < coordinators_.size(); ++g) {
    if (!coordinators_[g]) continue;
    GroupCoordinator& coordinator = *coordinators_[g];
    coordinator.observe_lag();
    GroupTruth& group = truth_.groups[g];
    group.committed_at_end.clear();
    for (int p = 0; p < coordinator.partitions(); ++p) {
      group.committed_at_end.push_back(coordinator.committed(coordinator.first_partition() + static_cast<std::uint32_t>(p)));
    }
    for (std::uint32_t message : coordinator.pending_retry_messages()) group.set(message, GroupTruth::kRetryAtEnd);
  }
  for (auto const& consumer : consumers_) {
    if (!consumer->alive()) continue;  // What a crashed process held is gone with it.
    GroupTruth& group = truth_.groups[group_of_node_[consumer->id()]];
    for (std::uint32_t message : consumer->records_in_hand()) group.set(message, GroupTruth::kInHandAtEnd);
  }
  // RabbitMQ: what each queue holds on the node that serves it (a classic queue whose node is down: on
  // its disk; a quorum queue without a leader: in the log of the member a new leader would come from),
  // and what live consumers hold.
  for (rabbitmq::QueueIndex q = 0; q < config_.rabbitmq.queues.size(); ++q) {
    std::uint32_t const group = rabbit_->group_of(q);
    if (group == UINT32_MAX) continue;
    bool served = false;
    for (auto const& node : rabbit_nodes_) {
      served = served || node->serves(q);
      for (std::uint32_t message : node->held(q)) truth_.groups[group].set(message, GroupTruth::kStoredAtEnd);
    }
    if (served || config_.rabbitmq.queues[q].type != rabbitmq::QueueKind::quorum) continue;
    rabbitmq::RabbitNode const* most_up_to_date = nullptr;
    for (auto const& node : rabbit_nodes_) {
      if (!rabbit_->hosts(node->index(), q)) continue;
      if (most_up_to_date == nullptr || node->log_position(q) > most_up_to_date->log_position(q)) most_up_to_date = node.get();
    }
    for (std::uint32_t message : most_up_to_date->held_in_log(q)) truth_.groups[group].set(message, GroupTruth::kStoredAtEnd);
  }
  for (std::size_t c = 0; c < rabbit_consumers_.size(); ++c) {
    if (!rabbit_consumers_[c]->alive()) continue;
    GroupTruth& group = truth_.groups[rabbit_consumer_group_[c]];
    for (std::uint32_t message : rabbit_consumers_[c]->in_hand()) group.set(message, GroupTruth::kInHandAtEnd);
  }
}

std::string World::partition_name(std::uint32_t partition) const {
  return model::partition_name(config_, controller_->partition(partition));
}

std::string World::message_name(std::uint32_t message) const {
  // The instance's n-th send, from 0: its sends before this one (names are few, so counting beats
  // keeping 4 bytes a message).
  auto const producer = truth_.messages[message].producer;
  auto const before = std::count_if(truth_.messages.begin(), truth_.messages.begin() + message,
                                    [&](MessageRecord const& earlier) { return earlier.producer == producer; });
  return truth_.producer_instances[producer] + "#" + std::to_string(before);
}

std::vector<NodeId> World::nodes_named(std::string const& name) const {
  std::vector<NodeId> nodes;
  auto const zone = zone_index(config_, name);
  for (NodeId id = 0; id < network_.node_count(); ++id) {
    std::string const& node_name = network_.name(id);
    bool const instance_of = node_name.size() > name.size() + 1 && node_name.compare(0, name.size(), name) == 0 &&
                             node_name[name.size()] == '-' &&
                             node_name.find_first_not_of("0123456789", name.size() + 1) == std::string::npos &&
                             network_.kind(id) != NodeKind::broker && network_.kind(id) != NodeKind::controller &&
                             network_.kind(id) != NodeKind::rabbit;
    bool const all_of_kind = (name == "brokers" && network_.kind(id) == NodeKind::broker) ||
                             (name == "controllers" && network_.kind(id) == NodeKind::controller);
    if (node_name == name || instance_of || all_of_kind || (zone >= 0 && network_.zone(id) == zone)) nodes.push_back(id);
  }
  return nodes;
}

void World::crash(sim::Simulation& simulation, NodeId node, bool lose_unflushed) {
  Node& target = network_.node(node);
  if (!target.alive()) return;
  if (node < companions_of_node_.size()) {
    for (ProducerInstance* companion : companions_of_node_[node]) companion->crash(simulation);
  }
  if (target.kind() == NodeKind::rabbit && lose_unflushed) {
    rabbit_nodes_[static_cast<std::size_t>(rabbit_->index_of(node))]->lose_unwritten_on_crash();
    rabbit_power_lost_.push_back(node);
  }
  if (target.kind() == NodeKind::broker) {
    for (auto& coordinator : coordinators_) {
      if (coordinator) coordinator->observe_lag();  // Its log may shrink after failover.
    }
    Broker& broker = *brokers_[node];
    if (lose_unflushed) broker.crash_losing_unflushed(simulation);
    else broker.crash(simulation);
    controller_->on_broker_crashed(simulation, broker.index());
    for (auto& coordinator : coordinators_) {
      if (coordinator) coordinator->on_broker_crashed(simulation, broker.index());
    }
  } else {
    target.crash(simulation);
    if (target.kind() == NodeKind::controller) controller_->on_voter_changed(simulation);
  }
  // A process crash on a running host resets its TCP connections at once; a power loss does not, and
  // its peers find out by timeouts.
  if (!lose_unflushed) network_.reset_connections(simulation, node);
}

bool World::restart(sim::Simulation& simulation, NodeId node) {
  Node& target = network_.node(node);
  if (target.alive()) return false;
  if (ConsumerInstance const* consumer = consumer_node(node); consumer != nullptr && !consumer->deployed()) return false;
  for (auto const& consumer : rabbit_consumers_) {
    if (consumer->id() == node && !consumer->deployed()) return false;
  }
  target.restart(simulation);
  if (node < companions_of_node_.size()) {
    for (ProducerInstance* companion : companions_of_node_[node]) companion->restart(simulation);
  }
  if (target.kind() == NodeKind::broker) controller_->on_broker_restarted(simulation, static_cast<int>(node));
  if (target.kind() == NodeKind::controller) controller_->on_voter_changed(simulation);
  // A RabbitMQ node back from a power loss: its clients' connections to it died with the host, and the
  // first frame they send (a heartbeat, a publish, an ack) is answered with a reset, so they reconnect.
  // Simplified: they learn at the restart. (Without it a client whose heartbeats the new process answers
  // never noticed, and a consumer waited for deliveries on a channel the node had forgotten.)
  if (auto const lost = std::find(rabbit_power_lost_.begin(), rabbit_power_lost_.end(), node); lost != rabbit_power_lost_.end()) {
    rabbit_power_lost_.erase(lost);
    network_.reset_connections(simulation, node);
  }
  return true;
}

void World::pause(sim::Simulation& simulation, NodeId node, Time duration) {
  Node& target = network_.node(node);
  if (!target.alive()) return;
  target.pause(simulation, duration);
  if (node < companions_of_node_.size()) {
    for (ProducerInstance* companion : companions_of_node_[node]) companion->pause(simulation, duration);
  }
  if (target.kind() == NodeKind::broker) controller_->on_broker_paused(simulation, static_cast<int>(node), duration);
  if (target.kind() == NodeKind::controller) controller_->on_voter_paused(simulation, duration);
}

}  // namespace brokersim::model
