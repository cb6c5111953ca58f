#include "checks/timestamps.h"

#include <unordered_map>
#include <utility>

namespace brokersim::checks {

namespace {

using model::MessageRecord;

// A follow-up stamped earlier than the message whose processing caused it.
void count_inversions(model::GroundTruth const& truth, Findings& findings) {
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    std::uint32_t const cause = truth.causes[id];
    if (cause == model::kNoCause || !truth.messages[id].acked()) continue;
    if (truth.timestamps[id] < truth.timestamps[cause]) {
      ++findings.violations.timestamp_inversion;
      findings.candidates.add("timestamp_inversion", id, ExampleCandidates::kNoGroup);
    }
  }
}

// A read model that applies a group's messages last-writer-wins by timestamp ends, per key, on the
// message with the highest timestamp; in true time the last write is the one sent last. Keys where the
// two differ are wrong in the read model.
std::uint64_t divergent_keys(Inputs const& inputs) {
  model::GroundTruth const& truth = inputs.truth;
  std::uint64_t divergent = 0;
  for (std::size_t g = 0; g < truth.groups.size(); ++g) {
    if (inputs.config.consumer_groups[g].order_by != model::OrderBy::timestamp) continue;
    model::GroupTruth const& group = truth.groups[g];
    std::unordered_map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> last;  // key -> (by timestamp, by time)
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      MessageRecord const& m = truth.messages[id];
      if (m.key == model::kNoKey || group.effects_of(id) == 0) continue;
      if (!inputs.expected_by(group, id)) continue;
      auto [slot, fresh] = last.try_emplace(m.key, id, id);
      if (fresh) continue;
      if (truth.timestamps[id] >= truth.timestamps[slot->second.first]) slot->second.first = id;
      slot->second.second = id;  // Ids grow with true send time.
    }
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      MessageRecord const& m = truth.messages[id];
      if (m.key == model::kNoKey) continue;
      auto const found = last.find(m.key);
      if (found == last.end() || found->second.second != id) continue;  // Visit each key once, at its last message.
      if (found->second.first != found->second.second) ++divergent;
    }
  }
  return divergent;
}

}  // namespace

void check_timestamps(Inputs const& inputs, Findings& findings) {
  if (!inputs.truth.tracks_timestamps) return;
  count_inversions(inputs.truth, findings);
  findings.metrics.read_model_divergent_keys = divergent_keys(inputs);
}

}  // namespace brokersim::checks
