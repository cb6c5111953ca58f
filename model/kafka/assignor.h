// Partition assignors of a consumer group: pure, deterministic functions from the group's members and
// its topic's partitions to an owner for each partition (Kafka's ConsumerPartitionAssignor, one topic).
#pragma once

#include <vector>

#include "model/app/config.h"
#include "model/kafka/config.h"

namespace brokersim::model {

inline constexpr int kNoOwner = -1;

// owners[p] is the member (0..members-1) that owns partition p of the group's topic. Members are
// numbered in the order of their member ids ("group-0" < "group-1" < ... numerically).
using PartitionOwners = std::vector<int>;

// Kafka's RangeAssignor for one topic: contiguous ranges of partitions in member order, the first
// (partitions % members) members getting one partition more.
PartitionOwners assign_range(int members, int partitions);

// Kafka's RoundRobinAssignor for one topic: partition p goes to member p % members.
PartitionOwners assign_round_robin(int members, int partitions);

// The goals of Kafka's StickyAssignor: counts balanced within one, and as many partitions as balance
// allows kept by their previous owner. `previous` holds the previous owner of each partition (kNoOwner
// for none, or a member that has left); it may be empty (no history).
PartitionOwners assign_sticky(int members, int partitions, PartitionOwners const& previous);

// The assignor a group's configuration names.
PartitionOwners assign_partitions(Assignor assignor, int members, int partitions, PartitionOwners const& previous);

}  // namespace brokersim::model
