#include "model/rabbitmq/node.h"

#include <algorithm>

#include "model/core/network.h"
#include "sim/assert.h"

namespace brokersim::model::rabbitmq {

namespace {

QueueConfig queue_state_config(RabbitQueueConfig const& queue) {
  QueueConfig config;
  config.kind = queue.type;
  config.message_ttl = queue.message_ttl.value_or(kNoTtl);
  config.max_length = queue.max_length.value_or(kUnlimited);
  config.overflow = queue.overflow;
  config.delivery_limit = queue.effective_delivery_limit();
  return config;
}

}  // namespace

RabbitNode::RabbitNode(NodeId id, int index, RabbitCluster& cluster, GroundTruth& truth)
    : Node(id, NodeKind::rabbit), index_(index), cluster_(cluster), truth_(truth), queues_(cluster.queue_count()) {
  for (QueueIndex q = 0; q < cluster.queue_count(); ++q) {
    if (cluster.leader(q) != index) continue;
    queues_[q].leads = true;
    queues_[q].state.emplace(queue_state_config(cluster.queue(q)));
  }
}

void RabbitNode::start(sim::Simulation& simulation) {
  schedule_self(simulation, kConsumerTimeoutTick, kTimeoutTick);
  schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
}

std::vector<std::uint32_t> RabbitNode::held(QueueIndex queue) const {
  std::vector<std::uint32_t> messages;
  QueueReplica const& replica = queues_[queue];
  if (!alive() || !replica.leads || !replica.state) return messages;
  replica.state->for_each_held([&](std::uint32_t message) { messages.push_back(message); });
  return messages;
}

std::size_t RabbitNode::depth(QueueIndex queue) const {
  QueueReplica const& replica = queues_[queue];
  if (!alive() || !replica.leads || !replica.state) return 0;
  return replica.state->depth();
}

// --- Events and messages -------------------------------------------------------------------------------

void RabbitNode::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) {
  switch (type) {
    case kWrite:
      write(simulation, static_cast<QueueIndex>(arg0));
      return;
    case kExpire: {
      QueueReplica& replica = queues_[arg0];
      if (!replica.leads || replica.expiry_timer != static_cast<sim::Time>(arg1)) return;
      replica.expiry_timer = kNoExpiry;
      removed_.clear();
      replica.state->expire_due(simulation.now(), removed_);
      observe_depth(simulation, static_cast<QueueIndex>(arg0));
      dispose(simulation, static_cast<QueueIndex>(arg0), removed_);
      arm_expiry(simulation, static_cast<QueueIndex>(arg0));
      return;
    }
    case kTimeoutTick:
      check_consumer_timeouts(simulation);
      schedule_self(simulation, kConsumerTimeoutTick, kTimeoutTick);
      return;
    case kHeartbeatTick:
      heartbeat(simulation);
      schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void RabbitNode::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  AmqpEnvelope const& envelope = as_amqp(header);
  if (network().kind(envelope.from) != NodeKind::rabbit) {  // A client was heard.
    if (envelope.from >= last_heard_.size()) last_heard_.resize(network().node_count(), kNever);
    last_heard_[envelope.from] = simulation.now();
  }
  if (envelope.reset) {
    // An enqueue forwarded to a node that is down: that queue refuses the publish.
    if (envelope.type == AmqpMessageType::enqueue) {
      auto const found = std::find_if(forwards_.begin(), forwards_.end(), [&](Forward const& forward) {
        return forward.token == envelope.correlation && cluster_.node(forward.node) == envelope.from;
      });
      if (found == forwards_.end()) return;
      forwards_.erase(found);
      settle_pending(simulation, envelope.correlation, true);
    }
    return;
  }
  switch (envelope.type) {
    case AmqpMessageType::publish:
      on_publish(simulation, envelope);
      return;
    case AmqpMessageType::enqueue:
      on_enqueue(simulation, envelope);
      return;
    case AmqpMessageType::enqueued: {
      auto const found = std::find_if(forwards_.begin(), forwards_.end(), [&](Forward const& forward) {
        return forward.token == envelope.correlation && cluster_.node(forward.node) == envelope.from;
      });
      if (found == forwards_.end()) return;  // Its node was reset meanwhile: already refused.
      forwards_.erase(found);
      settle_pending(simulation, envelope.correlation, envelope.nack);
      return;
    }
    case AmqpMessageType::consume:
      on_consume(simulation, envelope);
      return;
    case AmqpMessageType::ack:
    case AmqpMessageType::reject:
      on_settle(simulation, envelope);
      return;
    default:
      return;
  }
}

// --- Channels: publishes --------------------------------------------------------------------------------

void RabbitNode::on_publish(sim::Simulation& simulation, AmqpEnvelope const& publish) {
  // Copied into a buffer that keeps its capacity: enqueueing may dead-letter, which routes again.
  std::vector<QueueIndex>& queues = route_buffer_;
  RouteResult const& route = cluster_.routes().route(publish.exchange, publish.routing_key, cluster_.headers(publish.headers));
  queues.assign(route.queues.begin(), route.queues.end());
  truth_.tracer.record(simulation.now(), publish.message, id(), TraceKind::routed, static_cast<std::int64_t>(queues.size()));
  if (queues.empty()) {
    // Dropped, or returned to a mandatory publisher (basic.return, then the confirm: an ack, not a nack).
    if (publish.mandatory) {
      Network& net = network();
      EnvelopeId const returned = net.acquire(AmqpMessageType::basic_return, id(), publish.from);
      net.envelope<AmqpEnvelope>(returned).message = publish.message;
      net.send(simulation, returned);
    }
    if (publish.correlation != 0) confirm(simulation, publish.from, publish.correlation, false);
    return;
  }
  std::uint64_t const token = publish.correlation == 0 ? 0 : open_pending(publish.from, publish.correlation);
  if (token != 0) pending_[token & 0xFFFFFFFFU].outstanding = static_cast<int>(queues.size());
  enqueue_routed(simulation, queues, publish.message, publish.persistent, token);
}

void RabbitNode::enqueue_routed(sim::Simulation& simulation, std::vector<QueueIndex> const& queues, std::uint32_t message,
                                bool persistent, std::uint64_t token) {
  for (QueueIndex queue : queues) {
    int const leader = cluster_.leader(queue);
    if (leader == index_) {
      enqueue_local(simulation, queue, message, persistent, token, id());
      continue;
    }
    if (leader < 0 || !network().node(cluster_.node(leader)).alive()) {
      // The queue's node is down: the publish is routed, and refused (basic.nack with confirms).
      if (token != 0) settle_pending(simulation, token, true);
      continue;
    }
    Network& net = network();
    EnvelopeId const forwarded = net.acquire(AmqpMessageType::enqueue, id(), cluster_.node(leader));
    AmqpEnvelope& enqueue = net.envelope<AmqpEnvelope>(forwarded);
    enqueue.correlation = token;
    enqueue.queue = queue;
    enqueue.message = message;
    enqueue.persistent = persistent;
    if (token != 0) forwards_.push_back(Forward{token, leader});
    net.send(simulation, forwarded);
  }
}

std::uint64_t RabbitNode::open_pending(NodeId publisher, std::uint64_t sequence) {
  std::uint32_t slot = 0;
  if (free_pending_.empty()) {
    slot = static_cast<std::uint32_t>(pending_.size());
    pending_.emplace_back();
  } else {
    slot = free_pending_.back();
    free_pending_.pop_back();
  }
  pending_[slot] = PendingPublish{publisher, sequence, 0, false, true};
  ++pending_generation_;
  return (static_cast<std::uint64_t>(pending_generation_) << 32) | slot;
}

// One of the publish's queues has it (or refused it); the last one confirms it.
void RabbitNode::settle_pending(sim::Simulation& simulation, std::uint64_t token, bool refused) {
  auto const slot = static_cast<std::uint32_t>(token & 0xFFFFFFFFU);
  if (slot >= pending_.size() || !pending_[slot].live) return;
  PendingPublish& pending = pending_[slot];
  pending.refused = pending.refused || refused;
  if (--pending.outstanding > 0) return;
  pending.live = false;
  free_pending_.push_back(slot);
  confirm(simulation, pending.publisher, pending.sequence, pending.refused);
}

void RabbitNode::confirm(sim::Simulation& simulation, NodeId publisher, std::uint64_t sequence, bool nack) {
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::confirm, this->id(), publisher);
  AmqpEnvelope& confirmation = net.envelope<AmqpEnvelope>(id);
  confirmation.correlation = sequence;
  confirmation.nack = nack;
  net.send(simulation, id);
}

