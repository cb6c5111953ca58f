// The seam through which an application publishes a message of its own while it processes one: a
// follow-up event (a group's `emits`). Kafka's producer implements it; AMQP publishers and an outbox
// relay are the others to come.
#pragma once

#include <cstdint>

#include "sim/simulation.h"
#include "sim/time.h"

namespace brokersim::model {

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Publishes a follow-up of message `cause` (same key), carrying a timestamp later than the cause's.
  virtual void emit(sim::Simulation& simulation, std::uint32_t key, std::uint32_t cause, sim::Time cause_timestamp) = 0;
};

}  // namespace brokersim::model
