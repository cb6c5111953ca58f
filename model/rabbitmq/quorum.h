// Quorum queues: one Raft group per queue over its members (RabbitMQ's `ra` running `rabbit_fifo`),
// reduced to what decides the guarantees.
//
// - The log holds the queue's commands: enqueue (a publish), settle (a copy left the queue: ack, reject,
//   drop, dead-letter), returned (a copy went back, its delivery count + 1), and the no-op a new leader
//   appends. A member appends an entry durably (ra fsyncs its WAL before answering) before it acks it.
// - The leader answers an enqueue (the publish's confirm) and makes it deliverable once a majority holds
//   it: committed. A leader cut off from its majority commits nothing, and (check-quorum) delivers
//   nothing once it has not heard from a majority for kLeaderLease, and steps down after an election
//   timeout (its consumers, cancelled, consume again from the new leader: in RabbitMQ their registration
//   is replicated and the new leader serves them through their channels' nodes).
// - Settles and returns are applied on the leader at once and replicated after: an ack the leader took
//   but never replicated is forgotten by the next leader, which delivers the message again.
// - Deliveries (rabbit_fifo's checkouts) are not logged: a new leader rebuilds the queue from its log with
//   every copy not settled ready again, which is what RabbitMQ does with the deliveries of consumers
//   whose channels went down with the old leader.
// - Elections: a follower that has not heard from its leader for a random election timeout, or sooner
//   when the leader's node is known to be down, stands; a member votes once per term, for a candidate
//   whose log is at least as up to date as its own (so a committed entry is never lost). A pre-vote
//   round comes first, and a member that hears from a live leader refuses both, so a member back from a
//   partition does not depose a working leader.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "model/core/node_id.h"
#include "model/rabbitmq/amqp.h"
#include "sim/assert.h"
#include "sim/time.h"

namespace brokersim::model::rabbitmq {

// A leader sends heartbeats (appends without an entry) this often (stands for ra's failure detector).
inline constexpr sim::Time kQuorumHeartbeat = 1000 * sim::kMicrosPerMilli;
// A follower that hears nothing from its leader stands after a random timeout in this range ...
inline constexpr sim::Time kElectionTimeoutMin = 2000 * sim::kMicrosPerMilli;
inline constexpr sim::Time kElectionTimeoutMax = 4000 * sim::kMicrosPerMilli;
// ... and sooner, in this range, once its leader's node is known to be down (its connection reset).
inline constexpr sim::Time kLeaderDownMin = 100 * sim::kMicrosPerMilli;
inline constexpr sim::Time kLeaderDownMax = 600 * sim::kMicrosPerMilli;
// A leader delivers only while a majority has answered it within this time (less than the election
// timeout, so an old leader stops before a new one can start).
inline constexpr sim::Time kLeaderLease = 1500 * sim::kMicrosPerMilli;
// At most this many entries in flight to one follower (catching up goes one window per round trip).
inline constexpr std::uint64_t kReplicationWindow = 512;
// A channel's node publishes again to the queue's current leader an enqueue unanswered this long
// (rabbit_fifo_client resends its pending commands to a new leader; the queue drops the repeat).
inline constexpr sim::Time kEnqueueResend = 1000 * sim::kMicrosPerMilli;

enum class QuorumOp : std::uint8_t { noop, enqueue, settle, returned };

struct QuorumEntry {
  std::uint64_t term = 0;
  std::uint64_t target = 0;  // settle, returned: the log index of the copy's enqueue.
  std::uint64_t token = 0;   // enqueue: the channel's token to answer once committed (0: no confirm).
  sim::Time at = 0;          // enqueue: when the leader appended it (message TTL runs from here).
  std::uint32_t message = 0;
  NodeId enqueuer = kNoNode;  // enqueue: the node whose channel published it.
  QuorumOp op = QuorumOp::noop;
};

// Every entry any leader of one queue appended, in append order: an append message carries a position
// here, standing for the entry's bytes on the wire. Entries never change once written.
using EntryStore = std::vector<QuorumEntry>;

// A copy in the applied state: enqueued, not yet settled.
struct LiveCopy {
  std::uint32_t message = 0;
  std::uint32_t delivery_count = 0;
  sim::Time enqueued_at = 0;
};

enum class QuorumRole : std::uint8_t { follower, pre_candidate, candidate, leader };

// One member's Raft state for one queue.
struct QuorumMember {
  // Durable: survives a crash and a power loss.
  std::uint64_t term = 0;
  int voted_for = -1;                // A node index.
  std::vector<std::uint32_t> log;    // Entry positions; log index i (from 1) is log[i - 1].

