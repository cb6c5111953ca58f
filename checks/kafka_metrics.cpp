#include "checks/kafka_metrics.h"

namespace brokersim::checks {

void count_cluster_events(Inputs const& inputs, Findings& findings) {
  model::GroundTruth const& truth = inputs.truth;
  Metrics& metrics = findings.metrics;
  metrics.log_duplicates = truth.final_logs.log_duplicates;
  metrics.leader_elections = truth.leader_elections;
  for (model::ElectionEvent const& election : truth.elections) {
    if (election.unclean) ++metrics.unclean_leader_elections;
    if (election.leader < 0) ++metrics.offline_partitions;
  }
  metrics.produce_retries = truth.produce_retries;
  metrics.sequence_duplicates = truth.sequence_duplicates;
  metrics.out_of_order_sequences = truth.out_of_order_sequences;
  for (model::QuorumEvent const& change : truth.quorum) {
    if (change.leader != UINT32_MAX) ++metrics.controller_elections;
  }
}

}  // namespace brokersim::checks
