// The group coordinator of one consumer group: membership, generations and rebalances (Kafka's eager
// protocol), the assignment, and the group's committed offsets.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "model/app/config.h"
#include "model/app/message_set.h"
#include "model/core/network.h"
#include "model/core/node.h"
#include "model/kafka/assignor.h"
#include "model/kafka/cluster_view.h"
#include "model/kafka/config.h"
#include "model/kafka/messages.h"
#include "model/truth/truth.h"
#include "sim/simulation.h"

namespace brokersim::model {

// A member id: the instance number in the low half, the instance's process incarnation in the high
// half, so that a restarted instance joins as a new member while its old self may still be in the group.
inline std::uint64_t member_id(int instance, std::uint16_t incarnation) {
  return (static_cast<std::uint64_t>(incarnation) << 32) | static_cast<std::uint32_t>(instance);
}
inline int member_instance(std::uint64_t member) { return static_cast<int>(member & 0xFFFFFFFFU); }

// One group's coordinator. It is not a Node: it lives on the broker the ClusterView names as the group's
// coordinator, and the World hands it the group requests (join_group, heartbeat, commit_offsets) that
// reach that broker; it answers from that broker's node. Its membership is in memory: when its broker
// dies, or the coordinator moves to another broker, the members are forgotten and must rejoin.
// Committed offsets stand for the __consumer_offsets log and are durable.
//
// Eager rebalance protocol, SyncGroup folded into the JoinGroup response: a join (of a new member, or of
// a member that missed the current generation) starts PreparingRebalance; the other members learn of it
// from their heartbeat responses (rebalance_in_progress) and rejoin; when every member has rejoined, or
// the rebalance timeout (the session timeout) has passed and the laggards are dropped, the generation
// advances and each member gets its partitions in its join response.
class GroupCoordinator : public sim::Actor {
 public:
  enum class State : std::uint8_t { empty, preparing_rebalance, stable };

  // `group` indexes WorldConfig::consumer_groups and GroundTruth::groups; the group's topic has global
  // partitions first_partition .. first_partition + partitions - 1. The references must outlive it.
  GroupCoordinator(ConsumerGroupConfig const& config, std::uint32_t group, std::uint32_t first_partition,
                   int partitions, ClusterView const& cluster, Network& network, GroundTruth& truth);

  // Registers with the kernel, picks the hosting broker and starts the 1 s lag sampling.
  void start(sim::Simulation& simulation);

  // A join_group, heartbeat, commit_offsets or leave_group envelope that reached broker `broker` (its node is the
  // envelope's `to`). Answers with coordinator_not_available when `broker` is not the coordinator.
  void on_group_message(sim::Simulation& simulation, Envelope const& envelope, int broker);
  // Broker `broker` crashed: if it hosts this coordinator, the membership is lost.
  void on_broker_crashed(sim::Simulation& simulation, int broker);
  // How many members the group is deployed with (scale faults change it): a group forming from empty
  // waits for this many joins, or group.initial.rebalance.delay.ms, whichever comes first.
  void set_expected_members(int count) { expected_members_ = count; }

  void on_event(sim::Simulation& simulation, sim::Event const& event) override;

  // The group's committed offset of global partition `partition` (0 when none was committed: with
  // auto.offset.reset=earliest the two are the same).
  std::int64_t committed(std::uint32_t partition) const { return committed_[local(partition)]; }
  // The leader epoch committed with it (KIP-320), -1 when unknown.
  std::int32_t committed_epoch(std::uint32_t partition) const { return committed_epoch_[local(partition)]; }

  // Ground truth kept on the group's side, where it survives member crashes.
  // A record at `offset` of `partition` is handed to the application; true when an earlier poll (of any
  // member) already handed that offset out: a redelivery.
  bool note_handed(std::uint32_t partition, std::int64_t offset);
  // The durable dedup store (dedup: durable), written atomically with each effect.
  MessageSet& durable_dedup() { return durable_dedup_; }

  // The group's retry topics (non-blocking retries), durable like its offsets: per partition, the records
  // waiting out their backoff before their next attempt. Ties of due time keep their order of arrival.
  struct PendingRetry {
    Time due = 0;
    std::uint64_t order = 0;  // Set by schedule_retry.
    std::uint32_t message = 0;
    std::int64_t offset = 0;  // In the source partition, for traces.
    std::uint16_t failed_attempts = 0;
    Time previous_backoff = 0;  // For decorrelated jitter.
    bool operator<(PendingRetry const& other) const { return due != other.due ? due < other.due : order < other.order; }
  };
  void schedule_retry(std::uint32_t partition, PendingRetry retry);
  // Takes the earliest retry of global partition `partition` due at `now` or before; false when none is.
  bool take_due_retry(std::uint32_t partition, Time now, PendingRetry& retry);
  // When the earliest retry of `partition` falls due, or kNever when it has none.
  Time next_retry_due(std::uint32_t partition) const;
  std::size_t retries_pending() const { return retries_pending_; }
  // The messages still waiting in the retry topics.
  std::vector<std::uint32_t> pending_retry_messages() const;

