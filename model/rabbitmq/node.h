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
//
// Quorum queues (quorum.h): each member node holds the queue's Raft log; the leader's node serves the
// queue (its consumers, its deliveries) once its log is committed up to its term's first entry.
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
#include "model/rabbitmq/quorum.h"
#include "model/truth/truth.h"
#include "sim/random.h"
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
  RabbitNode(NodeId id, int index, RabbitCluster& cluster, GroundTruth& truth, std::uint64_t seed);

  void start(sim::Simulation& simulation);
  int index() const { return index_; }
  // Crash fault with lose_unflushed: writes not yet durable are lost with the process.
  void lose_unwritten_on_crash() { power_loss_ = true; }

  // End state: the messages queue `queue` holds here (ready and unacked), in queue order, when this node
  // serves it; a classic queue's node that is down holds what its disk holds. Empty otherwise.
  std::vector<std::uint32_t> held(QueueIndex queue) const;
  std::size_t depth(QueueIndex queue) const;
  bool serves(QueueIndex queue) const { return alive() && queues_[queue].leads; }
  // Quorum members, for the end state of a queue no node serves: how up to date this member's log is
  // (its last entry's term and index; (0, 0) when not a member), and the copies its whole log leaves in
  // the queue (what a leader elected from it would serve).
  std::pair<std::uint64_t, std::uint64_t> log_position(QueueIndex queue) const;
  std::vector<std::uint32_t> held_in_log(QueueIndex queue) const;
  // Whether this member holds copies no leader serves yet (a quorum queue between leaders).
  bool holds_unserved(QueueIndex queue) const;

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
    kElection = 5,       // arg0 = quorum queue: a member's election deadline may have passed.
    kQuorumTick = 6,     // arg0 = quorum queue, arg1 = term: its leader's heartbeat.
    kResendTick = 7,     // Enqueues to quorum queues unanswered for kEnqueueResend go to the leader again.
  };

  // A consumer attached to a queue here (basic.consume on a channel).
  struct Attached {
    NodeId node = kNoNode;
    std::uint32_t prefetch = 0;  // 0: unlimited.
    bool auto_ack = false;
    std::uint32_t unacked = 0;
    bool cancelled = false;  // basic.cancel: nothing more is pushed; its acks are still taken.
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
    std::optional<QuorumMember> quorum;  // This node's member of a quorum queue.
  };
  // A publish of a channel on this node awaiting its queues.
  struct PendingPublish {
    NodeId publisher = kNoNode;
    std::uint64_t sequence = 0;  // Its publish sequence number (0 without confirms).
    std::uint64_t token = 0;     // Its token: generation and slot (a stale answer finds another token).
    int outstanding = 0;
    bool refused = false;
    bool live = false;
  };
  // An enqueue forwarded to another node, awaiting its `enqueued` (one per queue of a publish).
  struct Forward {
    std::uint64_t token = 0;
    int node = -1;  // -1: a quorum queue without a reachable leader; sent again at the next resend tick.
    QueueIndex queue = 0;
    std::uint32_t message = 0;
    bool persistent = true;
    sim::Time sent_at = 0;
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
  void send_enqueue(sim::Simulation& simulation, Forward const& forward);
  void send_enqueued(sim::Simulation& simulation, QueueIndex queue, NodeId to, std::uint64_t token, bool refused);
  void send_cancel(sim::Simulation& simulation, QueueIndex queue, NodeId consumer);
  // A vote, or (for a pre-vote request) the answer whether it would vote.
  void send_vote(sim::Simulation& simulation, AmqpEnvelope const& request, std::uint64_t term, bool granted);
  void resend_enqueues(sim::Simulation& simulation);
  std::vector<Forward>::iterator find_forward(std::uint64_t token, QueueIndex queue);
  // Removes the forward answered (or failed) and settles its publish; a quorum queue's failure waits
  // for a leader instead.
  void answer_forward(sim::Simulation& simulation, std::uint64_t token, QueueIndex queue, bool refused, bool reset);

  // Quorum queues (quorum.h).
  bool is_quorum(QueueIndex queue) const { return cluster_.queue(queue).type == QueueKind::quorum; }
  QuorumMember& member(QueueIndex queue) { return *queues_[queue].quorum; }
  EntryStore& store(QueueIndex queue) { return cluster_.entries(queue); }
  std::size_t slot_of(QueueIndex queue, int node) const;
  std::size_t majority(QueueIndex queue) const { return cluster_.replicas(queue).size() / 2 + 1; }
  bool leads_quorum(QueueIndex queue) const {
    return queues_[queue].quorum && queues_[queue].quorum->role == QuorumRole::leader;
  }
  bool has_lease(QueueIndex queue, sim::Time now) const;
  void quorum_enqueue(sim::Simulation& simulation, QueueIndex queue, std::uint32_t message, std::uint64_t token, NodeId reply_to);
  std::uint64_t quorum_append(sim::Simulation& simulation, QueueIndex queue, QuorumEntry entry);
  void replicate(sim::Simulation& simulation, QueueIndex queue, std::size_t slot);
  void send_append(sim::Simulation& simulation, QueueIndex queue, std::size_t slot, std::uint64_t prev, bool with_entry);
  void advance_commit(sim::Simulation& simulation, QueueIndex queue);
  void apply_committed(sim::Simulation& simulation, QueueIndex queue);
  void answer_enqueue(sim::Simulation& simulation, QueueIndex queue, NodeId enqueuer, std::uint64_t token, bool refused);
  void on_append(sim::Simulation& simulation, AmqpEnvelope const& append);
  void on_append_ok(sim::Simulation& simulation, AmqpEnvelope const& answer);
  void on_vote_request(sim::Simulation& simulation, AmqpEnvelope const& request);
  void on_vote(sim::Simulation& simulation, AmqpEnvelope const& vote);
  void quorum_tick(sim::Simulation& simulation, QueueIndex queue, std::uint64_t term);
  void election_due(sim::Simulation& simulation, QueueIndex queue);
  void stand(sim::Simulation& simulation, QueueIndex queue, bool pre_vote);
  void become_leader(sim::Simulation& simulation, QueueIndex queue);
  void serve(sim::Simulation& simulation, QueueIndex queue);
  // A higher term was seen, or the node restarted: back to follower (a leader stops serving).
  void follow(sim::Simulation& simulation, QueueIndex queue, std::uint64_t term);
  void arm_election(sim::Simulation& simulation, QueueIndex queue, sim::Time deadline);
  sim::Time draw_election_timeout(sim::Time low, sim::Time high);
  // A copy went back to the queue (its delivery count + 1): replicated for quorum queues.
  void record_return(sim::Simulation& simulation, QueueIndex queue, std::uint64_t sequence);
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
  bool resend_scheduled_ = false;
  std::vector<std::uint64_t> returned_;  // Scratch: sequences of copies a channel close returned.
  std::vector<std::uint32_t> truncated_;  // Scratch: log positions an append cut.
  std::vector<std::uint64_t> matched_;    // Scratch of advance_commit.
  sim::RandomStream election_random_;
};

}  // namespace brokersim::model::rabbitmq