// --- Queues ---------------------------------------------------------------------------------------------

void RabbitNode::on_enqueue(sim::Simulation& simulation, AmqpEnvelope const& enqueue) {
  QueueReplica const& replica = queues_[enqueue.queue];
  bool accepted = replica.leads && enqueue_local(simulation, enqueue.queue, enqueue.message, enqueue.persistent,
                                                  enqueue.correlation, enqueue.from);
  if (accepted || enqueue.correlation == 0) return;  // Accepted: answered once written.
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::enqueued, this->id(), enqueue.from);
  AmqpEnvelope& answer = net.envelope<AmqpEnvelope>(id);
  answer.correlation = enqueue.correlation;
  answer.queue = enqueue.queue;
  answer.nack = true;
  net.send(simulation, id);
}

bool RabbitNode::enqueue_local(sim::Simulation& simulation, QueueIndex queue, std::uint32_t message, bool persistent,
                               std::uint64_t token, NodeId reply_to) {
  QueueReplica& replica = queues_[queue];
  BROKERSIM_ASSERT(replica.leads && replica.state);
  removed_.clear();
  if (replica.state->enqueue(message, simulation.now(), removed_) == EnqueueOutcome::refused) {
    // reject-publish: the publish is nacked (without confirms the message is silently dropped).
    std::uint32_t const group = group_of(queue);
    if (group != UINT32_MAX) truth_.groups[group].set(message, GroupTruth::kDropped);
    truth_.tracer.record(simulation.now(), message, id(), TraceKind::dropped, static_cast<std::int64_t>(RemovalReason::maxlen));
    if (token != 0 && reply_to == id()) settle_pending(simulation, token, true);
    return false;
  }
  std::uint64_t const sequence = replica.state->last_sequence();
  observe_depth(simulation, queue);
  truth_.tracer.record(simulation.now(), message, id(), TraceKind::enqueued, queue);
  if (durable_copy(queue, persistent)) {
    replica.unwritten.push_back(DiskRecord{sequence, message, false, token, reply_to, 0});
    schedule_write(simulation, queue);
  } else if (token != 0) {
    // In memory only: confirmed at once.
    if (reply_to == id()) {
      settle_pending(simulation, token, false);
    } else {
      Network& net = network();
      EnvelopeId const id = net.acquire(AmqpMessageType::enqueued, this->id(), reply_to);
      net.envelope<AmqpEnvelope>(id).correlation = token;
      net.send(simulation, id);
    }
  }
  dispose(simulation, queue, removed_);
  dispatch(simulation, queue);
  arm_expiry(simulation, queue);
  return true;
}

