#include "checks/check.h"

#include "checks/delivery.h"
#include "checks/kafka_metrics.h"
#include "checks/latency.h"
#include "checks/metrics.h"
#include "checks/ordering.h"
#include "checks/timestamps.h"
#include "sim/assert.h"

namespace brokersim::checks {

namespace {

// Every check, in the order they run. Checks that add candidates of the same kind keep their order here.
constexpr Check kChecks[] = {
    count_sends,              // metrics.cpp
    check_delivery,           // delivery.cpp
    check_ordering,           // ordering.cpp
    count_group_activity,     // metrics.cpp
    measure_queue_depth,      // metrics.cpp
    check_timestamps,         // timestamps.cpp
    measure_downstream_load,  // metrics.cpp
    measure_latency,          // latency.cpp
    count_cluster_events,     // kafka_metrics.cpp
    count_publishes,          // metrics.cpp
};

}  // namespace

Inputs::Inputs(model::GroundTruth const& recorded, model::WorldConfig const& configuration)
    : truth(recorded), config(configuration) {
  for (std::size_t topic = 0; topic < config.topics.size(); ++topic) {
    first_partition.push_back(static_cast<std::uint32_t>(topic_of_partition.size()));
    topic_of_partition.insert(topic_of_partition.end(), static_cast<std::size_t>(config.topics[topic].partitions),
                              static_cast<std::uint32_t>(topic));
  }
}

Findings run_checks(Inputs const& inputs) {
  BROKERSIM_ASSERT(inputs.truth.final_logs.recorded);  // World::record_end_state() ran when the run stopped.
  Findings findings;
  for (Check const check : kChecks) check(inputs, findings);
  return findings;
}

}  // namespace brokersim::checks
