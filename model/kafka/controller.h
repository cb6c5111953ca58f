// The controller: the cluster's source of truth for leadership. It notices dead or frozen brokers,
// elects new leaders (clean from the ISR, or unclean from any live replica when the topic allows it),
// and tells brokers of their new roles. It runs on a KRaft quorum of voters — dedicated controller
// nodes, or the brokers themselves in combined mode — and acts only while that quorum has a leader.
#pragma once

#include <cstdint>
#include <vector>

#include "model/core/network.h"
#include "model/core/node.h"
#include "model/kafka/metadata.h"
#include "model/truth/truth.h"
#include "model/world/config.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

class Broker;

// A dedicated KRaft controller process (`controller-N`). Its metadata log is a Raft log, committed on a
// majority and fsynced, so it holds nothing a crash could lose; what matters of it is whether it is up
// and whom it can reach, which the Controller reads.
// The World tells the Controller when one crashes, restarts or freezes.
class ControllerNode final : public Node {
 public:
  explicit ControllerNode(NodeId id) : Node(id, NodeKind::controller) {}

 protected:
  void handle(sim::Simulation&, std::uint32_t, std::uint64_t, std::uint64_t) override {}
  void on_message(sim::Simulation&, EnvelopeHeader const&) override {}
  void on_crash(sim::Simulation&) override {}
  void on_restart(sim::Simulation&) override {}
};

// Brokers reach the controller when they can reach a majority of the voters (they heartbeat to the
// active controller; a majority is what a quorum leader needs). The quorum has a leader while some voter
// that is up reaches a majority of the voters that are up; when the leader is lost, the others notice
// after controller.quorum.fetch.timeout.ms and elect a new one within an election timeout. Meanwhile no
// broker is fenced or unfenced, no partition fails over and every AlterPartition is refused; a new
// leader gives every broker a fresh session, so a broker that is dead is fenced a session timeout later.
// Leadership changes reach brokers after a network-like delay as ordinary events, so a frozen or slow
// broker acts on stale metadata for a while, as a real one does. Clients read metadata directly (a
// metadata request's round trip is not modelled).
class Controller : public sim::Actor {
 public:
  Controller(WorldConfig const& config, ClusterLayout layout, std::uint64_t seed, GroundTruth& truth);

  // `voters`: the dedicated controller nodes, or empty in combined mode (the brokers vote).
  void attach(sim::Simulation& simulation, std::vector<Broker*> brokers, std::vector<Node const*> voters, Network const& network);
  void on_event(sim::Simulation& simulation, sim::Event const& event) override;

  ClusterLayout const& layout() const { return layout_; }
  PartitionState const& partition(std::uint32_t global) const { return layout_.partitions[global]; }
  std::size_t partition_count() const { return layout_.partitions.size(); }
  // The node of broker `broker` (brokers are the first nodes of the network).
  NodeId broker_node(int broker) const { return static_cast<NodeId>(broker); }
  // The broker hosting consumer group `group`'s coordinator: like the leader of the group's
  // __consumer_offsets partition, the first live unfenced broker from hash(group) on. It keeps its role
  // while the quorum is down (brokers serve on their last metadata).
  int coordinator_broker(std::uint32_t group) const;
  bool broker_available(int broker) const { return available_[static_cast<std::size_t>(broker)]; }
  // The node of the quorum's active controller, or kNoNode while it has none.
  NodeId quorum_leader() const { return quorum_leader_ < 0 ? kNoNode : voters_[static_cast<std::size_t>(quorum_leader_)]->id(); }

  // Fault notifications. A crash or a freeze longer than controller_failover fences the broker: its
  // leaderships move and it leaves every ISR. A broker that comes back is unfenced and rejoins as follower.
  void on_broker_crashed(sim::Simulation& simulation, int broker);
  void on_broker_restarted(sim::Simulation& simulation, int broker);
  void on_broker_paused(sim::Simulation& simulation, int broker, Time duration);
  // A voter crashed, restarted, froze or woke up.
  void on_voter_changed(sim::Simulation& simulation);
  void on_voter_paused(sim::Simulation& simulation, Time duration);

  // The network changed (a partition began or healed). A broker that cannot reach the quorum is fenced
  // like a dead one after controller_failover (its leaderships move to the brokers that can, its ISR
  // changes are refused), and it is unfenced when it can reach the quorum again.
  void on_connectivity_change(sim::Simulation& simulation);

  // AlterPartition from the current leader: accepted only from the leader of the current epoch, as
  // Kafka fences zombie leaders, and only while the quorum has a leader the broker reaches.
  bool alter_isr(std::uint32_t partition, int leader, std::uint32_t leader_epoch, std::vector<int> const& isr);

 private:
  enum EventType : std::uint32_t {
    kFailover = 0,
    kPauseCheck = 1,
    kPauseEnd = 2,
    kReachabilityCheck = 3,
    kQuorumElection = 4,
    kVoterCheck = 5,
  };

  bool eligible(int broker) const;
  bool reaches_quorum(int broker) const;
  bool quorum_up() const { return quorum_leader_ >= 0; }
  // Whether voter `voter` and node `node` can talk both ways (a voter reaches itself).
  bool voter_reaches(std::size_t voter, NodeId node) const;
  // Voter `voter` is up and reaches a majority of the voters that are up, itself included.
  bool can_lead(std::size_t voter) const;
  void refresh_voters(sim::Simulation& simulation);
  void on_quorum_change(sim::Simulation& simulation);
  void on_quorum_elected(sim::Simulation& simulation);
  // Schedules a per-broker check for the current quorum term (events of an older term are dropped).
  void schedule_check(sim::Simulation& simulation, Time delay, EventType type, int broker);
  void fence(sim::Simulation& simulation, int broker);
  void unfence(sim::Simulation& simulation, int broker);
  void elect(sim::Simulation& simulation, std::uint32_t partition);
  void notify(sim::Simulation& simulation, std::uint32_t partition);

  WorldConfig const& config_;
  ClusterLayout layout_;
  GroundTruth& truth_;
  sim::RandomStream random_;
  sim::RandomStream quorum_random_;      // Election timeouts; its own stream, so metadata delays stay put.
  sim::ActorId self_ = 0;
  std::vector<Broker*> brokers_;
  std::vector<bool> available_;          // Not fenced.
  std::vector<bool> failover_pending_;   // Per broker: died, partitions not yet failed over.
  std::vector<Time> paused_until_;
  std::vector<bool> cut_off_;            // Per broker: fenced because it cannot reach the quorum.
  Network const* network_ = nullptr;

  std::vector<Node const*> voters_;      // The quorum's voters: controller nodes, or the brokers.
  std::vector<bool> voter_up_;           // Alive and not frozen, as of the last refresh.
  std::vector<Time> voter_paused_until_;
  int quorum_leader_ = -1;               // Index into voters_, or -1.
  bool election_scheduled_ = false;
  std::uint64_t term_ = 0;               // Bumped by every quorum leader: broker sessions start afresh.
};

}  // namespace brokersim::model
