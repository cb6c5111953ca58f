#include "model/rabbitmq/consumer.h"

#include "model/app/service_call.h"
#include "model/core/network.h"
#include "model/rabbitmq/amqp.h"
#include "model/rabbitmq/publisher.h"
#include "sim/assert.h"

namespace brokersim::model::rabbitmq {

namespace {

// Spring AMQP's container shutdownTimeout (default 5 s): how long a stopping container waits for its
// consumers to finish the deliveries they hold before it closes their channels (forceCloseChannel, true).
constexpr Time kContainerShutdownTimeout = 5000 * sim::kMicrosPerMilli;

}  // namespace

RabbitConsumer::RabbitConsumer(NodeId id, ConsumerGroupConfig const& config, std::uint32_t group, QueueIndex queue, int instance,
                               std::uint64_t seed, RabbitCluster& cluster, GroundTruth& truth, MessageSet& durable_dedup)
    : Node(id, NodeKind::consumer),
      config_(config),
      name_(config.name + "-" + std::to_string(instance)),
      instance_(instance),
      group_(group),
      queue_(queue),
      cluster_(cluster),
      truth_(truth),
      random_(seed, name_),
      pipeline_(*this, *this, config_, group, truth, random_, next_correlation_, durable_dedup) {
  pipeline_.reserve(1);
}

std::vector<std::uint32_t> RabbitConsumer::in_hand() const {
  std::vector<std::uint32_t> messages = pipeline_.in_hand();
  for (Buffered const& buffered : buffer_) messages.push_back(pipeline_.subject(buffered.message));
  return messages;
}

void RabbitConsumer::start(sim::Simulation& simulation) {
  schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
  consume(simulation);
}

// basic.qos and basic.consume on the node that leads the queue (the channel's round trips are folded into
// the consume message).
void RabbitConsumer::consume(sim::Simulation& simulation) {
  int const leader = cluster_.leader(queue_);
  NodeId const node = leader < 0 ? kNoNode : cluster_.node(leader);
  if (node == kNoNode || !network().node(node).alive() || !network().connected(id(), node)) {
    schedule_self(simulation, kRecoveryInterval, kReconnect);
    return;
  }
  channel_node_ = node;
  last_heard_ = simulation.now();
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::consume, this->id(), node);
  AmqpEnvelope& request = net.envelope<AmqpEnvelope>(id);
  request.queue = queue_;
  request.prefetch = static_cast<std::uint32_t>(config_.prefetch);
  request.auto_ack = config_.commit == CommitMode::auto_commit;
  net.send(simulation, id);
}

