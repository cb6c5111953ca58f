// A RabbitMQ node (rabbit-N): the channels of the clients connected to it (routing each publish through
// the exchanges, forwarding it to its queues' nodes, confirming it once every queue has it), and the
// queues whose replicas it holds, with the consumers attached to them.
//
// Classic queues (RabbitMQ 4: one node, not replicated): a persistent message on a durable queue is
// written to the node's disk at the queue's next write point and confirmed then (RabbitMQ writes and
// confirms when the queue goes idle, at most every 200 ms: kWriteDelay stands for it); the operating
// system makes a write durable once its page-cache writeback has run (kWriteback, Linux's
// dirty_expire_centisecs). A process crash loses what was not yet written; a power loss also loses
// what was written but not yet durable: enqueues (a confirmed message lost) and acks (an acked message
// back). While its node is down the queue is unavailable: publishes to it are nacked, consumers cancelled.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "model/core/node.h"
#include "model/rabbitmq/amqp.h"
#include "model/rabbitmq/cluster.h"
#include "model/rabbitmq/queue_state.h"
#include "model/truth/truth.h"
#include "sim/simulation.h"

namespace brokersim::model::rabbitmq {

// Write points of classic queues: a write happens this long after the first unwritten change.
inline constexpr sim::Time kWriteDelay = 1 * sim::kMicrosPerMilli;
// A write survives a power loss once this old: Linux's dirty_expire_centisecs (30 s) for page-cache
// writeback (RabbitMQ 3.13+ classic queues write without fsync).
inline constexpr sim::Time kWriteback = 30000 * sim::kMicrosPerMilli;
// consumer_timeout is checked on this tick (rabbit_channel's tick): a delivery times out between the
// timeout and the timeout plus one tick.
inline constexpr sim::Time kConsumerTimeoutTick = 60000 * sim::kMicrosPerMilli;

class RabbitNode : public Node {
 public:
  RabbitNode(NodeId id, int index, RabbitCluster& cluster, GroundTruth& truth);

  void start(sim::Simulation& simulation);
  int index() const { return index_; }
  // Crash fault with lose_unflushed: writes not yet durable are lost with the process.
  void lose_unwritten_on_crash() { power_loss_ = true; }

  // End state: the messages queue `queue` holds here (ready and unacked), in queue order; empty when
  // this node does not lead it.
  std::vector<std::uint32_t> held(QueueIndex queue) const;
  std::size_t depth(QueueIndex queue) const;

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override;
  void on_crash(sim::Simulation& simulation) override;
  void on_restart(sim::Simulation& simulation) override;
  void on_peer_reset(sim::Simulation& simulation, NodeId peer) override;

 private:
  enum EventType : std::uint32_t {
    kWrite = 1,          // arg0 = queue: a classic queue's write point.
    kExpire = 2,         // arg0 = queue, arg1 = the head's expiry it was set for.
    kTimeoutTick = 3,    // consumer_timeout check.
    kHeartbeatTick = 4,  // Heartbeats to the connected clients; silent ones are dropped.
  };

  // A consumer attached to a queue here (basic.consume on a channel).
  struct Attached {
    NodeId node = kNoNode;
    std::uint32_t prefetch = 0;  // 0: unlimited.
    bool auto_ack = false;
    std::uint32_t unacked = 0;
    std::deque<std::pair<DeliveryTag, sim::Time>> outstanding;  // Deliveries not yet settled, in tag order.
  };
  // A change not yet written to disk, or written and not yet durable.
  struct DiskRecord {
    std::uint64_t sequence = 0;
    std::uint32_t message = 0;
    bool settle = false;  // The copy left the queue (ack, dead-letter, drop); else its enqueue.
    std::uint64_t token = 0;  // An enqueue's confirm to give once written (0: none), to `reply_to`.
    NodeId reply_to = kNoNode;
    sim::Time written_at = 0;
  };
  struct QueueReplica {
    bool leads = false;
    std::optional<QueueState> state;
    std::vector<Attached> consumers;
    std::size_t next_consumer = 0;  // Round-robin dispatch.
    // Classic durability: changes waiting for the write point, changes written but not yet durable (in
    // write order), and the durable copies (enqueue sequence -> message).
    std::vector<DiskRecord> unwritten;
    std::deque<DiskRecord> written;
    std::map<std::uint64_t, std::uint32_t> durable;
    std::vector<bool> on_disk;  // Per enqueue sequence: its enqueue was written.
    bool write_scheduled = false;
    sim::Time expiry_timer = kNoExpiry;  // The head expiry a kExpire is scheduled for.
  };
  // A publish of a channel on this node awaiting its queues.
  struct PendingPublish {
    NodeId publisher = kNoNode;
    std::uint64_t sequence = 0;  // Its publish sequence number (0 without confirms).
    int outstanding = 0;
    bool refused = false;
    bool live = false;
  };
  // An enqueue forwarded to another node, awaiting its `enqueued`.
  struct Forward {
    std::uint64_t token = 0;
    int node = -1;
  };

