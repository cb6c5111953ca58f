// The simulated system built from its configuration: the network, the controller, every broker and
// client instance, registered with one Simulation, and the ground truth they record.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "model/app/service.h"
#include "model/core/network.h"
#include "model/kafka/broker.h"
#include "model/kafka/consumer.h"
#include "model/kafka/controller.h"
#include "model/kafka/group_coordinator.h"
#include "model/kafka/producer.h"
#include "model/rabbitmq/cluster.h"
#include "model/rabbitmq/consumer.h"
#include "model/rabbitmq/node.h"
#include "model/rabbitmq/publisher.h"
#include "model/truth/truth.h"
#include "model/world/config.h"
#include "sim/simulation.h"

namespace brokersim::model {

// Owns the model. Node ids: brokers first (broker-i is node i), then producer instances, then consumer
// instances (each group's instances_created()), then services, each in scenario order; then the producers
// embedded in consumer instances and the controllers; RabbitMQ's nodes, publishers, consumers and the
// producers embedded in them come last, so a scenario without RabbitMQ numbers its nodes as before. The
// configuration must outlive the World.
class World {
 public:
  World(WorldConfig const& config, std::uint64_t seed, Time production_end);
  World(World const&) = delete;
  World(World&&) = delete;
  World& operator=(World const&) = delete;
  ~World();

  // Registers every actor and schedules its first events.
  void start(sim::Simulation& simulation);

  // Nothing more can happen without a fault: producers are done, every partition has a leader whose
  // followers in the ISR hold its whole log, and every group has committed the end of its partitions.
  bool settled(Time now) const;

  // Writes what the run left behind into the ground truth (GroundTruth::final_logs, each group's
  // committed offsets, the records in consumers' hands or in retry topics): called once, when the run
  // stops, so that the checks read only recorded truth.
  void record_end_state();

  GroundTruth const& truth() const { return truth_; }
  WorldConfig const& config() const { return config_; }
  Network& network() { return network_; }
  Network const& network() const { return network_; }
  Controller& controller() { return *controller_; }
  Controller const& controller() const { return *controller_; }
  Broker& broker(int index) { return *brokers_[static_cast<std::size_t>(index)]; }
  Broker const& broker(int index) const { return *brokers_[static_cast<std::size_t>(index)]; }
  int broker_count() const { return static_cast<int>(brokers_.size()); }

  // Group `group`'s durable committed offset of global partition `partition`.
  std::int64_t committed(std::size_t group, std::uint32_t partition) const { return coordinators_[group]->committed(partition); }

  // Fault entry points of service and processing faults.
  ServiceNode* service_named(std::string const& name);
  // The process that republishes group `group`'s dead-lettered messages (dlq_replay), or null.
  ProducerInstance* replayer(std::size_t group) { return group < replayers_.size() ? replayers_[group] : nullptr; }
  // The index of the consumer group named `name`, or SIZE_MAX.
  std::size_t group_index(std::string const& name) const;
  ProducerInstance* producer_node(NodeId node);
  // The application sending from `node` (a Kafka producer or a RabbitMQ publisher instance), or null.
  SendingApplication* sender_node(NodeId node);
  ConsumerInstance* consumer_node(NodeId node);
  // Makes consumer instance `node` (of a Kafka or a RabbitMQ group) process `factor` times slower (1: its
  // own speed again); false when `node` is no consumer instance.
  bool set_processing_slowdown(NodeId node, double factor);

  // "orders/2" for a global partition index.
  std::string partition_name(std::uint32_t partition) const;
  // "order-service-1#4711".
  std::string message_name(std::uint32_t message) const;

  // The nodes a scenario name stands for: a node's own name, "brokers", "controllers", a producer or group name (all
  // its instances), or a zone (every node in it). Empty when nothing matches.
  std::vector<NodeId> nodes_named(std::string const& name) const;
  GroundTruth& mutable_truth() { return truth_; }

  // Fault entry points, by node. Crashing a broker also tells the controller (which fails its
  // partitions over after controller_failover); pausing one tells it too (a long freeze is fenced).
  // A crash resets the node's connections (its peers' requests to it fail at once) unless it is a power
  // loss (`lose_unflushed`), after which peers wait for their timeouts.
  void crash(sim::Simulation& simulation, NodeId node, bool lose_unflushed);
  // Restarts a crashed node; false when it is running, or is a consumer instance not deployed (scale).
  bool restart(sim::Simulation& simulation, NodeId node);
  // Scale fault: group `group` runs instances 0 .. instances-1 from now; the others close and leave.
  void scale(sim::Simulation& simulation, std::size_t group, int instances);
  int deployed_instances(std::size_t group) const;
  void pause(sim::Simulation& simulation, NodeId node, Time duration);

