// Tracing a few chosen messages through a run: what the reports' example timelines are made of.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/core/node_id.h"
#include "sim/time.h"

namespace brokersim::model {

using sim::Time;

// What happened to a traced message at one node.
enum class TraceKind : std::uint8_t {
  send_attempt,    // Producer sent a request holding it (value = attempt number, node = the leader).
  send_failed,     // Producer gave up on it.
  acked,           // Producer saw success (value = base offset or -1 for a duplicate).
  appended,        // A leader appended it (value = offset, epoch = leader epoch).
  replicated,      // A follower appended it (value = offset).
  truncated,       // A replica cut it from its log (value = offset).
  delivered,       // A consumer received it in a fetch (value = offset).
  effect,          // Its effect was applied (value = the count so far).
  deduplicated,    // A consumer skipped it as already done.
  committed,       // A consumer sent a commit covering its offset (value = the offset committed).
  // RabbitMQ.
  routed,          // A node routed its publish (value = the number of queues reached).
  enqueued,        // A queue took a copy (value = the queue).
  dropped,         // A queue discarded its copy, or refused it (value = the RemovalReason).
  dead_lettered,   // A queue dead-lettered its copy (value = the RemovalReason).
  redelivered,     // A consumer received it flagged redelivered (value = delivery tag, epoch = the queue);
                   // `delivered` is the first delivery (value = delivery tag, epoch = the queue).
  settled,         // A consumer settled its delivery (value = a Settlement, epoch = the queue).
};

// How a RabbitMQ consumer settled a delivery (TraceKind::settled).
enum class Settlement : std::int64_t { ack = 0, reject = 1, requeue = 2 };

struct TraceEvent {
  Time at = 0;
  std::uint32_t message = 0;
  NodeId node = kNoNode;
  TraceKind kind = TraceKind::send_attempt;
  std::uint32_t epoch = 0;
  std::int64_t value = 0;
};

// Records events for the watched messages only. A run traces nothing unless the checker asks for it:
// the examples come from a second run of the same seed with tracing on for just those messages, which
// determinism makes an exact replay. The check per event is one vector lookup.
class Tracer {
 public:
  void watch(std::uint32_t message) {
    if (message >= watched_.size()) watched_.resize(message + 1, 0);
    watched_[message] = 1;
  }
  bool active() const { return !watched_.empty(); }
  bool watching(std::uint32_t message) const { return message < watched_.size() && watched_[message] != 0; }
  void record(Time at, std::uint32_t message, NodeId node, TraceKind kind, std::int64_t value = 0,
              std::uint32_t epoch = 0) {
    if (watching(message)) events_.push_back(TraceEvent{at, message, node, kind, epoch, value});
  }
  std::vector<TraceEvent> const& events() const { return events_; }

 private:
  std::vector<std::uint8_t> watched_;
  std::vector<TraceEvent> events_;
};

}  // namespace brokersim::model
