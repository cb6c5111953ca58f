#include "model/rabbitmq/cluster.h"

#include <algorithm>

#include "sim/assert.h"

namespace brokersim::model::rabbitmq {

RabbitCluster::RabbitCluster(RabbitConfig const& config, std::vector<std::string> routing_keys)
    : config_(config),
      routing_(config.routing()),
      routes_(routing_, std::move(routing_keys)),
      nodes_(static_cast<std::size_t>(config.nodes), kNoNode),
      entry_stores_(config.queues.size()) {
  BROKERSIM_ASSERT(config.nodes > 0);
  header_sets_.emplace_back();  // Set 0: no headers.
  header_views_.emplace_back();
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

std::uint32_t RabbitCluster::intern_headers(std::vector<std::pair<std::string, std::string>> const& headers) {
  for (std::size_t set = 0; set < header_sets_.size(); ++set) {
    if (header_sets_[set] == headers) return static_cast<std::uint32_t>(set);
  }
  header_sets_.push_back(headers);
  std::vector<MessageHeader> views;
  for (auto const& [name, value] : header_sets_.back()) views.push_back(MessageHeader{name, value});
  header_views_.push_back(std::move(views));
  return static_cast<std::uint32_t>(header_sets_.size() - 1);
}

bool RabbitCluster::hosts(int node, QueueIndex queue) const {
  std::vector<int> const& members = replicas_[queue];
  return std::find(members.begin(), members.end(), node) != members.end();
}

}  // namespace brokersim::model::rabbitmq