void RabbitNode::schedule_write(sim::Simulation& simulation, QueueIndex queue) {
  QueueReplica& replica = queues_[queue];
  if (replica.write_scheduled) return;
  replica.write_scheduled = true;
  schedule_self(simulation, kWriteDelay, kWrite, queue);
}

// The write point: changes go to disk (the page cache) and the enqueues written are confirmed; writes old
// enough to have been written back by the OS become durable.
void RabbitNode::write(sim::Simulation& simulation, QueueIndex queue) {
  QueueReplica& replica = queues_[queue];
  replica.write_scheduled = false;
  Time const now = simulation.now();
  for (DiskRecord record : replica.unwritten) {
    record.written_at = now;
    replica.written.push_back(record);
    if (!record.settle) mark_on_disk(replica, record.sequence);
    if (record.settle || record.token == 0) continue;
    if (record.reply_to == id()) {
      settle_pending(simulation, record.token, false);
      continue;
    }
    Network& net = network();
    EnvelopeId const id = net.acquire(AmqpMessageType::enqueued, this->id(), record.reply_to);
    AmqpEnvelope& answer = net.envelope<AmqpEnvelope>(id);
    answer.correlation = record.token;
    answer.queue = queue;
    net.send(simulation, id);
  }
  replica.unwritten.clear();
  fold_durable(replica, now);
}

// Writes the OS has written back by `now` become durable.
void RabbitNode::fold_durable(QueueReplica& replica, Time now) {
  while (!replica.written.empty() && replica.written.front().written_at + kWriteback <= now) {
    DiskRecord const& record = replica.written.front();
    if (record.settle) {
      replica.durable.erase(record.sequence);
    } else {
      replica.durable.emplace(record.sequence, record.message);
    }
    replica.written.pop_front();
  }
}

