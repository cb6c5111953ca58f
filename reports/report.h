// The outcome of one run as the checker judged it: verdict, violations, metrics and explained examples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/time_series.h"
#include "scenarios/scenario.h"
#include "sim/time.h"

namespace brokersim::reports {

// Counts per violation kind (PRODUCT.md names), over acknowledged, non-poison messages.
struct Violations {
  std::uint64_t lost = 0;
  std::uint64_t skipped = 0;
  std::uint64_t unprocessed = 0;
  std::uint64_t dead_lettered = 0;
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
  std::uint64_t events = 0;
  sim::Time sim_time = 0;
  // Groups with order_by "timestamp": keys whose last-writer-wins state (by timestamp) differs from the
  // state in true send order.
  std::uint64_t read_model_divergent_keys = 0;
};

// One step of a message's life, as an example's timeline shows it.
struct TimelineEntry {
  sim::Time at = 0;
  std::string node;
  std::string event;
  std::string detail;
};

// A message that shows a violation kind, with its timeline and a one-sentence cause drawn from it.
struct Example {
  std::string kind;
  std::string message;  // "order-service-1#4711"
  std::string key;      // "" for keyless
  std::string partition;  // "orders/0"
  std::int64_t offset = -1;           // In the authoritative log at the end; -1 when no log holds it.
  std::int64_t appended_offset = -1;  // Where a leader last appended it (known for traced examples), or -1.
  std::string cause;
  std::vector<TimelineEntry> timeline;
  std::uint32_t message_id = 0;  // Not reported: which send it is, to trace it in a second run.
};

struct Report {
  std::string scenario_name;
  std::string scenario_file;
  std::uint64_t seed = 0;
  std::uint64_t digest = 0;  // The event trace's hash (sim::TraceDigest): equal runs have equal digests.
  scenarios::Expectations expect;
  std::vector<std::string> broken;  // Names of the expectations that did not hold, e.g. "delivery".
  Violations violations;
  Metrics metrics;
  std::vector<Example> examples;
  TimeSeries series;

  bool passed() const { return broken.empty(); }
};

}  // namespace brokersim::reports
