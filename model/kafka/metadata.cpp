#include "model/kafka/metadata.h"

#include "sim/assert.h"

namespace brokersim::model {

ClusterLayout initial_layout(WorldConfig const& config) {
  ClusterLayout layout;
  int const brokers = config.brokers.count;
  BROKERSIM_ASSERT(brokers > 0);
  for (std::size_t topic = 0; topic < config.topics.size(); ++topic) {
    TopicConfig const& topic_config = config.topics[topic];
    BROKERSIM_ASSERT(topic_config.replication_factor <= brokers);
    layout.first_partition.push_back(static_cast<std::uint32_t>(layout.partitions.size()));
    for (int p = 0; p < topic_config.partitions; ++p) {
      PartitionState state;
      state.topic = static_cast<std::uint32_t>(topic);
      state.index = p;
      for (int r = 0; r < topic_config.replication_factor; ++r) state.replicas.push_back((p + r) % brokers);
      state.leader = state.replicas.front();
      state.isr = state.replicas;
      layout.partitions.push_back(std::move(state));
    }
  }
  return layout;
}

std::string partition_name(WorldConfig const& config, PartitionState const& partition) {
  return config.topics[partition.topic].name + "/" + std::to_string(partition.index);
}

}  // namespace brokersim::model
