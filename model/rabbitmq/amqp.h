// What RabbitMQ's clients and nodes send each other: AMQP 0-9-1, much reduced, and the traffic between
// nodes that carries a publish from the channel's node to its queues' nodes.
//
// Client <-> the node it is connected to (its channel lives there):
//   publish        publisher -> node. correlation = publish sequence number (0 without confirms), message,
//                  exchange, routing_key (index into the producer's keys: the key's text is content the
//                  World resolves), mandatory, persistent.
//   confirm        node -> publisher. correlation = the sequence number; nack = basic.nack (a queue refused
//                  it or is down) rather than basic.ack.
//   basic_return   node -> publisher. message: mandatory and unroutable (the confirm follows).
//   consume        consumer -> the queue's node. queue, prefetch (0: unlimited), auto_ack.
//   cancel         node -> consumer. queue: the consumer was cancelled (its queue went down or moved, or
//                  its channel was closed by the consumer timeout); the consumer consumes again.
//                  consumer -> node: basic.cancel of a consumer that a scale fault stops: the node pushes
//                  it nothing more, and still takes the acks of what it delivered.
//   deliver        node -> consumer. queue, tag, message, redelivered, delivery_count.
//   ack            consumer -> node. queue, tag.
//   reject         consumer -> node. queue, tag, requeue (basic.reject and basic.nack alike).
// Node <-> node:
//   enqueue        channel's node -> queue's leader node. correlation = token, queue, message, persistent.
//   enqueued       queue's node -> channel's node. correlation = token, queue, nack = refused (overflow,
//                  queue down); answered once the message is safe (classic: written; quorum: committed).
//   heartbeat      client <-> the node it is connected to.
// Quorum queue members (Raft, one group per queue; see quorum.h):
//   append         leader -> follower. queue, term, tag = the previous log index, prev_term, entry (a
//                  position in the queue's entry store, or kNoEntry: a heartbeat), commit = the leader's
//                  commit index.
//   append_ok      follower -> leader. queue, term, nack = rejected (its log does not match at the previous
//                  index), tag = the index it matches up to (accepted) or the index to resend from (rejected).
//   vote_request   candidate -> member. queue, term, tag = its last log index, prev_term = its last log term,
//                  pre_vote: the round before (term = the term it would stand in).
//   vote           member -> candidate. queue, term, nack = refused, pre_vote.
#pragma once

#include <cstdint>
#include <vector>

#include "model/core/envelope.h"
#include "sim/assert.h"
#include "sim/time.h"

namespace brokersim::model::rabbitmq {

enum class AmqpMessageType : std::uint8_t {
  publish,
  confirm,
  basic_return,
  consume,
  cancel,
  deliver,
  ack,
  reject,
  enqueue,
  enqueued,
  heartbeat,  // Either side of a client connection, every kHeartbeatInterval.
  append,
  append_ok,
  vote_request,
  vote,
};

inline constexpr std::uint32_t kNoEntry = 0xFFFFFFFFU;

// AMQP heartbeats (heartbeats.md): with the default timeout of 60 s each side sends a heartbeat frame
// every 30 s, and a peer that has sent nothing for the whole timeout (two missed heartbeats) is
// considered unreachable: its connection is closed. This is how a network cut that leaves both
// processes alive is noticed.
inline constexpr sim::Time kHeartbeatInterval = 30000 * sim::kMicrosPerMilli;
inline constexpr sim::Time kHeartbeatTimeout = 60000 * sim::kMicrosPerMilli;

struct AmqpEnvelope : EnvelopeHeader {
  static constexpr Protocol kProtocol = Protocol::amqp;
  using Type = AmqpMessageType;
  static bool is_request(AmqpMessageType type) {
    switch (type) {
      case AmqpMessageType::publish:
      case AmqpMessageType::consume:
      case AmqpMessageType::enqueue:
      case AmqpMessageType::append:
      case AmqpMessageType::vote_request:
        return true;
      default:
        return false;
    }
  }
  // Counted in flight (Network::publishes_in_flight) while a message is on its way with nothing else
  // holding it: a publish, its copy going to a queue on another node (or a quorum queue's leader), a
  // delivery on its way to a consumer, a reject on its way back, and a quorum queue's replication (an
  // entry appended but not yet committed is in no queue yet). Without these, World::settled could end a
  // run while the last publishes of a publisher without confirms were still travelling: they were lost.
  static bool is_publish(AmqpMessageType type) {
    switch (type) {
      case AmqpMessageType::publish:
      case AmqpMessageType::enqueue:
      case AmqpMessageType::deliver:
      case AmqpMessageType::reject:
      case AmqpMessageType::append:
      case AmqpMessageType::append_ok:
        return true;
      default:
        return false;
    }
  }

  AmqpMessageType type = AmqpMessageType::publish;
  bool nack = false;
  bool mandatory = false;
  bool persistent = true;
  bool auto_ack = false;
  bool redelivered = false;
  bool requeue = false;
  bool pre_vote = false;  // vote_request, vote: the pre-vote round (no term changes).
  std::uint32_t message = 0;
  std::uint32_t exchange = 0;
  std::uint32_t routing_key = 0;
  std::uint32_t headers = 0;  // Publish: the message's header set (RabbitCluster::headers).
  std::uint32_t queue = 0;
  std::uint32_t prefetch = 0;
  std::uint32_t delivery_count = 0;
  std::uint32_t entry = kNoEntry;
  std::uint64_t tag = 0;
  std::uint64_t term = 0;
  std::uint64_t prev_term = 0;
  std::uint64_t commit = 0;

  void clear() {
    nack = mandatory = auto_ack = redelivered = requeue = pre_vote = false;
    persistent = true;
    message = exchange = routing_key = headers = queue = prefetch = delivery_count = 0;
    entry = kNoEntry;
    tag = term = prev_term = commit = 0;
  }
};

inline AmqpEnvelope const& as_amqp(EnvelopeHeader const& header) {
  BROKERSIM_ASSERT(header.protocol == Protocol::amqp);
  return static_cast<AmqpEnvelope const&>(header);
}

}  // namespace brokersim::model::rabbitmq

namespace brokersim::model {
template <>
struct EnvelopeOf<rabbitmq::AmqpMessageType> {
  using type = rabbitmq::AmqpEnvelope;
};
}  // namespace brokersim::model