void RabbitConsumer::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t) {
  switch (type) {
    case kReconnect:
      if (channel_node_ == kNoNode && !leaving_) consume(simulation);
      return;
    case kHeartbeatTick:
      schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
      if (channel_node_ == kNoNode) return;
      if (simulation.now() - last_heard_ > kHeartbeatTimeout) {
        lose_channel(simulation);  // Two heartbeats missed: the connection is considered dead.
        return;
      }
      network().send(simulation, network().acquire(AmqpMessageType::heartbeat, id(), channel_node_));
      return;
    case ApplicationPipeline::kRecordDone:
      if (processing_) pipeline_.on_record_done(simulation, arg0);
      return;
    case ApplicationPipeline::kRetryRecord:
      if (processing_ && arg0 == pipeline_.serial()) pipeline_.process(simulation);
      return;
    case ApplicationPipeline::kCallTimeout:
      pipeline_.on_call_timeout(simulation, arg0);
      return;
    case kLeave:
      if (deployed_ || leaving_) return;  // Deployed again before it began to stop.
      begin_stop(simulation);
      return;
    case kShutdownTimeout:
      if (leaving_) stop(simulation);  // forceCloseChannel: the channel closes, its unacked deliveries go back.
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void RabbitConsumer::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  if (header.protocol == Protocol::service) {
    auto const& answer = static_cast<ServiceEnvelope const&>(header);
    if (!pipeline_.awaits_call(answer.correlation)) return;
    pipeline_.on_call_answered(simulation, !answer.reset && !answer.failed);
    return;
  }
  AmqpEnvelope const& envelope = as_amqp(header);
  if (envelope.reset) {
    if (envelope.from == channel_node_) lose_channel(simulation);
    return;
  }
  if (envelope.from == channel_node_) last_heard_ = simulation.now();
  switch (envelope.type) {
    case AmqpMessageType::deliver: {
      if (envelope.from != channel_node_) return;  // From a channel already lost.
      truth_.tracer.record(simulation.now(), envelope.message, id(), envelope.redelivered ? TraceKind::redelivered : TraceKind::delivered,
                           static_cast<std::int64_t>(envelope.tag), queue_);
      truth_.groups[group_].record_delivery(pipeline_.subject(envelope.message));
      if (envelope.redelivered) ++truth_.groups[group_].redeliveries;
      // Stopping: pushed after the basic.cancel was sent. With manual acks it is left unacked, and goes back
      // to the queue when the connection closes; with autoAck the broker has forgotten it, so it is
      // processed like the prefetched ones.
      if (leaving_ && config_.commit != CommitMode::auto_commit) return;
      if (config_.commit == CommitMode::before_processing) settle(simulation, envelope.message, envelope.tag, true, false);
      buffer_.push_back(Buffered{envelope.tag, envelope.message});
      if (!processing_) next(simulation);
      return;
    }
    case AmqpMessageType::cancel:
      // basic.cancel (the queue went away, or consumer_timeout closed the channel): consume again.
      if (envelope.from == channel_node_) lose_channel(simulation);
      return;
    default:
      return;
  }
}

// The channel is gone: what was pushed and not processed is the broker's again (it requeues every unacked
// delivery of a closed channel); the listener's delivery in progress finishes, but cannot be acked.
void RabbitConsumer::lose_channel(sim::Simulation& simulation) {
  if (channel_node_ != kNoNode) network().close_connection(id(), channel_node_);
  channel_node_ = kNoNode;
  buffer_.clear();
  if (leaving_) {
    if (!processing_) stop(simulation);  // Else once the listener's delivery is done.
    return;
  }
  schedule_self(simulation, kRecoveryInterval, kReconnect);
}

void RabbitConsumer::on_peer_reset(sim::Simulation& simulation, NodeId peer) {
  if (peer == pipeline_.service()) return;  // The call's own timeout, or its reset, ends it.
  if (peer == channel_node_) lose_channel(simulation);
}

// Hands the next buffered delivery to the listener (Spring's batch size 1).
void RabbitConsumer::next(sim::Simulation& simulation) {
  if (buffer_.empty()) {
    processing_ = false;
    if (leaving_) stop(simulation);  // Everything it held is done with: the container has stopped.
    return;
  }
  Buffered const buffered = buffer_.front();
  buffer_.pop_front();
  processing_ = true;
  settled_ = false;
  pipeline_.begin_batch();
  pipeline_.add(Delivery{queue_, buffered.message, static_cast<std::int64_t>(buffered.tag)});
  pipeline_.process(simulation);
}

void RabbitConsumer::on_batch_processed(sim::Simulation& simulation) {
  std::vector<Delivery> const& batch = pipeline_.batch();
  BROKERSIM_ASSERT(batch.size() == 1);
  // Processed, deduplicated, skipped or ignored: acked (after-processing mode).
  if (!settled_ && config_.commit == CommitMode::after_processing) {
    settle(simulation, batch.front().message, static_cast<std::uint64_t>(batch.front().position), true, false);
  }
  pipeline_.clear();
  next(simulation);
}

void RabbitConsumer::dead_letter(sim::Simulation& simulation, Delivery const& delivery) {
  settled_ = true;
  if (config_.commit == CommitMode::after_processing) settle(simulation, delivery.message, static_cast<std::uint64_t>(delivery.position), false, false);
}

void RabbitConsumer::requeue(sim::Simulation& simulation, Delivery const& delivery) {
  settled_ = true;
  if (config_.commit == CommitMode::after_processing) settle(simulation, delivery.message, static_cast<std::uint64_t>(delivery.position), false, true);
}

void RabbitConsumer::settle(sim::Simulation& simulation, std::uint32_t message, std::uint64_t tag, bool ack, bool requeue) {
  if (channel_node_ == kNoNode) return;  // Its channel is gone: the broker has requeued it already.
  Settlement const how = ack ? Settlement::ack : requeue ? Settlement::requeue : Settlement::reject;
  truth_.tracer.record(simulation.now(), message, id(), TraceKind::settled, static_cast<std::int64_t>(how), queue_);
  Network& net = network();
  EnvelopeId const id = net.acquire(ack ? AmqpMessageType::ack : AmqpMessageType::reject, this->id(), channel_node_);
  AmqpEnvelope& settlement = net.envelope<AmqpEnvelope>(id);
  settlement.queue = queue_;
  settlement.tag = tag;
  settlement.requeue = requeue;
  net.send(simulation, id);
}

void RabbitConsumer::retire(sim::Simulation& simulation) {
  deployed_ = false;
  if (alive()) schedule_self(simulation, 0, kLeave);  // An event, so that a paused instance stops when it resumes.
}

// Spring AMQP's container stop (forceStop=false): the consumer is cancelled (basic.cancel), and the
// listener goes on with the delivery in hand and the prefetched ones already buffered; the container
// waits for that up to its shutdownTimeout.
void RabbitConsumer::begin_stop(sim::Simulation& simulation) {
  leaving_ = true;
  schedule_self(simulation, kContainerShutdownTimeout, kShutdownTimeout);
  if (channel_node_ != kNoNode) {
    // The node pushes nothing more once this arrives; what was already on its way is left unacked and
    // returned at the close.
    Network& net = network();
    EnvelopeId const id = net.acquire(AmqpMessageType::cancel, this->id(), channel_node_);
    net.envelope<AmqpEnvelope>(id).queue = queue_;
    net.send(simulation, id);
  }
  if (!processing_) stop(simulation);
}

// The process ends: its connection closes behind the acks it sent (the node requeues every delivery
// still unacked), and its embedded producers stop with it (without flushing, as on Kafka).
void RabbitConsumer::stop(sim::Simulation& simulation) {
  for (Node* companion : companions_) companion->crash(simulation);
  crash(simulation);
  network().reset_connections(simulation, id());
  if (!deployed_) return;
  // Scaled out again while it stopped: the replacement process starts now.
  restart(simulation);
  for (Node* companion : companions_) companion->restart(simulation);
}

void RabbitConsumer::on_crash(sim::Simulation&) {
  leaving_ = false;
  channel_node_ = kNoNode;
  buffer_.clear();
  processing_ = false;
  pipeline_.clear();
  pipeline_.on_crash();
}

void RabbitConsumer::on_restart(sim::Simulation& simulation) { start(simulation); }

}  // namespace brokersim::model::rabbitmq
