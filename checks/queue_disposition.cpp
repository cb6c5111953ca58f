// A queue (RabbitMQ): the broker and the consumers write what became of each message for the group that
// reads the queue — dead-lettered or dropped by the queue's policies, or still in the queue or in a live
// consumer's hands when the run ended. A message with none of these, and no effect, is gone: lost.
#include "checks/disposition.h"

namespace brokersim::checks {

Disposition queue_disposition(Inputs const& inputs, std::uint32_t id, std::size_t group_index) {
  model::GroupTruth const& group = inputs.truth.groups[group_index];
  if (group.has(id, model::GroupTruth::kDeadLettered)) return Disposition::dead_lettered;
  if (group.has(id, model::GroupTruth::kInHandAtEnd)) return Disposition::in_flight;
  if (group.has(id, model::GroupTruth::kStoredAtEnd)) return Disposition::stored;
  if (group.has(id, model::GroupTruth::kDropped)) return Disposition::dropped;
  return Disposition::absent;
}

}  // namespace brokersim::checks
