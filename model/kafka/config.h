// The validated configuration of a Kafka cluster: its brokers, controller quorum and topics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/core/config.h"

namespace brokersim::model {

struct BrokersConfig {
  int count = 0;
  std::vector<std::string> zones;  // One per broker (size == count) or empty: no zone.
  std::optional<Time> flush_interval;  // Unset: the log tail stays in the page cache until a crash drops it.
  Time replica_lag_time_max = 30000 * sim::kMicrosPerMilli;
  Time controller_failover = 9000 * sim::kMicrosPerMilli;  // KRaft's broker.session.timeout.ms.
};

// Where the KRaft controller quorum runs. Dedicated: nodes of their own (`controller-N`), as production
// Kafka runs them (and ZooKeeper before them); brokers: on the brokers themselves (KRaft combined mode).
enum class ControllerPlacement : std::uint8_t { dedicated, brokers };

struct ControllersConfig {
  ControllerPlacement placement = ControllerPlacement::dedicated;
  int count = 3;                   // Dedicated voters; with placement brokers, every broker is a voter.
  std::vector<std::string> zones;  // One per controller (size == count) or empty: no zone.
  // A follower that has heard nothing from the quorum leader for this long starts an election
  // (controller.quorum.fetch.timeout.ms), which takes up to controller.quorum.election.timeout.ms more.
  Time fetch_timeout = 2000 * sim::kMicrosPerMilli;
  Time election_timeout = 1000 * sim::kMicrosPerMilli;
};

struct TopicConfig {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  int min_insync_replicas = 1;
  bool unclean_leader_election = false;
};

}  // namespace brokersim::model
