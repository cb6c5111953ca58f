// Examples of violations on RabbitMQ: a message's timeline (published to an exchange with a key, routed,
// enqueued, delivered, settled, requeued, dropped or dead-lettered, and the faults on the nodes it
// passed) and its cause.
#pragma once

#include <cstdint>

#include "checks/findings.h"
#include "model/world/world.h"
#include "reports/report.h"

namespace brokersim::reports {

// The example of `kind` for RabbitMQ message `id`, seen by group `group` (or ExampleCandidates::kNoGroup).
Example rabbitmq_example(model::World const& world, char const* kind, std::uint32_t id, std::size_t group);

}  // namespace brokersim::reports