void RabbitNode::record_settle(sim::Simulation& simulation, QueueIndex queue, std::uint64_t sequence, std::uint32_t message) {
  QueueReplica& replica = queues_[queue];
  // Only a copy that may be on disk needs its removal written: look for its enqueue among the changes.
  auto const unwritten = std::find_if(replica.unwritten.begin(), replica.unwritten.end(),
                                      [&](DiskRecord const& record) { return !record.settle && record.sequence == sequence; });
  if (unwritten != replica.unwritten.end() && unwritten->token == 0) {
    replica.unwritten.erase(unwritten);  // Never written: nothing to undo on disk.
    return;
  }
  bool const on_disk = unwritten != replica.unwritten.end() ||
                       (sequence < replica.on_disk.size() && replica.on_disk[sequence]);
  if (!on_disk) return;
  replica.unwritten.push_back(DiskRecord{sequence, message, true, 0, kNoNode, 0});
  schedule_write(simulation, queue);
}

void RabbitNode::observe_depth(sim::Simulation& simulation, QueueIndex queue) {
  QueueReplica const& replica = queues_[queue];
  if (!replica.leads || !replica.state || queue >= truth_.queues.size()) return;
  if (!alive()) {
    truth_.queues[queue].observe(simulation.now(), 0, 0);  // Down: it holds nothing it could deliver.
    return;
  }
  truth_.queues[queue].observe(simulation.now(), replica.state->ready_count(), replica.state->unacked_count());
}

void RabbitNode::on_consume(sim::Simulation& simulation, AmqpEnvelope const& consume) {
  QueueReplica& replica = queues_[consume.queue];
  if (!replica.leads) {
    // Not here (a classic queue's node only serves it; a quorum leader moved): cancelled at once.
    Network& net = network();
    EnvelopeId const id = net.acquire(AmqpMessageType::cancel, this->id(), consume.from);
    net.envelope<AmqpEnvelope>(id).queue = consume.queue;
    net.send(simulation, id);
    return;
  }
  auto const existing = std::find_if(replica.consumers.begin(), replica.consumers.end(),
                                     [&](Attached const& attached) { return attached.node == consume.from; });
  if (existing != replica.consumers.end()) {
    // A consumer process that restarted consumes again before its old channel's close was noticed.
    close_channel(simulation, consume.queue, static_cast<std::size_t>(existing - replica.consumers.begin()), false);
  }
  Attached attached;
  attached.node = consume.from;
  attached.prefetch = consume.prefetch;
  attached.auto_ack = consume.auto_ack;
  replica.consumers.push_back(std::move(attached));
  dispatch(simulation, consume.queue);
}

void RabbitNode::on_settle(sim::Simulation& simulation, AmqpEnvelope const& settlement) {
  QueueReplica& replica = queues_[settlement.queue];
  if (!replica.leads || !replica.state->is_unacked(settlement.tag)) return;  // A channel closed meanwhile.
  auto const consumer = std::find_if(replica.consumers.begin(), replica.consumers.end(),
                                     [&](Attached const& attached) { return attached.node == settlement.from; });
  if (consumer == replica.consumers.end()) return;
  --consumer->unacked;
  if (settlement.type == AmqpMessageType::ack) {
    QueuedMessage const settled = replica.state->ack(settlement.tag);
    record_settle(simulation, settlement.queue, settled.sequence, settled.id);
  } else {
    removed_.clear();
    replica.state->reject(settlement.tag, settlement.requeue, simulation.now(), removed_);
    dispose(simulation, settlement.queue, removed_);
    arm_expiry(simulation, settlement.queue);
  }
  observe_depth(simulation, settlement.queue);
  dispatch(simulation, settlement.queue);
}

