// A validated scenario: the system, its faults and what its authors expect, as loaded from a JSON file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faults/fault.h"
#include "jsonio/reader.h"
#include "model/world/config.h"
#include "sim/time.h"

namespace brokersim::scenarios {

enum class DeliveryExpectation : std::uint8_t { at_most_once, at_least_once, exactly_once };
enum class OrderingExpectation : std::uint8_t { per_key, per_partition, none };

// The scenario's `expect` object; an unset member expects nothing.
struct Expectations {
  std::optional<DeliveryExpectation> delivery;
  std::optional<OrderingExpectation> ordering;
  std::optional<double> max_p99_latency_ms;
  std::optional<double> max_consumer_lag;
  std::optional<double> max_retry_amplification;
  std::optional<double> max_dead_lettered;
  std::optional<double> max_timestamp_inversions;
  std::optional<double> max_downstream_load;
  std::optional<double> max_queue_depth;
};

// The threshold expectations by scenario key, in the format's order (loader, writer and reports share it).
inline constexpr std::pair<char const*, std::optional<double> Expectations::*> kThresholds[] = {
    {"max_p99_latency_ms", &Expectations::max_p99_latency_ms},
    {"max_consumer_lag", &Expectations::max_consumer_lag},
    {"max_retry_amplification", &Expectations::max_retry_amplification},
    {"max_dead_lettered", &Expectations::max_dead_lettered},
    {"max_timestamp_inversions", &Expectations::max_timestamp_inversions},
    {"max_downstream_load", &Expectations::max_downstream_load},
    {"max_queue_depth", &Expectations::max_queue_depth},
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;  // The path it was loaded from, as given.
  std::uint64_t content_hash = 0;  // sim::content_hash of the text it was loaded from (0: not from text).
  std::uint64_t seed = 1;
  sim::Time duration = 0;  // Producers stop at this time.
  sim::Time drain = 0;     // Then the run goes on at most this long until everything is idle.
  bool heal_at_drain = true;
  model::WorldConfig world;
  std::vector<faults::Fault> faults;
  Expectations expect;
};

// Bad input: the message already names the file, the JSON pointer and what was expected.
using jsonio::ScenarioError;

}  // namespace brokersim::scenarios
