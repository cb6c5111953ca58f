// Timestamps (when the scenario records them: a group emits follow-ups or orders by timestamp): a
// follow-up stamped earlier than its cause, and read models that order by timestamp and end wrong.
#pragma once

#include "checks/check.h"

namespace brokersim::checks {

// Counts timestamp_inversion and the read_model_divergent_keys metric.
void check_timestamps(Inputs const& inputs, Findings& findings);

}  // namespace brokersim::checks
