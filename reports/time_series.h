// What happened per 1-second window of simulated time, for the report's charts. Derived at the end of a
// run from the ground truth, so recording costs nothing per message; memory is bounded by the simulated
// duration, not by the message count.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/world/world.h"

namespace brokersim::reports {

struct FaultWindow {
  std::string kind;
  std::string node;
  double from_ms = 0.0;
  double to_ms = 0.0;  // Equal to from_ms for an instantaneous fault.
};

struct TimeSeries {
  std::size_t seconds = 0;
  std::vector<std::uint64_t> produced;
  std::vector<std::uint64_t> acked;
  std::vector<std::uint64_t> processed;  // First effects, over all groups.
  std::vector<std::uint64_t> attempts;   // Processing attempts, over all groups.
  std::vector<std::uint64_t> leader_elections;
  std::vector<std::string> groups;
  std::vector<std::vector<std::uint64_t>> lag;  // Per group, sampled once a second.
  // Per RabbitMQ queue: the highest ready and the highest unacked count it held in each second (each its
  // own highest, from the depth the model recorded at every change: model::QueueTruth).
  std::vector<std::string> queues;
  std::vector<std::vector<std::uint64_t>> queue_ready;
  std::vector<std::vector<std::uint64_t>> queue_unacked;
  std::vector<FaultWindow> faults;
  // Per service: calls and failed calls per second, and its capacity (0: unlimited).
  std::vector<std::string> services;
  std::vector<std::vector<std::uint64_t>> service_calls;
  std::vector<std::vector<std::uint64_t>> service_failures;
  std::vector<double> service_capacity;
};

TimeSeries time_series_of(model::World const& world, sim::Time end);

nlohmann::ordered_json time_series_to_json(TimeSeries const& series);

}  // namespace brokersim::reports