  ConsumerGroupConfig const& config() const { return config_; }
  std::uint32_t group() const { return group_; }
  std::uint32_t first_partition() const { return first_partition_; }
  int partitions() const { return partitions_; }
  State state() const { return state_; }
  std::uint32_t generation() const { return generation_; }
  std::size_t member_count() const { return members_.size(); }
  int host_broker() const { return host_; }
  // The member id owning local partition p in the current generation, or kNoMember.
  std::uint64_t owner(int local_partition) const { return owners_[static_cast<std::size_t>(local_partition)]; }
  // The group's total lag now (log end - committed, summed over its partitions), which also raises
  // GroupTruth::max_lag. Called before every commit, every second, before a broker crash and at the end:
  // between those moments the lag can only grow.
  std::uint64_t observe_lag();

  static constexpr std::uint64_t kNoMember = UINT64_MAX;

 private:
  enum EventType : std::uint32_t { kLagTick = 0, kSessionExpiry = 1, kRebalanceDeadline = 2 };

  struct Member {
    std::uint64_t id = 0;
    NodeId node = 0;
    std::uint64_t join_correlation = 0;
    Time expires_at = 0;
    sim::EventId expiry;         // The session expiry armed last, due at expiry_at.
    Time expiry_at = 0;
    bool awaiting_join = false;  // Has (re)joined during the rebalance in progress.
    bool in_generation = false;  // Was given an assignment in the current generation.
  };

  std::size_t local(std::uint32_t partition) const;
  Member* find(std::uint64_t id);
  Member& insert(std::uint64_t id);
  void remove(std::uint64_t id);
  bool host_paused(sim::Simulation const& simulation) const;
  std::uint32_t encode(EventType type) const { return (life_ << 8) | type; }

  void on_join(sim::Simulation& simulation, Envelope const& request);
  void on_heartbeat(sim::Simulation& simulation, Envelope const& request);
  void on_commit(sim::Simulation& simulation, Envelope const& request);
  void on_leave(sim::Simulation& simulation, Envelope const& request);
  void on_session_expiry(sim::Simulation& simulation, std::uint64_t id);
  void on_rebalance_deadline(sim::Simulation& simulation, std::uint64_t serial);
  void sample_lag(sim::Simulation& simulation);
  void check_committed_within_log(std::size_t local_partition) const;

  void begin_rebalance(sim::Simulation& simulation, bool from_empty);
  void arm_rebalance_deadline(sim::Simulation& simulation, Time at);
  void maybe_complete_rebalance(sim::Simulation& simulation);
  void complete_rebalance(sim::Simulation& simulation);
  void arm_session(sim::Simulation& simulation, Member& member);
  void drop_membership();

  void send_join_response(sim::Simulation& simulation, Member const& member);
  void respond(sim::Simulation& simulation, Envelope const& request, NodeId from, ErrorCode error);

  ConsumerGroupConfig const& config_;
  std::uint32_t group_;
  std::uint32_t first_partition_;
  int partitions_;
  ClusterView const& cluster_;
  Network& network_;
  GroundTruth& truth_;
  sim::ActorId self_ = 0;

  // In memory on the hosting broker: lost with it.
  int host_ = kNoLeader;
  std::uint32_t life_ = 0;  // Bumped when the membership is lost: that life's timers are void.
  State state_ = State::empty;
  std::vector<Member> members_;        // Sorted by member id.
  std::vector<std::uint64_t> owners_;  // Per local partition: its owner's member id, or kNoMember.
  bool initial_delay_ = false;         // The rebalance in progress formed the group from empty.
  Time rebalance_started_at_ = 0;
  Time rebalance_deadline_ = 0;
  std::uint64_t rebalance_serial_ = 0;
  int expected_members_ = 0;

  // Durable (the __consumer_offsets log): survives failover.
  std::uint32_t generation_ = 0;
  bool formed_once_ = false;
  std::vector<std::int64_t> committed_;
  std::vector<std::int32_t> committed_epoch_;

  // Ground truth and measurements.
  std::vector<std::int64_t> handed_end_;   // Per local partition: highest offset handed out + 1.
  std::vector<std::int64_t> log_end_seen_;  // Per local partition: the last known leader log end.
  MessageSet durable_dedup_;
  std::vector<std::set<PendingRetry>> retries_;  // Per local partition.
  std::uint64_t retry_order_ = 0;
  std::size_t retries_pending_ = 0;
};

}  // namespace brokersim::model
