// Cluster metadata as the controller keeps it: for each partition its replicas, leader, epoch and ISR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/app/config.h"
#include "model/kafka/config.h"
#include "model/world/config.h"

namespace brokersim::model {

inline constexpr int kNoLeader = -1;

// One partition's replication state. Brokers are numbered 0..count-1 (broker-i).
struct PartitionState {
  std::uint32_t topic = 0;
  int index = 0;                // Partition number within the topic.
  std::vector<int> replicas;    // Assignment order; replicas[0] is the preferred leader.
  int leader = kNoLeader;       // kNoLeader while offline.
  std::uint32_t leader_epoch = 0;
  std::vector<int> isr;         // In-sync replicas, the leader among them.
};

// The partitions of every topic, numbered globally: topic t's partition p is first_partition[t] + p.
struct ClusterLayout {
  std::vector<std::uint32_t> first_partition;  // Per topic.
  std::vector<PartitionState> partitions;

  std::uint32_t global(std::uint32_t topic, int partition) const {
    return first_partition[topic] + static_cast<std::uint32_t>(partition);
  }
};

// Partition p of a topic is replicated on brokers p, p+1, ..., p+RF-1 (mod count), the first of them
// its preferred leader; every replica starts in the ISR.
ClusterLayout initial_layout(WorldConfig const& config);

// "orders/2".
std::string partition_name(WorldConfig const& config, PartitionState const& partition);

}  // namespace brokersim::model
