// Where a message that had no effect stands when the run ends, as far as the messaging system can tell:
// the one question whose answer depends on the system's own end state. Kafka's answer reads the
// authoritative logs and the groups' committed offsets (kafka_disposition.cpp); another system's
// (RabbitMQ's queues, SQS) goes beside it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "checks/check.h"

namespace brokersim::checks {

enum class Disposition {
  stored,          // Still held by the system, not yet consumed by the group: unprocessed.
  in_flight,       // In a live consumer's hands or waiting for a retry when the run ended: unprocessed.
  committed_past,  // Still held, but the group's position has moved past it for good: skipped.
  absent,          // No longer held anywhere the system reads from: lost.
  dead_lettered,   // The group gave up on it and sent it to a dead-letter destination.
  dropped,         // The broker discarded it by a configured policy (TTL, length limit, delivery limit).
};

// The disposition of acknowledged message `id` for consumer group `group` (an index into truth.groups),
// which has not applied its effect; ExampleCandidates::kNoGroup for a destination no group reads (stored or absent).
Disposition disposition(Inputs const& inputs, std::uint32_t id, std::size_t group = ExampleCandidates::kNoGroup);

// The systems' answers: Kafka's (kafka_disposition.cpp) for topic groups and unread topics, a queue's
// (queue_disposition.cpp) for queue groups.
Disposition kafka_disposition(Inputs const& inputs, std::uint32_t id, std::size_t group);
Disposition queue_disposition(Inputs const& inputs, std::uint32_t id, std::size_t group);

}  // namespace brokersim::checks
