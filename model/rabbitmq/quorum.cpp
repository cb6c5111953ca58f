#include "model/rabbitmq/quorum.h"

namespace brokersim::model::rabbitmq {

bool QuorumMember::accept(EntryStore const& store, std::uint64_t prev_index, std::uint64_t prev_term,
                          std::uint32_t position, std::vector<std::uint32_t>& truncated) {
  if (prev_index > last_index() || term_at(store, prev_index) != prev_term) return false;
  if (position == kNoEntry) return true;
  std::uint64_t const index = prev_index + 1;
  if (index <= last_index()) {
    if (term_at(store, index) == store[position].term) return true;  // Already held (a resend).
    // A conflicting tail (appended by a leader whose entries never committed) gives way to the leader's.
    BROKERSIM_ASSERT(index > commit);
    truncated.assign(log.begin() + static_cast<std::ptrdiff_t>(index - 1), log.end());
    log.resize(index - 1);
  }
  log.push_back(position);
  return true;
}

void QuorumMember::apply(QuorumEntry const& entry, std::uint64_t index) {
  switch (entry.op) {
    case QuorumOp::enqueue:
      live.emplace(index, LiveCopy{entry.message, 0, entry.at});
      return;
    case QuorumOp::settle:
      live.erase(entry.target);
      return;
    case QuorumOp::returned: {
      auto const found = live.find(entry.target);
      if (found != live.end()) ++found->second.delivery_count;
      return;
    }
    case QuorumOp::noop:
      return;
  }
}

}  // namespace brokersim::model::rabbitmq
