#include "checks/verdict.h"

#include <optional>

#include "checks/delivery.h"
#include "checks/ordering.h"

namespace brokersim::checks {

std::vector<std::string> broken_expectations(scenarios::Expectations const& expect, Violations const& violations,
                                             Metrics const& metrics) {
  std::vector<std::string> broken;
  if (expect.delivery && delivery_broken(*expect.delivery, violations)) broken.emplace_back("delivery");
  if (expect.ordering && ordering_broken(*expect.ordering, violations)) broken.emplace_back("ordering");
  auto threshold = [&](std::optional<double> const& limit, double value, char const* name) {
    if (limit && value > *limit) broken.emplace_back(name);
  };
  threshold(expect.max_p99_latency_ms, metrics.latency.p99_ms, "max_p99_latency_ms");
  threshold(expect.max_consumer_lag, static_cast<double>(metrics.max_consumer_lag), "max_consumer_lag");
  threshold(expect.max_retry_amplification, metrics.retry_amplification, "max_retry_amplification");
  threshold(expect.max_dead_lettered, static_cast<double>(violations.dead_lettered), "max_dead_lettered");
  threshold(expect.max_timestamp_inversions, static_cast<double>(violations.timestamp_inversion),
            "max_timestamp_inversions");
  threshold(expect.max_downstream_load, metrics.downstream_peak_load, "max_downstream_load");
  threshold(expect.max_queue_depth, static_cast<double>(metrics.max_queue_depth), "max_queue_depth");
  return broken;
}

}  // namespace brokersim::checks
