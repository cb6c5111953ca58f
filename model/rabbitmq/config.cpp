#include "model/rabbitmq/config.h"

namespace brokersim::model::rabbitmq {

RoutingConfig RabbitConfig::routing() const {
  RoutingConfig routing;
  routing.exchanges = exchanges;
  routing.queues.reserve(queues.size());
  for (RabbitQueueConfig const& queue : queues) routing.queues.push_back(queue.name);
  routing.bindings = bindings;
  return routing;
}

}  // namespace brokersim::model::rabbitmq
