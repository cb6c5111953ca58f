#include "checks/metrics.h"

#include <algorithm>
#include <cmath>

namespace brokersim::checks {

namespace {

using model::GroupTruth;
using model::MessageRecord;

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

}  // namespace

void count_sends(Inputs const& inputs, Findings& findings) {
  model::GroundTruth const& truth = inputs.truth;
  Metrics& metrics = findings.metrics;
  for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
    MessageRecord const& message = truth.messages[id];
    ++metrics.produced;
    if (message.poison) {
      ++metrics.poison;
      bool const dead_lettered = std::any_of(truth.groups.begin(), truth.groups.end(),
                                             [&](GroupTruth const& g) { return g.has(id, GroupTruth::kDeadLettered); });
      if (dead_lettered) ++metrics.poison_dead_lettered;
    }
    if (message.send_failed) ++metrics.send_failed;
    if (message.acked()) ++metrics.acked;
  }
}

void count_publishes(Inputs const& inputs, Findings& findings) {
  Metrics& metrics = findings.metrics;
  metrics.rabbitmq = inputs.config.rabbitmq.present();
  metrics.publish_nacks = inputs.truth.publish_nacks;
  metrics.publish_retries = inputs.truth.publish_retries;
}

void count_group_activity(Inputs const& inputs, Findings& findings) {
  model::GroundTruth const& truth = inputs.truth;
  Metrics& metrics = findings.metrics;
  for (GroupTruth const& group : truth.groups) {
    std::uint64_t distinct_attempted = 0;
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      if (group.has(id, GroupTruth::kAttempted) && inputs.expected_by(group, id)) ++distinct_attempted;
    }
    metrics.attempts += group.attempts;
    metrics.redeliveries += group.redeliveries;
    metrics.rebalances += group.rebalances;
    metrics.members_left += group.members_left;
    metrics.deduplicated += group.deduplicated;
    metrics.truncation_resets += group.truncations_detected;
    metrics.max_consumer_lag = std::max(metrics.max_consumer_lag, group.max_lag);
    metrics.retry_amplification = std::max(
        metrics.retry_amplification,
        distinct_attempted > 0 ? round3(static_cast<double>(group.attempts) / static_cast<double>(distinct_attempted)) : 0.0);
  }
}

void measure_queue_depth(Inputs const& inputs, Findings& findings) {
  Metrics& metrics = findings.metrics;
  for (model::QueueTruth const& queue : inputs.truth.queues) metrics.max_queue_depth = std::max(metrics.max_queue_depth, queue.max_depth);
  for (GroupTruth const& group : inputs.truth.groups) {
    if (group.queue < 0) metrics.max_queue_depth = std::max(metrics.max_queue_depth, group.max_lag);
  }
  metrics.reports_queue_depth = !inputs.truth.queues.empty();
}

void measure_downstream_load(Inputs const& inputs, Findings& findings) {
  double peak = 0.0;
  for (model::ServiceTruth const& service : inputs.truth.services) {
    if (!service.capacity_per_s) continue;
    for (std::uint32_t const calls : service.calls_per_second) peak = std::max(peak, calls / *service.capacity_per_s);
  }
  findings.metrics.downstream_peak_load = round3(peak);
}

}  // namespace brokersim::checks
