#include "checks/ordering.h"

#include <unordered_map>

namespace brokersim::checks {

namespace {

using model::GroupTruth;
using model::MessageRecord;

// Tracks, per (producer instance, key or partition), the latest first effect so far in send order (by its
// place in the run's order of effects); a message whose first effect comes before that was overtaken by a
// later send: a reordered pair.
class OrderTracker {
 public:
  bool overtaken(std::uint64_t stream, std::uint32_t first_effect) {
    auto [slot, fresh] = latest_.try_emplace(stream, first_effect);
    if (fresh) return false;
    if (first_effect < slot->second) return true;
    slot->second = first_effect;
    return false;
  }

 private:
  std::unordered_map<std::uint64_t, std::uint32_t> latest_;  // Only probed, never iterated: order-free.
};

void check_group(Inputs const& inputs, std::size_t group_index, Findings& findings) {
  model::GroundTruth const& truth = inputs.truth;
  GroupTruth const& group = truth.groups[group_index];
  OrderTracker by_key;
  OrderTracker by_partition;
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    if (!inputs.expected_by(group, id)) continue;
    if (message.poison || message.republished || !message.acked()) continue;
    if (group.effects_of(id) == 0) continue;
    std::uint32_t const first = group.first_effect_order[id];
    std::uint64_t const producer = static_cast<std::uint64_t>(message.producer) << 32;
    if (message.key != model::kNoKey && by_key.overtaken(producer | message.key, first)) {
      ++findings.violations.reordered;
      findings.candidates.add("reordered", id, group_index);
    }
    if (by_partition.overtaken(producer | static_cast<std::uint32_t>(message.partition), first)) {
      ++findings.violations.reordered_in_partition;
    }
  }
}

}  // namespace

void check_ordering(Inputs const& inputs, Findings& findings) {
  for (std::size_t group = 0; group < inputs.truth.groups.size(); ++group) check_group(inputs, group, findings);
}

bool ordering_broken(scenarios::OrderingExpectation expected, Violations const& violations) {
  using scenarios::OrderingExpectation;
  bool const per_key = expected == OrderingExpectation::per_key && violations.reordered > 0;
  bool const per_partition = expected == OrderingExpectation::per_partition && violations.reordered_in_partition > 0;
  return per_key || per_partition;
}

}  // namespace brokersim::checks
