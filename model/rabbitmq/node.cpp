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

RabbitNode::RabbitNode(NodeId id, int index, RabbitCluster& cluster, GroundTruth& truth, std::uint64_t seed)
    : Node(id, NodeKind::rabbit),
      index_(index),
      cluster_(cluster),
      truth_(truth),
      queues_(cluster.queue_count()),
      election_random_(seed, "rabbit-" + std::to_string(index) + "-elections") {
  for (QueueIndex q = 0; q < cluster.queue_count(); ++q) {
    if (cluster.queue(q).type == QueueKind::quorum) {
      if (!cluster.hosts(index, q)) continue;
      // Every member starts in term 1 with the queue's first member as its leader (the declaring node).
      QuorumMember& member = queues_[q].quorum.emplace();
      member.term = 1;
      member.voted_for = cluster.replicas(q).front();
      member.leader = member.voted_for;
      continue;
    }
    if (cluster.leader(q) != index) continue;
    queues_[q].leads = true;
    queues_[q].state.emplace(queue_state_config(cluster.queue(q)));
  }
}

void RabbitNode::start(sim::Simulation& simulation) {
  schedule_self(simulation, kConsumerTimeoutTick, kTimeoutTick);
  schedule_self(simulation, kHeartbeatInterval, kHeartbeatTick);
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    if (!queues_[q].quorum) continue;
    QuorumMember& quorum = member(q);
    if (quorum.leader == index_ && quorum.log.empty()) {
      become_leader(simulation, q);  // The queue's declaration.
      continue;
    }
    quorum.leader_heard = simulation.now();
    arm_election(simulation, q, simulation.now() + draw_election_timeout(kElectionTimeoutMin, kElectionTimeoutMax));
  }
}

std::vector<std::uint32_t> RabbitNode::held(QueueIndex queue) const {
  std::vector<std::uint32_t> messages;
  QueueReplica const& replica = queues_[queue];
  if (!alive()) {
    // A classic queue's messages wait on its node's disk (a restart would bring them back).
    if (!replica.quorum) {
      for (auto const& [sequence, message] : replica.durable) messages.push_back(message);
    }
    return messages;
  }
  if (!replica.leads || !replica.state) return messages;
  replica.state->for_each_held([&](std::uint32_t message) { messages.push_back(message); });
  return messages;
}

std::pair<std::uint64_t, std::uint64_t> RabbitNode::log_position(QueueIndex queue) const {
  QueueReplica const& replica = queues_[queue];
  if (!replica.quorum) return {0, 0};
  QuorumMember const& quorum = *replica.quorum;
  return {quorum.term_at(cluster_.entries(queue), quorum.last_index()), quorum.last_index()};
}

std::vector<std::uint32_t> RabbitNode::held_in_log(QueueIndex queue) const {
  std::vector<std::uint32_t> messages;
  QueueReplica const& replica = queues_[queue];
  if (!replica.quorum) return messages;
  QuorumMember replay;
  EntryStore const& entries = cluster_.entries(queue);
  for (std::uint64_t index = 1; index <= replica.quorum->last_index(); ++index) {
    replay.apply(replica.quorum->entry(entries, index), index);
  }
  for (auto const& [index, copy] : replay.live) messages.push_back(copy.message);
  return messages;
}

