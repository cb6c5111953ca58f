// Kafka: a message is held when its partition's authoritative log at the end (FinalLogs) has it, and a
// group has moved past it when its durable committed offset for that partition is beyond its offset.
#include "checks/disposition.h"

#include "sim/assert.h"

namespace brokersim::checks {

namespace {

std::int64_t committed_at_end(Inputs const& inputs, model::GroupTruth const& group, std::uint32_t partition) {
  std::uint32_t const first = inputs.first_partition[group.topic];
  BROKERSIM_ASSERT(partition >= first && partition - first < group.committed_at_end.size());
  return group.committed_at_end[partition - first];
}

}  // namespace

Disposition kafka_disposition(Inputs const& inputs, std::uint32_t id, std::size_t group_index) {
  std::int64_t const offset = inputs.truth.final_logs.offset_of[id];
  if (group_index == ExampleCandidates::kNoGroup) return offset < 0 ? Disposition::absent : Disposition::stored;
  model::GroupTruth const& group = inputs.truth.groups[group_index];
  if (group.has(id, model::GroupTruth::kDeadLettered)) return Disposition::dead_lettered;
  if (offset < 0) return Disposition::absent;
  if (group.has(id, model::GroupTruth::kInHandAtEnd) || group.has(id, model::GroupTruth::kRetryAtEnd)) return Disposition::in_flight;
  auto const partition = static_cast<std::uint32_t>(inputs.truth.messages[id].partition);
  return committed_at_end(inputs, group, partition) > offset ? Disposition::committed_past : Disposition::stored;
}

}  // namespace brokersim::checks