  // Volatile.
  QuorumRole role = QuorumRole::follower;
  int leader = -1;                   // The leader of `term` as far as this member knows.
  std::uint64_t commit = 0;
  std::uint64_t applied = 0;
  std::map<std::uint64_t, LiveCopy> live;  // Applied state: enqueue index -> copy.
  sim::Time leader_heard = 0;        // Follower: last append from the leader (or vote granted).
  bool leader_down = false;          // Its leader's node is known to be down: stand soon.
  sim::Time election_deadline = 0;
  sim::Time election_timer = -1;     // When the pending election event fires (-1: none pending).
  int votes = 0;                     // Candidate.
  // Leader, per member (in the queue's replica order).
  std::vector<std::uint64_t> next;
  std::vector<std::uint64_t> match;
  std::vector<sim::Time> heard;
  std::vector<std::uint64_t> probe;  // Its match at the last heartbeat (no progress since: resend).
  std::vector<std::uint64_t> resent_from;  // The resend point last acted on (dampens repeated rejections).
  bool ready = false;                // Its no-op is committed: it has built the queue and serves it.
  std::uint64_t noop_index = 0;
  std::vector<std::uint64_t> index_of_sequence;  // The queue copy's sequence -> its enqueue's log index.
  // (enqueuer, token) -> log index of enqueues in its log, to drop a channel's resend.
  std::unordered_map<std::uint64_t, std::uint64_t> enqueue_ids;

  std::uint64_t last_index() const { return log.size(); }
  std::uint64_t term_at(EntryStore const& store, std::uint64_t index) const {
    if (index == 0) return 0;
    BROKERSIM_ASSERT(index <= log.size());
    return store[log[index - 1]].term;
  }
  QuorumEntry const& entry(EntryStore const& store, std::uint64_t index) const { return store[log[index - 1]]; }
  // Raft's election restriction: a candidate's log is at least as up to date as this member's.
  bool candidate_up_to_date(EntryStore const& store, std::uint64_t last_term, std::uint64_t last) const {
    std::uint64_t const mine = term_at(store, last_index());
    return last_term > mine || (last_term == mine && last >= last_index());
  }
  // A channel's tokens carry a generation unique on its node in their upper half (RabbitNode::open_pending).
  static std::uint64_t enqueue_id(NodeId enqueuer, std::uint64_t token) {
    BROKERSIM_ASSERT((token >> 32) < (std::uint64_t{1} << 40) && enqueuer < (1U << 24));
    return (static_cast<std::uint64_t>(enqueuer) << 40) | (token >> 32);
  }
  // Follower side of an append: false if the log does not hold the leader's previous entry; else stores the
  // entry at `position` (kNoEntry: none, a heartbeat), cutting a conflicting tail, and returns true. `truncated` gets the positions cut.
  bool accept(EntryStore const& store, std::uint64_t prev_index, std::uint64_t prev_term, std::uint32_t position,
              std::vector<std::uint32_t>& truncated);
  // Applies one committed entry to the live copies (every member does).
  void apply(QuorumEntry const& entry, std::uint64_t index);
};

}  // namespace brokersim::model::rabbitmq
