// What every RabbitMQ node and client shares: the cluster's definitions (exchanges, queues, bindings: the
// schema database every node holds), where each queue's replicas are, and which replica leads it now.
// Reading the leader here stands for the metadata lookups a channel makes (queue.declare, the queue's
// process id), whose round trips are not modelled.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/core/node_id.h"
#include "model/rabbitmq/config.h"
#include "model/rabbitmq/quorum.h"
#include "model/rabbitmq/routing.h"

namespace brokersim::model::rabbitmq {

class RabbitCluster {
 public:
  // `routing_keys`: every routing key a producer may draw, in producer order (a publish carries its index).
  RabbitCluster(RabbitConfig const& config, std::vector<std::string> routing_keys);

  RabbitConfig const& config() const { return config_; }
  RoutingTable const& routing() const { return routing_; }
  RouteCache& routes() { return routes_; }
  int node_count() const { return config_.nodes; }
  std::size_t queue_count() const { return config_.queues.size(); }
  RabbitQueueConfig const& queue(QueueIndex queue) const { return config_.queues[queue]; }

  // rabbit-i's node id, set by the World.
  void set_node(int index, NodeId node) { nodes_[static_cast<std::size_t>(index)] = node; }
  NodeId node(int index) const { return nodes_[static_cast<std::size_t>(index)]; }
  int index_of(NodeId node) const;

  // The nodes holding queue `queue`'s replicas (classic: its home alone), the first its initial leader.
  std::vector<int> const& replicas(QueueIndex queue) const { return replicas_[queue]; }
  bool hosts(int node, QueueIndex queue) const;
  // The node whose replica leads the queue now, or -1 while none does (a classic queue's node is down,
  // a quorum queue has no elected leader).
  int leader(QueueIndex queue) const { return leaders_[queue]; }
  void set_leader(QueueIndex queue, int node) { leaders_[queue] = node; }
  // A quorum queue's entry store: what its leaders appended (quorum.h).
  EntryStore& entries(QueueIndex queue) { return entry_stores_[queue]; }
  // The consumer group reading each queue (a queue is read by at most one), or UINT32_MAX.
  void set_group_of_queue(std::vector<std::uint32_t> groups) { group_of_queue_ = std::move(groups); }
  std::uint32_t group_of(QueueIndex queue) const { return queue < group_of_queue_.size() ? group_of_queue_[queue] : UINT32_MAX; }

  // The sets of headers messages carry, numbered as first seen (0: none): a publish carries its set's number.
  std::uint32_t intern_headers(std::vector<std::pair<std::string, std::string>> const& headers);
  std::span<MessageHeader const> headers(std::uint32_t set) const { return header_views_[set]; }

 private:
  RabbitConfig const& config_;
  RoutingTable routing_;
  RouteCache routes_;
  std::vector<NodeId> nodes_;
  std::vector<std::vector<int>> replicas_;
  std::vector<int> leaders_;
  std::vector<EntryStore> entry_stores_;
  std::vector<std::uint32_t> group_of_queue_;
  // Deques: a set's strings never move once interned, so the views into them stay valid.
  std::deque<std::vector<std::pair<std::string, std::string>>> header_sets_;
  std::deque<std::vector<MessageHeader>> header_views_;
};

}  // namespace brokersim::model::rabbitmq
