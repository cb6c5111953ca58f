// A RabbitMQ consumer instance `X-i` of group X (competing consumers on the group's queue), as Spring
// AMQP's SimpleMessageListenerContainer runs one: a channel with basic.qos(prefetch) and basic.consume on
// the queue, deliveries buffered as they are pushed, and the listener (the application pipeline) run on
// them one at a time. With `commit` after_processing (Spring's AUTO acknowledge mode) a delivery is acked
// once processed; before_processing acks it on receipt; auto is autoAck (the broker forgets it once sent).
// A failure policy's end maps onto the broker: dead-letter is a reject without requeue, requeue a nack
// with requeue, skip an ack. A `scale` fault starts instances later or stops them as Spring's container
// stop does (see retire()).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/app/config.h"
#include "model/app/message_set.h"
#include "model/app/pipeline.h"
#include "model/core/node.h"
#include "model/rabbitmq/cluster.h"
#include "model/truth/truth.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model::rabbitmq {

class RabbitConsumer : public Node, private PipelineHost {
 public:
  // `group` indexes WorldConfig::consumer_groups and GroundTruth::groups; `durable_dedup` is the group's
  // dedup store (a database it shares).
  RabbitConsumer(NodeId id, ConsumerGroupConfig const& config, std::uint32_t group, QueueIndex queue, int instance,
                 std::uint64_t seed, RabbitCluster& cluster, GroundTruth& truth, MessageSet& durable_dedup);

  void start(sim::Simulation& simulation);
  std::string const& name() const { return name_; }
  void set_service(NodeId service) { pipeline_.set_service(service); }
  // The publisher of the group's follow-ups (`emits`: an embedded Kafka producer), and which producer
  // instances of the truth are the group's own.
  void set_emitter(Publisher* emitter, std::uint32_t first, std::uint32_t last) { pipeline_.set_emitter(emitter, first, last); }
  // A process inside this instance (an embedded producer) that stops and starts with it when it is
  // retired; crashes and pauses reach it through the World.
  void add_companion(Node* companion) { companions_.push_back(companion); }
  void set_slowdown(double factor) { pipeline_.set_slowdown(factor); }
  // The messages delivered to it and not yet settled (for the end state).
  std::vector<std::uint32_t> in_hand() const;
  bool holds_deliveries() const { return !buffer_.empty() || pipeline_.next() < pipeline_.batch().size(); }
  int instance() const { return instance_; }
  std::uint32_t group() const { return group_; }

  // Scale faults. An undeployed instance is a stopped process that crash faults do not restart (the World
  // asks). retire() stops a running instance as Spring AMQP's container stop does by default
  // (forceStop=false): basic.cancel, then the delivery in hand and every prefetched one are processed and
  // acked, then the connection closes (the node requeues whatever is still unacked); if that takes longer
  // than the shutdownTimeout (5 s) the channel is closed at once and the process ends. An instance
  // deployed again while it stops starts as a new process once it has stopped.
  bool deployed() const { return deployed_; }
  void set_deployed(bool deployed) { deployed_ = deployed; }
  void retire(sim::Simulation& simulation);

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override;
  void on_crash(sim::Simulation& simulation) override;
  void on_restart(sim::Simulation& simulation) override;
  void on_peer_reset(sim::Simulation& simulation, NodeId peer) override;

 private:
  enum EventType : std::uint32_t {
    kReconnect = 1,
    kHeartbeatTick = 2,
    kLeave = 3,            // A scale fault retired the instance.
    kShutdownTimeout = 4,  // The container's shutdownTimeout since the stop began.
    // 7, 11, 12: ApplicationPipeline's.
  };
  // A delivery pushed to this consumer and not yet handed to the listener.
  struct Buffered {
    std::uint64_t tag = 0;
    std::uint32_t message = 0;
  };

  void consume(sim::Simulation& simulation);
  void lose_channel(sim::Simulation& simulation);
  void next(sim::Simulation& simulation);
  // Acks, rejects or requeues delivery `tag` of `message` (traced).
  void settle(sim::Simulation& simulation, std::uint32_t message, std::uint64_t tag, bool ack, bool requeue);
  void begin_stop(sim::Simulation& simulation);
  void stop(sim::Simulation& simulation);

  // PipelineHost.
  void on_batch_processed(sim::Simulation& simulation) override;
  void retry_later(sim::Simulation&, Delivery const&) override { BROKERSIM_ASSERT(false); }  // Kafka's only.
  void dead_letter(sim::Simulation& simulation, Delivery const& delivery) override;
  void requeue(sim::Simulation& simulation, Delivery const& delivery) override;

  ConsumerGroupConfig const& config_;
  std::string name_;
  int instance_;
  std::uint32_t group_;
  QueueIndex queue_;
  RabbitCluster& cluster_;
  GroundTruth& truth_;
  sim::RandomStream random_;
  std::uint64_t next_correlation_ = 1;
  std::vector<Node*> companions_;  // Its embedded producers.
  bool deployed_ = true;

  // Volatile.
  NodeId channel_node_ = kNoNode;  // The node its channel consumes on; kNoNode while it has none.
  Time last_heard_ = 0;            // From channel_node_.
  std::deque<Buffered> buffer_;
  bool processing_ = false;
  bool settled_ = false;  // The delivery in the listener was settled by its failure policy.
  bool leaving_ = false;  // Retired: stopping (see retire()).
  ApplicationPipeline pipeline_;
};

}  // namespace brokersim::model::rabbitmq
