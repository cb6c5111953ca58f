// What the checks find: counts per violation kind, metrics, and the example messages worth tracing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.h"

namespace brokersim::checks {

// Counts per violation kind (PRODUCT.md names), over acknowledged, non-poison messages.
struct Violations {
  std::uint64_t lost = 0;
  std::uint64_t skipped = 0;
  std::uint64_t unprocessed = 0;
  std::uint64_t dead_lettered = 0;
  std::uint64_t dropped = 0;  // v0.2: discarded by the broker's configured policy (RabbitMQ: expired, overflow, delivery limit).
  std::uint64_t duplicate = 0;
  std::uint64_t reordered = 0;
  std::uint64_t timestamp_inversion = 0;
  // Not a contract kind: pairs out of order within a partition (what ordering "per-partition" judges).
  std::uint64_t reordered_in_partition = 0;
};

// The count of violation kind `kind` ("lost", "duplicate", ...), 0 for an unknown name.
inline std::uint64_t violation_count(Violations const& v, std::string const& kind) {
  if (kind == "lost") return v.lost;
  if (kind == "skipped") return v.skipped;
  if (kind == "unprocessed") return v.unprocessed;
  if (kind == "dead_lettered") return v.dead_lettered;
  if (kind == "dropped") return v.dropped;
  if (kind == "duplicate") return v.duplicate;
  if (kind == "reordered") return v.reordered;
  if (kind == "timestamp_inversion") return v.timestamp_inversion;
  return 0;
}

struct LatencySummary {
  double mean_ms = 0.0;
  double p50_ms = 0.0;
  double p99_ms = 0.0;
  double max_ms = 0.0;
};

struct Metrics {
  std::uint64_t produced = 0;
  std::uint64_t acked = 0;
  std::uint64_t send_failed = 0;
  std::uint64_t processed = 0;
  std::uint64_t effects = 0;
  std::uint64_t redeliveries = 0;
  std::uint64_t log_duplicates = 0;
  std::uint64_t phantom_effects = 0;  // Effects of sends the producer was told had failed.
  std::uint64_t attempts = 0;
  double retry_amplification = 0.0;
  std::uint64_t poison = 0;
  std::uint64_t poison_dead_lettered = 0;
  LatencySummary latency;
  std::uint64_t max_consumer_lag = 0;
  // v0.2: the highest number of messages a queue held (RabbitMQ: ready + unacked; a Kafka topic: its
  // group's lag, so the highest of max_consumer_lag too). Reported when the scenario has queues or
  // expects it (reports_queue_depth): a Kafka-only report stays as it was.
  std::uint64_t max_queue_depth = 0;
  bool reports_queue_depth = false;
  double downstream_peak_load = 0.0;
  std::uint64_t rebalances = 0;
  std::uint64_t members_left = 0;       // Group members gone with a LeaveGroup (scale-in, clean close).
  std::uint64_t deduplicated = 0;       // Deliveries the idempotent consumer kept from applying again.
  std::uint64_t truncation_resets = 0;  // Consumer positions reset after a log truncation (KIP-320).
  std::uint64_t leader_elections = 0;
  std::uint64_t unclean_leader_elections = 0;  // Leaders elected from outside the ISR.
  std::uint64_t offline_partitions = 0;        // Times a partition was left with no leader to elect.
  std::uint64_t produce_retries = 0;           // Produce requests sent again (error, timeout, lost answer).
  std::uint64_t sequence_duplicates = 0;       // Idempotent resends a leader found already appended.
  std::uint64_t out_of_order_sequences = 0;    // Idempotent batches a leader refused for a sequence gap.
  std::uint64_t controller_elections = 0;  // Times the controller quorum elected a new leader.
  // RabbitMQ publishers, reported only when the scenario has RabbitMQ (`rabbitmq`).
  bool rabbitmq = false;
  std::uint64_t publish_nacks = 0;    // Confirms that were basic.nack (reject-publish overflow, a queue down).
  std::uint64_t publish_retries = 0;  // Publishes sent again (nack, confirm timeout, connection lost).
  std::uint64_t events = 0;
  sim::Time sim_time = 0;
  // Groups with order_by "timestamp": keys whose last-writer-wins state (by timestamp) differs from the
  // state in true send order.
  std::uint64_t read_model_divergent_keys = 0;
};

// The first few messages (in the order the checks find them, so the choice is deterministic) of each
// violation kind: the examples a report traces and explains.
class ExampleCandidates {
 public:
  static constexpr std::size_t kPerKind = 3;
  static constexpr std::size_t kNoGroup = SIZE_MAX;
  struct Candidate {
    std::uint32_t message = 0;
    std::size_t group = kNoGroup;
  };

  void add(char const* kind, std::uint32_t message, std::size_t group);
  std::vector<Candidate> const& of(std::string const& kind) const;

  // Violation kinds in the contract's order.
  static std::array<char const*, 8> const& kinds();

 private:
  std::array<std::vector<Candidate>, 8> chosen_;
};

// Everything the checks of one run found.
struct Findings {
  Violations violations;
  Metrics metrics;
  ExampleCandidates candidates;
};

}  // namespace brokersim::checks
