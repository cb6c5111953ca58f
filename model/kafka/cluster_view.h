// What consumer-group members and coordinators read from the cluster's metadata, behind a small
// interface so that the group protocol can be tested without brokers.
#pragma once

#include <cstdint>

#include "model/core/node.h"
#include "model/kafka/metadata.h"

namespace brokersim::model {

// Cluster metadata as a client sees it. Reading it directly stands for a Metadata or FindCoordinator
// request, whose round trip is not modelled. The World implements it over the Controller; tests use
// a fake.
class ClusterView {
 public:
  virtual ~ClusterView() = default;
  // The broker hosting group `group`'s coordinator, or kNoLeader when no broker can.
  virtual int coordinator_broker(std::uint32_t group) const = 0;
  // The leader of global partition `partition`, or kNoLeader while it is offline.
  virtual int partition_leader(std::uint32_t partition) const = 0;
  virtual NodeId broker_node(int broker) const = 0;
  // The log end offset of the partition's leader (for lag), or -1 when it is unknown.
  virtual std::int64_t log_end(std::uint32_t partition) const = 0;
  // The partition's log as its leader serves it: the leader's log end and the epoch it leads in; empty
  // (log_end -1) while no broker acts as its leader: offline, its leader dead, or a new or restarted
  // leader that has not yet taken the role.
  struct LeaderLog {
    std::int64_t log_end = -1;
    std::uint32_t leader_epoch = 0;
  };
  virtual LeaderLog leader_log(std::uint32_t partition) const = 0;
};

}  // namespace brokersim::model
