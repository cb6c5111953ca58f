// The generator options of each delivery property, named, so that the properties and the export of their
// generated cases (export_cases_test.cpp) draw from the same systems.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "properties/scenario_gen.h"

namespace brokersim::testing {

// acks=all, min.insync 2, clean election, one broker crash or partition at a time, a leader first.
inline GenOptions no_loss_options() {
  GenOptions options;
  options.acks = "all";
  options.safe_replication = true;
  options.fault_kinds = {"crash", "partition"};
  options.leader_crash_first = true;
  options.one_fault_at_a_time = true;
  options.brokers_only = true;
  options.failure_handling = false;
  return options;
}

// Idempotent producers on safe replication, one fault at a time: two broker failures at once can lose
// acknowledged records (see scenario_gen.h), and what follows (a committed offset past the log end
// resets to the earliest and reprocesses) is outside every guarantee below.
inline GenOptions idempotent_options() {
  GenOptions options;
  options.idempotent_only = true;
  options.safe_replication = true;
  options.fault_kinds = {"crash", "pause", "partition", "link", "clock", "scale"};
  options.one_fault_at_a_time = true;
  options.failure_handling = false;
  return options;
}

inline GenOptions lossy_link_options() {
  GenOptions options = idempotent_options();
  options.lossy_link_first = true;
  return options;
}

inline GenOptions commit_options(std::string commit, std::string dedup) {
  GenOptions options = idempotent_options();
  options.commit = std::move(commit);
  options.dedup = std::move(dedup);
  options.consumer_crash_first = true;
  return options;
}

inline GenOptions fault_free_options() {
  GenOptions options;
  options.with_faults = false;
  options.failure_handling = false;
  options.below_capacity = true;
  return options;
}

// RabbitMQ: any system the generator draws (classic or quorum queues, confirms or not, every commit mode,
// failure handling, faults on nodes and clients).
inline GenOptions rabbitmq_options() {
  GenOptions options;
  options.system = "rabbitmq";
  return options;
}

// Publisher confirms, quorum queues, manual acks after processing; one node or client fault at a time,
// the first crashing the node that leads the first queue.
inline GenOptions rabbitmq_no_loss_options() {
  GenOptions options;
  options.system = "rabbitmq";
  options.queue_type = "quorum";
  options.confirms = "true";
  options.commit = "after-processing";
  options.fault_kinds = {"crash", "pause", "partition", "link"};
  options.leader_crash_first = true;
  options.one_fault_at_a_time = true;
  options.failure_handling = false;
  return options;
}

// The same with a durable dedup store, the first fault crashing a consumer (its unacked deliveries are
// redelivered).
inline GenOptions rabbitmq_exactly_once_options() {
  GenOptions options = rabbitmq_no_loss_options();
  options.dedup = "durable";
  options.fault_kinds = {"crash", "pause", "partition", "link", "clock"};
  options.leader_crash_first = false;
  options.consumer_crash_first = true;
  return options;
}

inline GenOptions rabbitmq_fault_free_options() {
  GenOptions options = fault_free_options();
  options.system = "rabbitmq";
  return options;
}

// Every option set the properties draw from, by a name for files.
inline std::vector<std::pair<std::string, GenOptions>> property_option_sets() {
  return {{"any", GenOptions{}},
          {"no-loss", no_loss_options()},
          {"idempotence", lossy_link_options()},
          {"at-most-once", commit_options("before-processing", "none")},
          {"exactly-once", commit_options("after-processing", "durable")},
          {"fault-free", fault_free_options()},
          {"rabbitmq-any", rabbitmq_options()},
          {"rabbitmq-no-loss", rabbitmq_no_loss_options()},
          {"rabbitmq-exactly-once", rabbitmq_exactly_once_options()},
          {"rabbitmq-fault-free", rabbitmq_fault_free_options()}};
}

}  // namespace brokersim::testing