bool RabbitNode::holds_unserved(QueueIndex queue) const {
  QueueReplica const& replica = queues_[queue];
  if (!alive() || !replica.quorum || replica.leads) return false;
  return !replica.quorum->live.empty() || replica.quorum->commit < replica.quorum->last_index();
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
    case kElection:
      election_due(simulation, static_cast<QueueIndex>(arg0));
      return;
    case kQuorumTick:
      quorum_tick(simulation, static_cast<QueueIndex>(arg0), arg1);
      return;
    case kResendTick:
      resend_scheduled_ = false;
      resend_enqueues(simulation);
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void RabbitNode::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  AmqpEnvelope const& envelope = as_amqp(header);
  if (network().kind(envelope.from) != NodeKind::rabbit) {  // A client was heard.
    if (envelope.from >= last_heard_.size()) last_heard_.resize(network().node_count(), kNever);
    bool const opens = envelope.type == AmqpMessageType::publish || envelope.type == AmqpMessageType::consume;
    if (!envelope.reset && !opens && last_heard_[envelope.from] == kNever) {
      // A connection this process does not know (it restarted after a power loss, or closed it for missed
      // heartbeats): the host answers with a reset, and the client's channel is gone.
      send_cancel(simulation, envelope.queue, envelope.from);
      return;
    }
    last_heard_[envelope.from] = simulation.now();
  }
  if (envelope.reset) {
    // An enqueue forwarded to a node that is down: a classic queue refuses the publish; a quorum queue's
    // enqueue waits for a leader. (Appends and votes to a dead member need no answer.)
    if (envelope.type == AmqpMessageType::enqueue && envelope.correlation != 0) {
      answer_forward(simulation, envelope.correlation, envelope.queue, true, true);
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
    case AmqpMessageType::enqueued:
      answer_forward(simulation, envelope.correlation, envelope.queue, envelope.nack, false);
      return;
    case AmqpMessageType::append:
      on_append(simulation, envelope);
      return;
    case AmqpMessageType::append_ok:
      on_append_ok(simulation, envelope);
      return;
    case AmqpMessageType::vote_request:
      on_vote_request(simulation, envelope);
      return;
    case AmqpMessageType::vote:
      on_vote(simulation, envelope);
      return;
    case AmqpMessageType::consume:
      on_consume(simulation, envelope);
      return;
    case AmqpMessageType::ack:
    case AmqpMessageType::reject:
      on_settle(simulation, envelope);
      return;
    case AmqpMessageType::cancel: {
      // basic.cancel from a stopping consumer.
      QueueReplica& replica = queues_[envelope.queue];
      for (Attached& consumer : replica.consumers) {
        if (consumer.node == envelope.from) consumer.cancelled = true;
      }
      return;
    }
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
    if (is_quorum(queue)) {
      if (leader == index_ && leads_quorum(queue)) {
        // A record like a remote one, so that the answer at the commit is matched (and only once).
        if (token != 0) forwards_.push_back(Forward{token, index_, queue, message, persistent, simulation.now()});
        quorum_enqueue(simulation, queue, message, token, id());
        continue;
      }
      // To the leader, or (none reachable) held for the next resend tick. Without confirms nothing
      // tracks the publish: with no leader to take it, it is gone.
      Forward forward{token, leader, queue, message, persistent, simulation.now()};
      if (leader >= 0 && !network().node(cluster_.node(leader)).alive()) forward.node = -1;
      if (forward.node >= 0) send_enqueue(simulation, forward);
      if (token != 0) {
        forwards_.push_back(forward);
        if (!resend_scheduled_) {
          resend_scheduled_ = true;
          schedule_self(simulation, kEnqueueResend, kResendTick);
        }
      }
      continue;
    }
    if (leader == index_) {
      enqueue_local(simulation, queue, message, persistent, token, id());
      continue;
    }
    if (leader < 0 || !network().node(cluster_.node(leader)).alive()) {
      // The queue's node is down: the publish is routed, and refused (basic.nack with confirms).
      if (token != 0) settle_pending(simulation, token, true);
      continue;
    }
    Forward const forward{token, leader, queue, message, persistent, simulation.now()};
    send_enqueue(simulation, forward);
    if (token != 0) forwards_.push_back(forward);
  }
}

void RabbitNode::send_enqueue(sim::Simulation& simulation, Forward const& forward) {
  Network& net = network();
  EnvelopeId const forwarded = net.acquire(AmqpMessageType::enqueue, id(), cluster_.node(forward.node));
  AmqpEnvelope& enqueue = net.envelope<AmqpEnvelope>(forwarded);
  enqueue.correlation = forward.token;
  enqueue.queue = forward.queue;
  enqueue.message = forward.message;
  enqueue.persistent = forward.persistent;
  net.send(simulation, forwarded);
}

std::vector<RabbitNode::Forward>::iterator RabbitNode::find_forward(std::uint64_t token, QueueIndex queue) {
  return std::find_if(forwards_.begin(), forwards_.end(),
                      [&](Forward const& forward) { return forward.token == token && forward.queue == queue; });
}

void RabbitNode::answer_forward(sim::Simulation& simulation, std::uint64_t token, QueueIndex queue, bool refused, bool reset) {
  auto const found = find_forward(token, queue);
  if (found == forwards_.end()) return;  // Answered already (a quorum enqueue sent twice), or its node reset.
  if (reset && is_quorum(queue)) {
    found->node = -1;  // Its leader is down: the next resend tick finds the new one.
    return;
  }
  forwards_.erase(found);
  settle_pending(simulation, token, refused);
}

// Quorum enqueues unanswered for kEnqueueResend go to the queue's leader as the cluster knows it now.
void RabbitNode::resend_enqueues(sim::Simulation& simulation) {
  bool waiting = false;
  for (Forward& forward : forwards_) {
    if (!is_quorum(forward.queue)) continue;
    waiting = true;
    if (simulation.now() - forward.sent_at < kEnqueueResend && forward.node >= 0) continue;
    int const leader = cluster_.leader(forward.queue);
    if (leader < 0 || !network().node(cluster_.node(leader)).alive()) {
      forward.node = -1;
      continue;
    }
    forward.node = leader;
    forward.sent_at = simulation.now();
    if (leader == index_) {
      if (leads_quorum(forward.queue)) quorum_enqueue(simulation, forward.queue, forward.message, forward.token, id());
      continue;
    }
    send_enqueue(simulation, forward);
  }
  if (waiting && !resend_scheduled_) {
    resend_scheduled_ = true;
    schedule_self(simulation, kEnqueueResend, kResendTick);
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
  ++pending_generation_;
  std::uint64_t const token = (static_cast<std::uint64_t>(pending_generation_) << 32) | slot;
  pending_[slot] = PendingPublish{publisher, sequence, token, 0, false, true};
  return token;
}

// One of the publish's queues has it (or refused it); the last one confirms it.
void RabbitNode::settle_pending(sim::Simulation& simulation, std::uint64_t token, bool refused) {
  auto const slot = static_cast<std::uint32_t>(token & 0xFFFFFFFFU);
  if (slot >= pending_.size() || !pending_[slot].live || pending_[slot].token != token) return;
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
  if (is_quorum(enqueue.queue)) {
    // Not (or no longer) its leader: the channel's node sends it again to the leader it finds.
    if (leads_quorum(enqueue.queue)) quorum_enqueue(simulation, enqueue.queue, enqueue.message, enqueue.correlation, enqueue.from);
    return;
  }
  QueueReplica const& replica = queues_[enqueue.queue];
  bool accepted = replica.leads && enqueue_local(simulation, enqueue.queue, enqueue.message, enqueue.persistent,
                                                  enqueue.correlation, enqueue.from);
  if (accepted || enqueue.correlation == 0) return;  // Accepted: answered once written.
  send_enqueued(simulation, enqueue.queue, enqueue.from, enqueue.correlation, true);
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
      send_enqueued(simulation, queue, reply_to, token, false);
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
    send_enqueued(simulation, queue, record.reply_to, record.token, false);
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
  if (is_quorum(queue)) {
    if (!leads_quorum(queue) || !member(queue).ready) return;
    QuorumEntry entry;
    entry.op = QuorumOp::settle;
    entry.target = member(queue).index_of_sequence[sequence];
    quorum_append(simulation, queue, entry);
    return;
  }
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
  if (!replica.leads && !leads_quorum(consume.queue)) {
    // Not here (a classic queue's node only serves it; a quorum leader moved): cancelled at once.
    send_cancel(simulation, consume.queue, consume.from);
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
    QueuedMessage const rejected = replica.state->reject(settlement.tag, settlement.requeue, simulation.now(), removed_);
    if (settlement.requeue) record_return(simulation, settlement.queue, rejected.sequence);
    dispose(simulation, settlement.queue, removed_);
    arm_expiry(simulation, settlement.queue);
  }
  observe_depth(simulation, settlement.queue);
  dispatch(simulation, settlement.queue);
}

// Pushes ready messages to the consumers with room under their prefetch, round-robin.
void RabbitNode::dispatch(sim::Simulation& simulation, QueueIndex queue) {
  QueueReplica& replica = queues_[queue];
  if (replica.consumers.empty() || !replica.state) return;
  if (is_quorum(queue) && !has_lease(queue, simulation.now())) return;  // Check-quorum: see quorum.h.
  Network& net = network();
  std::size_t idle = 0;
  while (replica.state->ready_count() > 0 && idle < replica.consumers.size()) {
    std::size_t const c = replica.next_consumer % replica.consumers.size();
    replica.next_consumer = c + 1;
    Attached& consumer = replica.consumers[c];
    if (consumer.cancelled || (consumer.prefetch != 0 && consumer.unacked >= consumer.prefetch)) {
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
  returned_.clear();
  replica.state->requeue_all_of(node, simulation.now(), removed_, &returned_);
  for (std::uint64_t sequence : returned_) record_return(simulation, queue, sequence);
  observe_depth(simulation, queue);
  dispose(simulation, queue, removed_);
  if (cancel) send_cancel(simulation, queue, node);
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

// --- Quorum queues (quorum.h) ----------------------------------------------------------------------------

std::size_t RabbitNode::slot_of(QueueIndex queue, int node) const {
  std::vector<int> const& members = cluster_.replicas(queue);
  auto const found = std::find(members.begin(), members.end(), node);
  BROKERSIM_ASSERT(found != members.end());
  return static_cast<std::size_t>(found - members.begin());
}

sim::Time RabbitNode::draw_election_timeout(sim::Time low, sim::Time high) {
  return low + static_cast<sim::Time>(election_random_.below(static_cast<std::uint64_t>(high - low) + 1));
}

// Check-quorum: the leader has heard from a majority (itself included) within kLeaderLease.
bool RabbitNode::has_lease(QueueIndex queue, sim::Time now) const {
  QuorumMember const& quorum = *queues_[queue].quorum;
  std::size_t heard = 1;
  std::size_t const self = slot_of(queue, index_);
  for (std::size_t slot = 0; slot < quorum.heard.size(); ++slot) {
    if (slot != self && now - quorum.heard[slot] <= kLeaderLease) ++heard;
  }
  return heard >= majority(queue);
}

// The leader takes a publish: appended once (a channel's resend of one it holds is answered, not appended
// again), answered once committed.
void RabbitNode::quorum_enqueue(sim::Simulation& simulation, QueueIndex queue, std::uint32_t message, std::uint64_t token,
                                NodeId reply_to) {
  QuorumMember& quorum = member(queue);
  BROKERSIM_ASSERT(quorum.role == QuorumRole::leader);
  if (token != 0) {
    auto const held = quorum.enqueue_ids.find(QuorumMember::enqueue_id(reply_to, token));
    if (held != quorum.enqueue_ids.end()) {
      if (held->second <= quorum.commit) answer_enqueue(simulation, queue, reply_to, token, false);
      return;
    }
  }
  QuorumEntry entry;
  entry.op = QuorumOp::enqueue;
  entry.message = message;
  entry.token = token;
  entry.enqueuer = reply_to;
  entry.at = simulation.now();
  quorum_append(simulation, queue, entry);
  truth_.tracer.record(simulation.now(), message, id(), TraceKind::enqueued, queue);
}

std::uint64_t RabbitNode::quorum_append(sim::Simulation& simulation, QueueIndex queue, QuorumEntry entry) {
  QuorumMember& quorum = member(queue);
  BROKERSIM_ASSERT(quorum.role == QuorumRole::leader);
  EntryStore& entries = store(queue);
  entry.term = quorum.term;
  BROKERSIM_ASSERT(entries.size() < kNoEntry);
  quorum.log.push_back(static_cast<std::uint32_t>(entries.size()));
  entries.push_back(entry);
  std::uint64_t const index = quorum.last_index();
  if (entry.op == QuorumOp::enqueue && entry.token != 0) {
    quorum.enqueue_ids.emplace(QuorumMember::enqueue_id(entry.enqueuer, entry.token), index);
  }
  std::size_t const self = slot_of(queue, index_);
  quorum.match[self] = index;
  for (std::size_t slot = 0; slot < quorum.next.size(); ++slot) {
    if (slot != self) replicate(simulation, queue, slot);
  }
  advance_commit(simulation, queue);  // A single member commits alone.
  return index;
}

// Sends the follower the entries it lacks, up to kReplicationWindow beyond what it has acknowledged.
void RabbitNode::replicate(sim::Simulation& simulation, QueueIndex queue, std::size_t slot) {
  QuorumMember& quorum = member(queue);
  // Once everything before was sent, each new entry goes out as it is appended (a new leader's no-op too).
  while (quorum.next[slot] <= quorum.last_index() &&
         (quorum.next[slot] - quorum.match[slot] <= kReplicationWindow || quorum.next[slot] == quorum.last_index())) {
    send_append(simulation, queue, slot, quorum.next[slot] - 1, true);
    ++quorum.next[slot];
  }
}

void RabbitNode::send_append(sim::Simulation& simulation, QueueIndex queue, std::size_t slot, std::uint64_t prev, bool with_entry) {
  QuorumMember const& quorum = member(queue);
  EntryStore const& entries = store(queue);
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::append, this->id(), cluster_.node(cluster_.replicas(queue)[slot]));
  AmqpEnvelope& append = net.envelope<AmqpEnvelope>(id);
  append.queue = queue;
  append.term = quorum.term;
  append.tag = prev;
  append.prev_term = quorum.term_at(entries, prev);
  append.entry = with_entry ? quorum.log[prev] : kNoEntry;
  append.commit = quorum.commit;
  net.send(simulation, id);
}

// Raft's commit rule: the highest index a majority holds, if it is of the leader's own term.
void RabbitNode::advance_commit(sim::Simulation& simulation, QueueIndex queue) {
  QuorumMember& quorum = member(queue);
  // The majority-th highest match: a partial sort into a reused buffer (this runs on every append_ok).
  matched_.assign(quorum.match.begin(), quorum.match.end());
  auto const kth = matched_.begin() + static_cast<std::ptrdiff_t>(majority(queue) - 1);
  std::nth_element(matched_.begin(), kth, matched_.end(), std::greater<>());
  std::uint64_t const candidate = *kth;
  if (candidate <= quorum.commit || quorum.term_at(store(queue), candidate) != quorum.term) return;
  quorum.commit = candidate;
  apply_committed(simulation, queue);
}

void RabbitNode::apply_committed(sim::Simulation& simulation, QueueIndex queue) {
  QuorumMember& quorum = member(queue);
  QueueReplica& replica = queues_[queue];
  EntryStore const& entries = store(queue);
  while (quorum.applied < quorum.commit) {
    std::uint64_t const index = ++quorum.applied;
    QuorumEntry const entry = quorum.entry(entries, index);
    quorum.apply(entry, index);
    if (quorum.role != QuorumRole::leader) continue;
    if (entry.op == QuorumOp::noop && index == quorum.noop_index) {
      serve(simulation, queue);
      continue;
    }
    if (entry.op != QuorumOp::enqueue) continue;
    if (!quorum.ready) {
      // Committed before this leader serves: the copy is among those serve() restores.
      answer_enqueue(simulation, queue, entry.enqueuer, entry.token, false);
      continue;
    }
    removed_.clear();
    bool const refused = replica.state->enqueue(entry.message, simulation.now(), removed_) == EnqueueOutcome::refused;
    if (refused) {
      // reject-publish: the copy leaves the log's queue too, and the publish is nacked.
      QuorumEntry settle;
      settle.op = QuorumOp::settle;
      settle.target = index;
      quorum_append(simulation, queue, settle);
      std::uint32_t const group = group_of(queue);
      if (group != UINT32_MAX) truth_.groups[group].set(entry.message, GroupTruth::kDropped);
      truth_.tracer.record(simulation.now(), entry.message, id(), TraceKind::dropped, static_cast<std::int64_t>(RemovalReason::maxlen));
    } else {
      quorum.index_of_sequence.push_back(index);
      BROKERSIM_ASSERT(quorum.index_of_sequence.size() == replica.state->last_sequence() + 1);
    }
    answer_enqueue(simulation, queue, entry.enqueuer, entry.token, refused);
    observe_depth(simulation, queue);
    dispose(simulation, queue, removed_);
    dispatch(simulation, queue);
    arm_expiry(simulation, queue);
  }
}

void RabbitNode::answer_enqueue(sim::Simulation& simulation, QueueIndex queue, NodeId enqueuer, std::uint64_t token, bool refused) {
  if (token == 0) return;
  if (enqueuer == id()) {
    answer_forward(simulation, token, queue, refused, false);
    return;
  }
  send_enqueued(simulation, queue, enqueuer, token, refused);
}

void RabbitNode::send_enqueued(sim::Simulation& simulation, QueueIndex queue, NodeId to, std::uint64_t token, bool refused) {
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::enqueued, this->id(), to);
  AmqpEnvelope& answer = net.envelope<AmqpEnvelope>(id);
  answer.correlation = token;
  answer.queue = queue;
  answer.nack = refused;
  net.send(simulation, id);
}

void RabbitNode::send_cancel(sim::Simulation& simulation, QueueIndex queue, NodeId consumer) {
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::cancel, this->id(), consumer);
  net.envelope<AmqpEnvelope>(id).queue = queue;
  net.send(simulation, id);
}

void RabbitNode::send_vote(sim::Simulation& simulation, AmqpEnvelope const& request, std::uint64_t term, bool granted) {
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::vote, this->id(), request.from);
  AmqpEnvelope& vote = net.envelope<AmqpEnvelope>(id);
  vote.queue = request.queue;
  vote.term = term;
  vote.pre_vote = request.pre_vote;
  vote.nack = !granted;
  net.send(simulation, id);
}

// The leader's no-op is committed: every entry before it is too. The queue is rebuilt from the applied
// copies (none is delivered: the old leader's deliveries died with its consumers' channels) and served.
void RabbitNode::serve(sim::Simulation& simulation, QueueIndex queue) {
  QuorumMember& quorum = member(queue);
  QueueReplica& replica = queues_[queue];
  quorum.ready = true;
  replica.leads = true;
  replica.state.emplace(queue_state_config(cluster_.queue(queue)));
  quorum.index_of_sequence.clear();
  for (auto const& [index, copy] : quorum.live) {
    replica.state->restore(copy.message, copy.delivery_count, copy.enqueued_at);
    quorum.index_of_sequence.push_back(index);
  }
  removed_.clear();
  replica.state->expire_due(simulation.now(), removed_);
  observe_depth(simulation, queue);
  dispose(simulation, queue, removed_);
  dispatch(simulation, queue);
  arm_expiry(simulation, queue);
}

void RabbitNode::on_append(sim::Simulation& simulation, AmqpEnvelope const& append) {
  QueueReplica& replica = queues_[append.queue];
  if (!replica.quorum) return;
  QuorumMember& quorum = *replica.quorum;
  int const from = cluster_.index_of(append.from);
  Network& net = network();
  EnvelopeId const id = net.acquire(AmqpMessageType::append_ok, this->id(), append.from);
  AmqpEnvelope& answer = net.envelope<AmqpEnvelope>(id);
  answer.queue = append.queue;
  if (append.term < quorum.term) {
    answer.term = quorum.term;  // A deposed leader learns of the newer term and steps down.
    answer.nack = true;
    answer.tag = 0;
    net.send(simulation, id);
    return;
  }
  if (append.term > quorum.term || quorum.role != QuorumRole::follower) follow(simulation, append.queue, append.term);
  quorum.leader = from;
  quorum.leader_heard = simulation.now();
  quorum.leader_down = false;
  answer.term = quorum.term;
  truncated_.clear();
  if (!quorum.accept(store(append.queue), append.tag, append.prev_term, append.entry, truncated_)) {
    answer.nack = true;
    answer.tag = append.tag > quorum.last_index() ? quorum.last_index() + 1 : append.tag;
    net.send(simulation, id);
    return;
  }
  std::uint64_t const matched = append.tag + (append.entry == kNoEntry ? 0 : 1);
  answer.tag = matched;
  net.send(simulation, id);
  std::uint64_t const commit = std::min(append.commit, matched);
  if (commit > quorum.commit) {
    quorum.commit = commit;
    apply_committed(simulation, append.queue);
  }
}

void RabbitNode::on_append_ok(sim::Simulation& simulation, AmqpEnvelope const& answer) {
  QueueReplica& replica = queues_[answer.queue];
  if (!replica.quorum) return;
  QuorumMember& quorum = *replica.quorum;
  if (answer.term > quorum.term) {
    follow(simulation, answer.queue, answer.term);
    return;
  }
  if (quorum.role != QuorumRole::leader || answer.term != quorum.term) return;
  std::size_t const slot = slot_of(answer.queue, cluster_.index_of(answer.from));
  bool const had_lease = has_lease(answer.queue, simulation.now());
  quorum.heard[slot] = simulation.now();
  if (answer.nack) {
    // Its log does not hold our entry before `tag`: send from there (once per resend point).
    std::uint64_t const from = std::max<std::uint64_t>(answer.tag, quorum.match[slot] + 1);
    if (from < quorum.next[slot] && from != quorum.resent_from[slot]) {
      quorum.resent_from[slot] = from;
      quorum.next[slot] = from;
      replicate(simulation, answer.queue, slot);
    }
    return;
  }
  if (answer.tag > quorum.match[slot]) {
    quorum.match[slot] = answer.tag;
    quorum.next[slot] = std::max(quorum.next[slot], answer.tag + 1);
    advance_commit(simulation, answer.queue);
    if (quorum.role != QuorumRole::leader) return;  // Applying stepped it down? (never: kept for safety)
    replicate(simulation, answer.queue, slot);
  }
  if (!had_lease && quorum.ready && has_lease(answer.queue, simulation.now())) dispatch(simulation, answer.queue);
}

void RabbitNode::on_vote_request(sim::Simulation& simulation, AmqpEnvelope const& request) {
  QueueReplica& replica = queues_[request.queue];
  if (!replica.quorum) return;
  QuorumMember& quorum = *replica.quorum;
  int const candidate = cluster_.index_of(request.from);
  // Leader stickiness (Raft thesis 4.2.3): a member that hears from a live leader ignores candidates, so a
  // member coming back from a partition cannot depose a leader that is doing fine.
  bool const leader_live = quorum.role == QuorumRole::leader
                               ? has_lease(request.queue, simulation.now())
                               : quorum.leader >= 0 && !quorum.leader_down &&
                                     simulation.now() - quorum.leader_heard < kElectionTimeoutMin;
  if (request.pre_vote) {
    // Would it vote? Nothing changes here.
    bool const would = request.term > quorum.term && !leader_live &&
                       quorum.candidate_up_to_date(store(request.queue), request.prev_term, request.tag);
    send_vote(simulation, request, request.term, would);
    return;
  }
  if (leader_live && request.term > quorum.term) return;
  if (request.term > quorum.term) follow(simulation, request.queue, request.term);
  bool const grant = request.term == quorum.term && (quorum.voted_for < 0 || quorum.voted_for == candidate) &&
                     quorum.candidate_up_to_date(store(request.queue), request.prev_term, request.tag);
  if (grant) {
    quorum.voted_for = candidate;
    quorum.leader_heard = simulation.now();  // Granting a vote restarts the election timeout.
  }
  send_vote(simulation, request, quorum.term, grant);
}

void RabbitNode::on_vote(sim::Simulation& simulation, AmqpEnvelope const& vote) {
  QueueReplica& replica = queues_[vote.queue];
  if (!replica.quorum) return;
  QuorumMember& quorum = *replica.quorum;
  if (vote.pre_vote) {
    if (quorum.role != QuorumRole::pre_candidate || vote.term != quorum.term + 1 || vote.nack) return;
    if (static_cast<std::size_t>(++quorum.votes) >= majority(vote.queue)) stand(simulation, vote.queue, false);
    return;
  }
  if (vote.term > quorum.term) {
    follow(simulation, vote.queue, vote.term);
    return;
  }
  if (quorum.role != QuorumRole::candidate || vote.term != quorum.term || vote.nack) return;
  if (static_cast<std::size_t>(++quorum.votes) >= majority(vote.queue)) become_leader(simulation, vote.queue);
}

void RabbitNode::quorum_tick(sim::Simulation& simulation, QueueIndex queue, std::uint64_t term) {
  if (!leads_quorum(queue) || member(queue).term != term) return;  // Deposed since: this tick ends.
  QuorumMember& quorum = member(queue);
  std::size_t const self = slot_of(queue, index_);
  std::size_t heard = 1;
  for (std::size_t slot = 0; slot < quorum.heard.size(); ++slot) {
    if (slot != self && simulation.now() - quorum.heard[slot] < kElectionTimeoutMin) ++heard;
  }
  if (heard < majority(queue)) {
    // Check-quorum: cut off from its majority for an election timeout, it steps down; its consumers are
    // cancelled and consume again from whichever leader the majority elected.
    follow(simulation, queue, quorum.term);
    return;
  }
  for (std::size_t slot = 0; slot < quorum.next.size(); ++slot) {
    if (slot == self) continue;
    // Entries lost on the way (a lossy link, a follower that was down) are sent again when the follower
    // made no progress since the last tick.
    if (quorum.match[slot] < quorum.last_index() && quorum.match[slot] == quorum.probe[slot]) {
      quorum.next[slot] = quorum.match[slot] + 1;
      replicate(simulation, queue, slot);
    }
    quorum.probe[slot] = quorum.match[slot];
    send_append(simulation, queue, slot, quorum.match[slot], false);
  }
  schedule_self(simulation, kQuorumHeartbeat, kQuorumTick, queue, term);
}

void RabbitNode::arm_election(sim::Simulation& simulation, QueueIndex queue, sim::Time deadline) {
  QuorumMember& quorum = member(queue);
  quorum.election_deadline = deadline;
  if (quorum.election_timer >= 0 && quorum.election_timer <= deadline) return;  // It re-arms when it fires.
  quorum.election_timer = std::max(deadline, simulation.now());
  schedule_self(simulation, quorum.election_timer - simulation.now(), kElection, queue);
}

void RabbitNode::election_due(sim::Simulation& simulation, QueueIndex queue) {
  QuorumMember& quorum = member(queue);
  if (quorum.election_timer != simulation.now()) return;  // Superseded by an earlier one.
  quorum.election_timer = -1;
  if (quorum.role == QuorumRole::leader) return;
  // A follower hearing from its leader pushes its deadline on (drawn anew: the timeout is random).
  if (quorum.role == QuorumRole::follower && !quorum.leader_down &&
      quorum.election_deadline < quorum.leader_heard + kElectionTimeoutMin) {
    quorum.election_deadline = quorum.leader_heard + draw_election_timeout(kElectionTimeoutMin, kElectionTimeoutMax);
  }
  if (simulation.now() < quorum.election_deadline) {
    arm_election(simulation, queue, quorum.election_deadline);
    return;
  }
  stand(simulation, queue, true);
}

// Pre-vote first (ra's pre_vote, Raft thesis 9.6): a member asks whether it could win before it raises
// its term, so one that was cut off cannot depose a working leader when it comes back.
void RabbitNode::stand(sim::Simulation& simulation, QueueIndex queue, bool pre_vote) {
  QuorumMember& quorum = member(queue);
  if (!pre_vote) {
    ++quorum.term;
    quorum.voted_for = index_;
  }
  quorum.role = pre_vote ? QuorumRole::pre_candidate : QuorumRole::candidate;
  quorum.votes = 1;
  quorum.leader = -1;
  arm_election(simulation, queue, simulation.now() + draw_election_timeout(kElectionTimeoutMin, kElectionTimeoutMax));
  if (majority(queue) == 1) {
    if (pre_vote) {
      stand(simulation, queue, false);
    } else {
      become_leader(simulation, queue);
    }
    return;
  }
  EntryStore const& entries = store(queue);
  Network& net = network();
  for (int node : cluster_.replicas(queue)) {
    if (node == index_) continue;
    EnvelopeId const id = net.acquire(AmqpMessageType::vote_request, this->id(), cluster_.node(node));
    AmqpEnvelope& request = net.envelope<AmqpEnvelope>(id);
    request.queue = queue;
    request.term = quorum.term + (pre_vote ? 1 : 0);
    request.pre_vote = pre_vote;
    request.tag = quorum.last_index();
    request.prev_term = quorum.term_at(entries, quorum.last_index());
    net.send(simulation, id);
  }
}

void RabbitNode::become_leader(sim::Simulation& simulation, QueueIndex queue) {
  QuorumMember& quorum = member(queue);
  std::size_t const members = cluster_.replicas(queue).size();
  quorum.role = QuorumRole::leader;
  quorum.leader = index_;
  quorum.ready = false;
  quorum.next.assign(members, quorum.last_index() + 1);
  quorum.match.assign(members, 0);
  quorum.probe.assign(members, 0);
  quorum.resent_from.assign(members, 0);
  quorum.heard.assign(members, simulation.now());  // The votes just heard.
  quorum.enqueue_ids.clear();
  EntryStore const& entries = store(queue);
  for (std::uint64_t index = 1; index <= quorum.last_index(); ++index) {
    QuorumEntry const& entry = quorum.entry(entries, index);
    if (entry.op == QuorumOp::enqueue && entry.token != 0) {
      quorum.enqueue_ids.emplace(QuorumMember::enqueue_id(entry.enqueuer, entry.token), index);
    }
  }
  cluster_.set_leader(queue, index_);
  if (quorum.term > 1) ++truth_.leader_elections;  // Term 1 is the queue's declaration.
  // Known before the append: a single member commits (and serves) within it.
  quorum.noop_index = quorum.last_index() + 1;
  quorum_append(simulation, queue, QuorumEntry{});
  schedule_self(simulation, kQuorumHeartbeat, kQuorumTick, queue, quorum.term);
}

void RabbitNode::follow(sim::Simulation& simulation, QueueIndex queue, std::uint64_t term) {
  QuorumMember& quorum = member(queue);
  QueueReplica& replica = queues_[queue];
  if (term > quorum.term) {
    quorum.term = term;
    quorum.voted_for = -1;
  }
  if (quorum.role == QuorumRole::leader) {
    // Deposed: its consumers are cancelled (they consume again from the new leader, which delivers every
    // copy this one had not replicated as settled).
    for (Attached const& consumer : replica.consumers) send_cancel(simulation, queue, consumer.node);
    replica.consumers.clear();
    replica.next_consumer = 0;
    replica.state.reset();
    replica.leads = false;
    replica.expiry_timer = kNoExpiry;
    quorum.ready = false;
    quorum.index_of_sequence.clear();
    quorum.enqueue_ids.clear();
    if (cluster_.leader(queue) == index_) cluster_.set_leader(queue, -1);
  }
  quorum.role = QuorumRole::follower;
  quorum.leader = -1;
  quorum.leader_down = false;
  quorum.votes = 0;
  quorum.leader_heard = simulation.now();
  arm_election(simulation, queue, simulation.now() + draw_election_timeout(kElectionTimeoutMin, kElectionTimeoutMax));
}

void RabbitNode::record_return(sim::Simulation& simulation, QueueIndex queue, std::uint64_t sequence) {
  if (!is_quorum(queue) || !leads_quorum(queue) || !member(queue).ready) return;
  QuorumEntry entry;
  entry.op = QuorumOp::returned;
  entry.target = member(queue).index_of_sequence[sequence];
  quorum_append(simulation, queue, entry);
}

// --- Crashes --------------------------------------------------------------------------------------------

void RabbitNode::on_crash(sim::Simulation& simulation) {
  // What a restart finds on disk: the durable copies, and after a process crash (the OS still up) the
  // written ones too; a power loss takes the page cache with it.
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    QueueReplica& replica = queues_[q];
    if (replica.quorum) {
      // A member's term, vote and log are on disk (ra fsyncs before it answers); the rest is rebuilt.
      QuorumMember kept;
      kept.term = replica.quorum->term;
      kept.voted_for = replica.quorum->voted_for;
      kept.log = std::move(replica.quorum->log);
      *replica.quorum = std::move(kept);
      if (cluster_.leader(q) == index_) cluster_.set_leader(q, -1);
      replica.state.reset();
      replica.leads = false;
      replica.consumers.clear();
      replica.next_consumer = 0;
      replica.expiry_timer = kNoExpiry;
      continue;
    }
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
  resend_scheduled_ = false;
  last_heard_.clear();
  pending_.clear();
  free_pending_.clear();
  forwards_.clear();
}

void RabbitNode::on_restart(sim::Simulation& simulation) {
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    QueueReplica& replica = queues_[q];
    if (!replica.leads) continue;
    // The queue comes back with what its disk held, in queue order, every message ready again: all of it,
    // whatever its length limit (which refuses or drops at the next publish). The message TTL runs from
    // the restart (simplified: RabbitMQ keeps each message's expiry).
    std::map<std::uint64_t, std::uint32_t> const recovered = std::move(replica.durable);
    replica.durable.clear();
    replica.state.emplace(queue_state_config(cluster_.queue(q)));
    replica.on_disk.clear();
    for (auto const& [sequence, message] : recovered) {
      replica.state->restore(message, 0, simulation.now());
      replica.durable.emplace(replica.state->last_sequence(), message);
      mark_on_disk(replica, replica.state->last_sequence());
    }
    removed_.clear();
    replica.state->expire_due(simulation.now(), removed_);
    dispose(simulation, q, removed_);
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
  network().close_connection(id(), client);
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
  // Another node died: the enqueues forwarded to it are refused (a quorum queue's wait for a new
  // leader), and the quorum queues it led elect another soon.
  std::vector<Forward> failed;
  std::erase_if(forwards_, [&](Forward const& forward) {
    if (forward.node != node || is_quorum(forward.queue)) return false;
    failed.push_back(forward);
    return true;
  });
  for (Forward& forward : forwards_) {
    if (forward.node == node) forward.node = -1;
  }
  for (Forward const& forward : failed) settle_pending(simulation, forward.token, true);
  for (QueueIndex q = 0; q < queues_.size(); ++q) {
    if (!queues_[q].quorum) continue;
    QuorumMember& quorum = member(q);
    if (quorum.role != QuorumRole::follower || quorum.leader != node) continue;
    quorum.leader_down = true;
    arm_election(simulation, q, simulation.now() + draw_election_timeout(kLeaderDownMin, kLeaderDownMax));
  }
}

}  // namespace brokersim::model::rabbitmq
