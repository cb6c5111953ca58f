// The kernel's unit of work: a small value, copied into the queue, never a heap-allocated closure.
#pragma once

#include <cstdint>

#include "sim/time.h"

namespace brokersim::sim {

// Index of an actor registered with the Simulation; events are addressed to actors by it.
using ActorId = std::uint32_t;

// What the kernel delivers: the actor it is for, a kind the actor defines, and two words of payload
// the actor interprets (a partition, an offset, a request id...). Anything larger lives in the actor's
// own tables and the event carries its index.
struct Event {
  Time at = 0;
  std::uint64_t sequence = 0;  // Insertion order: breaks ties between events at the same time.
  ActorId actor = 0;
  std::uint32_t kind = 0;
  std::uint64_t arg0 = 0;
  std::uint64_t arg1 = 0;
};

// Identifies a scheduled event so that it can be cancelled: its sequence number, and the slot that holds
// its payload while it is pending. A default EventId names no event; cancelling it, or an event that has
// already run, does nothing.
struct EventId {
  std::uint64_t sequence = UINT64_MAX;
  std::uint32_t slot = 0;
  bool operator==(EventId const&) const = default;
};

}  // namespace brokersim::sim
