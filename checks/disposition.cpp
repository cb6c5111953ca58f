#include "checks/disposition.h"

namespace brokersim::checks {

Disposition disposition(Inputs const& inputs, std::uint32_t id, std::size_t group) {
  if (group != ExampleCandidates::kNoGroup && inputs.truth.groups[group].queue >= 0) return queue_disposition(inputs, id, group);
  return kafka_disposition(inputs, id, group);
}

}  // namespace brokersim::checks