  // Channels.
  void on_publish(sim::Simulation& simulation, AmqpEnvelope const& publish);
  std::uint64_t open_pending(NodeId publisher, std::uint64_t sequence);
  void settle_pending(sim::Simulation& simulation, std::uint64_t token, bool refused);
  void confirm(sim::Simulation& simulation, NodeId publisher, std::uint64_t sequence, bool nack);
  // Delivers a copy of `message` to each queue of `route` (this node's, or forwarded), for `token`.
  void enqueue_routed(sim::Simulation& simulation, std::vector<QueueIndex> const& queues, std::uint32_t message,
                      bool persistent, std::uint64_t token);

  // Queues.
  void on_enqueue(sim::Simulation& simulation, AmqpEnvelope const& enqueue);
  // Enqueues into a queue this node leads; false when it refused (overflow).
  bool enqueue_local(sim::Simulation& simulation, QueueIndex queue, std::uint32_t message, bool persistent,
                     std::uint64_t token, NodeId reply_to);
  void on_consume(sim::Simulation& simulation, AmqpEnvelope const& consume);
  void on_settle(sim::Simulation& simulation, AmqpEnvelope const& settlement);
  void dispatch(sim::Simulation& simulation, QueueIndex queue);
  void close_channel(sim::Simulation& simulation, QueueIndex queue, std::size_t consumer, bool cancel);
  // Messages that left a queue without an ack: dead-lettered through the queue's exchange, or dropped.
  void dispose(sim::Simulation& simulation, QueueIndex queue, std::vector<Removed> const& removed);
  void record_settle(sim::Simulation& simulation, QueueIndex queue, std::uint64_t sequence, std::uint32_t message);
  // Writes the depth of queue `queue` (ready, unacked; none while this node is down) into the ground
  // truth. Called after every change of a queue this node leads.
  void observe_depth(sim::Simulation& simulation, QueueIndex queue);
  void schedule_write(sim::Simulation& simulation, QueueIndex queue);
  void write(sim::Simulation& simulation, QueueIndex queue);
  static void fold_durable(QueueReplica& replica, Time now);
  static void mark_on_disk(QueueReplica& replica, std::uint64_t sequence) {
    if (sequence >= replica.on_disk.size()) replica.on_disk.resize(sequence + 1, false);
    replica.on_disk[sequence] = true;
  }
  void arm_expiry(sim::Simulation& simulation, QueueIndex queue);
  void check_consumer_timeouts(sim::Simulation& simulation);
  void heartbeat(sim::Simulation& simulation);
  // A client's connection is gone (reset, or silent past the heartbeat timeout): its channels close.
  void drop_client(sim::Simulation& simulation, NodeId client);
  std::uint32_t group_of(QueueIndex queue) const { return cluster_.group_of(queue); }
  bool durable_copy(QueueIndex queue, bool persistent) const { return persistent && cluster_.queue(queue).durable; }

  int index_;
  RabbitCluster& cluster_;
  GroundTruth& truth_;
  std::vector<QueueReplica> queues_;  // Per queue of the cluster; only this node's replicas are used.
  bool power_loss_ = false;

  // Volatile.
  std::vector<PendingPublish> pending_;
  std::vector<std::uint32_t> free_pending_;
  std::uint32_t pending_generation_ = 0;
  std::vector<Forward> forwards_;
  std::vector<Removed> removed_;  // Scratch.
  std::vector<QueueIndex> route_buffer_;  // Scratch of on_publish (never re-entered).
  std::vector<Time> last_heard_;  // Per node: when a connected client was last heard from; kNever: not connected.
};

}  // namespace brokersim::model::rabbitmq