 private:
  void add_consumer_groups(std::uint64_t seed);
  void add_emitter(ConsumerGroupConfig const& group, int instance, std::uint64_t seed, Time production_end);
  ProducerInstance* add_embedded_producer(ConsumerGroupConfig const& group, int instance, std::string const& topic,
                                          std::string const& suffix, std::uint64_t seed, Time production_end);
  void add_services(std::uint64_t seed);
  void add_dead_letter_producers(std::uint64_t seed, Time production_end);
  void add_controllers();
  void add_rabbitmq(std::uint64_t seed, Time production_end);
  std::size_t rabbitmq_queue_index(ConsumerGroupConfig const& group) const;

  WorldConfig const config_;  // The scenario's, plus the dead-letter topics the groups need.
  GroundTruth truth_;
  Network network_;
  std::unique_ptr<Controller> controller_;
  std::vector<std::unique_ptr<ControllerNode>> controller_nodes_;  // Dedicated voters; none in combined mode.
  std::vector<std::unique_ptr<Broker>> brokers_;
  std::vector<std::unique_ptr<ProducerInstance>> producers_;
  std::unique_ptr<ClusterView> cluster_view_;
  std::vector<std::unique_ptr<GroupCoordinator>> coordinators_;  // Per group; null for a RabbitMQ group.
  std::vector<std::unique_ptr<ConsumerInstance>> consumers_;
  // A consumer instance of a group with `emits` or a dead-letter topic produces through embedded
  // producers, which share its crashes and pauses.
  std::deque<ProducerConfig> emitter_configs_;
  std::vector<std::unique_ptr<ProducerInstance>> emitters_;
  std::vector<ProducerInstance*> emitter_of_node_;  // Per node: the emitter of a consumer instance, or null.
  std::vector<std::vector<ProducerInstance*>> companions_of_node_;  // Per node: its embedded producers.
  std::vector<std::unique_ptr<ServiceNode>> services_;
  std::vector<ProducerInstance*> replayers_;  // Per group: its dead-letter replayer, or null.
  std::vector<std::uint32_t> group_of_node_;  // Per node: its consumer group, or UINT32_MAX.
  // RabbitMQ, when the scenario has it.
  std::unique_ptr<rabbitmq::RabbitCluster> rabbit_;
  std::vector<std::unique_ptr<rabbitmq::RabbitNode>> rabbit_nodes_;
  std::vector<NodeId> rabbit_power_lost_;  // RabbitMQ nodes down after a power loss, whose peers still hold connections.
  std::vector<std::unique_ptr<rabbitmq::RabbitPublisher>> rabbit_publishers_;
  std::vector<std::unique_ptr<rabbitmq::RabbitConsumer>> rabbit_consumers_;
  std::vector<std::uint32_t> rabbit_consumer_group_;  // Per RabbitMQ consumer: its group.
  std::deque<MessageSet> queue_dedup_;  // Per group: a RabbitMQ group's durable dedup store (Kafka's is its coordinator's).

  // Routes group requests that reach a broker to the coordinator of the sender's group.
  class GroupRouter final : public GroupMessageSink {
   public:
    explicit GroupRouter(World& world) : world_(world) {}
    void on_group_message(sim::Simulation& simulation, Envelope const& envelope, int broker) override;

   private:
    World& world_;
  };
  GroupRouter router_{*this};
};

// How many network nodes World(config) creates: brokers, producer instances, consumer instances (up to
// the most a scale fault asks for), services, and the producers embedded in consumer instances (emits,
// dead letters) with each dead-lettering group's replayer. The loader checks it against kNodesMax; every
// new kind of node must be counted here.
std::size_t node_count(WorldConfig const& config);

// Whether a producer publishes to RabbitMQ (an exchange, or a queue through the default exchange).
bool publishes_to_rabbitmq(ProducerConfig const& producer);

// Index of the topic named `name` in `config.topics`; the loader guarantees it exists.
std::uint32_t topic_index(WorldConfig const& config, std::string const& name);

}  // namespace brokersim::model
