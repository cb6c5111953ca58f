// Kafka's cluster evidence, counted as the run recorded it: leader and controller elections, produce
// retries, what idempotent producers' sequences caught, and duplicate records in the final logs.
#pragma once

#include "checks/check.h"

namespace brokersim::checks {

void count_cluster_events(Inputs const& inputs, Findings& findings);

}  // namespace brokersim::checks
