// How the model names a simulated process: a dense index into the Network's table.
#pragma once

#include <cstdint>

namespace brokersim::model {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// What a node is, for fault selectors ("brokers", {"random": "broker"}) and for the protocols' checks of
// who sent a message. A broker is a Kafka broker; rabbit a RabbitMQ node.
enum class NodeKind : std::uint8_t { broker, producer, consumer, service, controller, rabbit };

}  // namespace brokersim::model
