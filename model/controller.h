// The controller: the cluster's source of truth for leadership. It notices dead or frozen brokers,
// elects new leaders (clean from the ISR, or unclean from any live replica when the topic allows it),
// and tells brokers of their new roles.
#pragma once

#include <cstdint>
#include <vector>

#include "model/metadata.h"
#include "model/network.h"
#include "model/node.h"
#include "model/truth.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

class Broker;

// Stands for a KRaft controller quorum kept outside the failure domain: it never crashes and always sees
// the brokers. Leadership changes reach brokers after a network-like delay as ordinary events, so a frozen
// or slow broker acts on stale metadata for a while, as a real one does. Clients read metadata directly
// (a metadata request's round trip is not modelled).
class Controller : public sim::Actor {
 public:
  Controller(WorldConfig const& config, ClusterLayout layout, std::uint64_t seed, GroundTruth& truth);

  void attach(sim::Simulation& simulation, std::vector<Broker*> brokers, Network const& network);
  void on_event(sim::Simulation& simulation, sim::Event const& event) override;

  ClusterLayout const& layout() const { return layout_; }
  PartitionState const& partition(std::uint32_t global) const { return layout_.partitions[global]; }
  std::size_t partition_count() const { return layout_.partitions.size(); }
  // The node of broker `broker` (brokers are the first nodes of the network).
  NodeId broker_node(int broker) const { return static_cast<NodeId>(broker); }
  // The broker hosting consumer group `group`'s coordinator: like the leader of the group's
  // __consumer_offsets partition, the first live broker from hash(group) on.
  int coordinator_broker(std::uint32_t group) const;
  bool broker_available(int broker) const { return available_[static_cast<std::size_t>(broker)]; }

  // Fault notifications. A crash or a freeze longer than controller_failover fences the broker: its
  // leaderships move and it leaves every ISR. A broker that comes back is unfenced and rejoins as follower.
  void on_broker_crashed(sim::Simulation& simulation, int broker);
  void on_broker_restarted(sim::Simulation& simulation, int broker);
  void on_broker_paused(sim::Simulation& simulation, int broker, Time duration);

  // The network changed (a partition began or healed). The controller quorum runs on the brokers, so a
  // broker that cannot reach a majority of them cannot reach it: after controller_failover it is fenced
  // like a dead one (its leaderships move to the majority side, its ISR changes are refused), and it is
  // unfenced when it can reach a majority again.
  void on_connectivity_change(sim::Simulation& simulation);

  // AlterPartition from the current leader: accepted only from the leader of the current epoch, as
  // Kafka fences zombie leaders.
  bool alter_isr(std::uint32_t partition, int leader, std::uint32_t leader_epoch, std::vector<int> const& isr);

 private:
  enum EventType : std::uint32_t { kFailover = 0, kPauseCheck = 1, kPauseEnd = 2, kReachabilityCheck = 3 };

  bool eligible(int broker) const;
  bool reaches_majority(int broker) const;
  void fence(sim::Simulation& simulation, int broker);
  void unfence(sim::Simulation& simulation, int broker);
  void elect(sim::Simulation& simulation, std::uint32_t partition);
  void notify(sim::Simulation& simulation, std::uint32_t partition);

  WorldConfig const& config_;
  ClusterLayout layout_;
  GroundTruth& truth_;
  sim::RandomStream random_;
  sim::ActorId self_ = 0;
  std::vector<Broker*> brokers_;
  std::vector<bool> available_;          // Not fenced.
  std::vector<bool> failover_pending_;   // Per broker: died, partitions not yet failed over.
  std::vector<Time> paused_until_;
  std::vector<bool> cut_off_;            // Per broker: fenced because it cannot reach the quorum.
  Network const* network_ = nullptr;
};

}  // namespace brokersim::model
