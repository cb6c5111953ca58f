// The ClusterView of a real World: the Controller's metadata and the brokers' logs.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "model/kafka/broker.h"
#include "model/kafka/cluster_view.h"
#include "model/kafka/controller.h"

namespace brokersim::model {

// The Controller's view, log ends read from the leader broker's replica. In its own header, included
// only where one is built: a translation unit that sees this final class lets the compiler devirtualise
// ClusterView calls speculatively, which would make the group protocol's code link against the brokers.
class ControllerClusterView final : public ClusterView {
 public:
  // `brokers[i]` is broker-i.
  ControllerClusterView(Controller const& controller, std::vector<Broker const*> brokers)
      : controller_(controller), brokers_(std::move(brokers)) {}

  int coordinator_broker(std::uint32_t group) const override { return controller_.coordinator_broker(group); }
  int partition_leader(std::uint32_t partition) const override { return controller_.partition(partition).leader; }
  NodeId broker_node(int broker) const override { return controller_.broker_node(broker); }
  std::int64_t log_end(std::uint32_t partition) const override {
    int const leader = controller_.partition(partition).leader;
    if (leader == kNoLeader) return -1;
    return brokers_[static_cast<std::size_t>(leader)]->log_end(partition);
  }
  LeaderLog leader_log(std::uint32_t partition) const override {
    int const leader = controller_.partition(partition).leader;
    if (leader == kNoLeader) return {};
    Broker const& broker = *brokers_[static_cast<std::size_t>(leader)];
    Replica const* replica = broker.replica(partition);
    if (!broker.alive() || replica == nullptr || !replica->leader) return {};
    return {replica->log_end(), replica->leader_epoch};
  }

 private:
  Controller const& controller_;
  std::vector<Broker const*> brokers_;
};

}  // namespace brokersim::model
