// The outcome of one run as the checker judged it: verdict, violations, metrics and explained examples.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checks/findings.h"
#include "reports/time_series.h"
#include "scenarios/scenario.h"
#include "sim/time.h"

namespace brokersim::reports {

// What the checks found (checks/findings.h), under the names reports have always used.
using checks::LatencySummary;
using checks::Metrics;
using checks::violation_count;
using checks::Violations;

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
  bool rabbitmq = false;         // Not reported: a RabbitMQ message (its sequence diagram has queues).
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
