// What every check is: a function of the recorded ground truth and the configuration (never of live model
// objects: no World, Broker or ConsumerInstance) that adds its counts, metrics and example messages to the
// run's findings. A new guarantee is one more file with one such function, registered in check.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "checks/findings.h"
#include "model/truth/truth.h"
#include "model/world/config.h"

namespace brokersim::checks {

// What a check may read.
struct Inputs {
  // `config` is the configuration the run was built from, as the model completed it (a dead-letter
  // topic added for each group that dead-letters); `truth` must hold the end state (FinalLogs::recorded).
  Inputs(model::GroundTruth const& recorded, model::WorldConfig const& configuration);

  model::GroundTruth const& truth;
  model::WorldConfig const& config;
  // Per topic its first global partition index, and per global partition its topic (topics' partitions
  // are numbered in configuration order).
  std::vector<std::uint32_t> first_partition;
  std::vector<std::uint32_t> topic_of_partition;

  static constexpr std::uint32_t kNoTopic = UINT32_MAX;
  // The topic message `id` was sent to; kNoTopic for a message sent to no Kafka topic (RabbitMQ's).
  std::uint32_t topic_of(std::uint32_t id) const {
    std::int32_t const partition = truth.messages[id].partition;
    return partition < 0 ? kNoTopic : topic_of_partition[static_cast<std::size_t>(partition)];
  }
  // Whether group `group` should see message `id`: a topic group every message of its topic, a queue group
  // every message whose routing reaches its queue.
  bool expected_by(model::GroupTruth const& group, std::uint32_t id) const {
    return group.queue >= 0 ? group.has(id, model::GroupTruth::kExpected) : topic_of(id) == group.topic;
  }
};

using Check = void (*)(Inputs const& inputs, Findings& findings);

// Runs every registered check, in registration order (which fixes the order of example candidates).
Findings run_checks(Inputs const& inputs);

}  // namespace brokersim::checks
