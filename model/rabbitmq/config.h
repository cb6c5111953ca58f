// The validated configuration of a RabbitMQ cluster: its nodes, exchanges, queues and bindings (the
// scenario file's `rabbitmq` section). Times are microseconds; every value has passed the loader's checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/rabbitmq/queue_state.h"
#include "model/rabbitmq/routing.h"
#include "sim/time.h"

namespace brokersim::model::rabbitmq {

struct RabbitQueueConfig {
  std::string name;
  QueueKind type = QueueKind::classic;  // RabbitMQ 4: classic queues live on one node, unreplicated.
  // Classic: the node it lives on; quorum: the node of its first leader. Unset: queues spread over the
  // nodes in declaration order (queue i on node i mod nodes).
  std::optional<int> node;
  std::optional<int> replicas;  // Quorum: its members (unset: min(3, nodes)); classic: 1.
  bool durable = true;          // A non-durable queue is deleted when its node restarts.
  std::optional<std::string> dead_letter_exchange;
  std::optional<std::string> dead_letter_routing_key;  // Unset: the message's own routing key.
  std::optional<std::int64_t> delivery_limit;          // Unset: quorum 20 (RabbitMQ 4.0), classic none.
  std::optional<sim::Time> message_ttl;
  std::optional<std::int64_t> max_length;              // In ready messages.
  Overflow overflow = Overflow::drop_head;
  sim::Time consumer_timeout = 1800000 * sim::kMicrosPerMilli;  // consumer_timeout: 30 minutes.

  int replica_count(int nodes) const {
    if (type == QueueKind::classic) return 1;
    return replicas.value_or(nodes < 3 ? nodes : 3);
  }
  std::int64_t effective_delivery_limit() const {
    if (type == QueueKind::classic) return kUnlimited;
    return delivery_limit.value_or(kDefaultQuorumDeliveryLimit);
  }
};

struct RabbitConfig {
  int nodes = 0;                   // rabbit-0 ... rabbit-(nodes-1); 0: the scenario has no RabbitMQ.
  std::vector<std::string> zones;  // One per node (size == nodes) or empty: no zone.
  std::vector<ExchangeSpec> exchanges;
  std::vector<RabbitQueueConfig> queues;
  std::vector<BindingSpec> bindings;

  bool present() const { return nodes > 0; }
  RoutingConfig routing() const;
};

}  // namespace brokersim::model::rabbitmq
