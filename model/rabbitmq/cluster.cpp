#include "model/rabbitmq/cluster.h"

#include <algorithm>

#include "sim/assert.h"

namespace brokersim::model::rabbitmq {

RabbitCluster::RabbitCluster(RabbitConfig const& config, std::vector<std::string> routing_keys)
    : config_(config),
      routing_(config.routing()),
      routes_(routing_, std::move(routing_keys)),
      nodes_(static_cast<std::size_t>(config.nodes), kNoNode) {
  BROKERSIM_ASSERT(config.nodes > 0);
  for (std::size_t q = 0; q < config.queues.size(); ++q) {
    RabbitQueueConfig const& queue = config.queues[q];
    // Unplaced queues spread over the nodes in declaration order; a quorum queue's members are the nodes
    // that follow its first one, as RabbitMQ places members on consecutive cluster nodes.
    int const first = queue.node.value_or(static_cast<int>(q % static_cast<std::size_t>(config.nodes)));
    std::vector<int> members;
    for (int i = 0; i < queue.replica_count(config.nodes); ++i) members.push_back((first + i) % config.nodes);
    replicas_.push_back(std::move(members));
    leaders_.push_back(first);
  }
}

int RabbitCluster::index_of(NodeId node) const {
  auto const found = std::find(nodes_.begin(), nodes_.end(), node);
  return found == nodes_.end() ? -1 : static_cast<int>(found - nodes_.begin());
}

bool RabbitCluster::hosts(int node, QueueIndex queue) const {
  std::vector<int> const& members = replicas_[queue];
  return std::find(members.begin(), members.end(), node) != members.end();
}

}  // namespace brokersim::model::rabbitmq