// Pushes ready messages to the consumers with room under their prefetch, round-robin.
void RabbitNode::dispatch(sim::Simulation& simulation, QueueIndex queue) {
  QueueReplica& replica = queues_[queue];
  if (replica.consumers.empty()) return;
  Network& net = network();
  std::size_t idle = 0;
  while (replica.state->ready_count() > 0 && idle < replica.consumers.size()) {
    std::size_t const c = replica.next_consumer % replica.consumers.size();
    replica.next_consumer = c + 1;
    Attached& consumer = replica.consumers[c];
    if (consumer.prefetch != 0 && consumer.unacked >= consumer.prefetch) {
      ++idle;
      continue;
    }
    idle = 0;
    removed_.clear();
    std::optional<QueueDelivery> const delivery = replica.state->deliver(consumer.node, simulation.now(), removed_);
    dispose(simulation, queue, removed_);
    if (!delivery) break;
    EnvelopeId const id = net.acquire(AmqpMessageType::deliver, this->id(), consumer.node);
    AmqpEnvelope& deliver = net.envelope<AmqpEnvelope>(id);
    deliver.queue = queue;
    deliver.tag = delivery->tag;
    deliver.message = delivery->message.id;
    deliver.redelivered = delivery->message.redelivered();
    deliver.delivery_count = delivery->message.delivery_count;
    deliver.auto_ack = consumer.auto_ack;
    net.send(simulation, id);
    if (consumer.auto_ack) {
      // autoAck: the broker forgets the message once it is sent.
      QueuedMessage const settled = replica.state->ack(delivery->tag);
      record_settle(simulation, queue, settled.sequence, settled.id);
    } else {
      ++consumer.unacked;
      consumer.outstanding.emplace_back(delivery->tag, simulation.now());
    }
  }
  observe_depth(simulation, queue);
  arm_expiry(simulation, queue);
}

// The channel is gone (its connection was reset or timed out, or consumer_timeout closed it): every
// message it had not acked goes back to the queue, redelivered.
void RabbitNode::close_channel(sim::Simulation& simulation, QueueIndex queue, std::size_t consumer, bool cancel) {
  QueueReplica& replica = queues_[queue];
  NodeId const node = replica.consumers[consumer].node;
  replica.consumers.erase(replica.consumers.begin() + static_cast<std::ptrdiff_t>(consumer));
  removed_.clear();
  replica.state->requeue_all_of(node, simulation.now(), removed_);
  observe_depth(simulation, queue);
  dispose(simulation, queue, removed_);
  if (cancel) {
    Network& net = network();
    EnvelopeId const id = net.acquire(AmqpMessageType::cancel, this->id(), node);
    net.envelope<AmqpEnvelope>(id).queue = queue;
    net.send(simulation, id);
  }
  dispatch(simulation, queue);
  arm_expiry(simulation, queue);
}

void RabbitNode::check_consumer_timeouts(sim::Simulation& simulation) {
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    QueueReplica& replica = queues_[q];
    if (!replica.leads) continue;
    Time const timeout = cluster_.queue(q).consumer_timeout;
    for (std::size_t c = 0; c < replica.consumers.size();) {
      Attached& consumer = replica.consumers[c];
      while (!consumer.outstanding.empty() && !replica.state->is_unacked(consumer.outstanding.front().first)) {
        consumer.outstanding.pop_front();
      }
      if (!consumer.outstanding.empty() && simulation.now() - consumer.outstanding.front().second > timeout) {
        close_channel(simulation, q, c, true);  // PRECONDITION_FAILED: delivery acknowledgement timed out.
        continue;
      }
      ++c;
    }
  }
}

void RabbitNode::dispose(sim::Simulation& simulation, QueueIndex queue, std::vector<Removed> const& removed) {
  if (removed.empty()) return;
  std::vector<Removed> const copies = removed;  // Dead-lettering enqueues, which reuses the scratch list.
  RabbitQueueConfig const& config = cluster_.queue(queue);
  std::uint32_t const group = group_of(queue);
  for (Removed const& copy : copies) {
    record_settle(simulation, queue, copy.sequence, copy.message);
    bool dead_lettered = false;
    if (config.dead_letter_exchange) {
      // At-most-once dead-lettering (RabbitMQ's default): the copy leaves this queue whether or not the
      // dead-letter exchange routes it anywhere. The routing key: the queue's, or the message's own.
      std::optional<ExchangeIndex> const exchange = cluster_.routing().find_exchange(*config.dead_letter_exchange);
      std::optional<RoutingKeyIndex> const key =
          config.dead_letter_routing_key ? cluster_.routes().find_routing_key(*config.dead_letter_routing_key)
                                         : std::optional<RoutingKeyIndex>(truth_.routing_key_of(copy.message));
      if (exchange && key) {
        std::vector<QueueIndex> const targets =
            cluster_.routes().route(*exchange, *key, cluster_.headers(truth_.header_set_of(copy.message))).queues;
        dead_lettered = !targets.empty();
        enqueue_routed(simulation, targets, copy.message, true, 0);
      }
    }
    if (group != UINT32_MAX) truth_.groups[group].set(copy.message, dead_lettered ? GroupTruth::kDeadLettered : GroupTruth::kDropped);
    truth_.tracer.record(simulation.now(), copy.message, id(), dead_lettered ? TraceKind::dead_lettered : TraceKind::dropped,
                         static_cast<std::int64_t>(copy.reason));
  }
}

void RabbitNode::arm_expiry(sim::Simulation& simulation, QueueIndex queue) {
  QueueReplica& replica = queues_[queue];
  Time const expiry = replica.state->head_expiry();
  if (expiry == kNoExpiry || expiry == replica.expiry_timer) return;
  replica.expiry_timer = expiry;
  schedule_self(simulation, std::max<Time>(0, expiry - simulation.now()), kExpire, queue, static_cast<std::uint64_t>(expiry));
}

// --- Crashes --------------------------------------------------------------------------------------------

void RabbitNode::on_crash(sim::Simulation& simulation) {
  // What a restart finds on disk: the durable copies, and after a process crash (the OS still up) the
  // written ones too; a power loss takes the page cache with it.
  for (QueueReplica& replica : queues_) {
    if (!replica.leads) continue;
    fold_durable(replica, simulation.now());
    if (!power_loss_) {
      for (DiskRecord const& record : replica.written) {
        if (record.settle) {
          replica.durable.erase(record.sequence);
        } else {
          replica.durable.emplace(record.sequence, record.message);
        }
      }
    }
    replica.written.clear();
    replica.unwritten.clear();
    replica.consumers.clear();
    replica.next_consumer = 0;
    replica.write_scheduled = false;
    replica.expiry_timer = kNoExpiry;
    observe_depth(simulation, static_cast<QueueIndex>(&replica - queues_.data()));
  }
  power_loss_ = false;
  last_heard_.clear();
  pending_.clear();
  free_pending_.clear();
  forwards_.clear();
}

void RabbitNode::on_restart(sim::Simulation& simulation) {
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    QueueReplica& replica = queues_[q];
    if (!replica.leads) continue;
    // The queue comes back with what its disk held, in queue order, every message ready again.
    std::map<std::uint64_t, std::uint32_t> const recovered = std::move(replica.durable);
    replica.durable.clear();
    replica.state.emplace(queue_state_config(cluster_.queue(q)));
    replica.on_disk.clear();
    for (auto const& [sequence, message] : recovered) {
      removed_.clear();
      replica.state->enqueue(message, simulation.now(), removed_);
      replica.durable.emplace(replica.state->last_sequence(), message);
      mark_on_disk(replica, replica.state->last_sequence());
      dispose(simulation, q, removed_);
    }
    observe_depth(simulation, q);
    arm_expiry(simulation, q);
  }
  start(simulation);
}

void RabbitNode::heartbeat(sim::Simulation& simulation) {
  std::vector<NodeId> silent;
  Network& net = network();
  for (NodeId client = 0; client < last_heard_.size(); ++client) {
    Time const heard = last_heard_[client];
    if (heard == kNever) continue;
    if (simulation.now() - heard > kHeartbeatTimeout) {
      silent.push_back(client);
      continue;
    }
    net.send(simulation, net.acquire(AmqpMessageType::heartbeat, id(), client));
  }
  for (NodeId client : silent) drop_client(simulation, client);
}

void RabbitNode::drop_client(sim::Simulation& simulation, NodeId client) {
  if (client < last_heard_.size()) last_heard_[client] = kNever;
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    QueueReplica& replica = queues_[q];
    if (!replica.leads) continue;
    for (std::size_t c = 0; c < replica.consumers.size(); ++c) {
      if (replica.consumers[c].node != client) continue;
      close_channel(simulation, q, c, false);
      break;
    }
  }
}

void RabbitNode::on_peer_reset(sim::Simulation& simulation, NodeId peer) {
  // A client's connection died with its process: its channels close.
  int const node = cluster_.index_of(peer);
  if (node < 0) {
    drop_client(simulation, peer);
    return;
  }
  // Another node died: the enqueues forwarded to it are refused.
  std::vector<Forward> failed;
  std::erase_if(forwards_, [&](Forward const& forward) {
    if (forward.node != node) return false;
    failed.push_back(forward);
    return true;
  });
  for (Forward const& forward : failed) settle_pending(simulation, forward.token, true);
}

}  // namespace brokersim::model::rabbitmq
