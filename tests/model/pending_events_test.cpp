// Issue 10: the pending-event set stays proportional to live work. Every request arms a timeout (30 s
// for a produce request) that its answer makes moot; before timeouts were cancelled, each one stayed
// queued until it popped and changed nothing, and the queue held about rate x timeout of them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "support/world_harness.h"

TEST_CASE("model: a steady run keeps its pending events proportional to live work, not to timeouts x rate", "[model]") {
  // The 1M benchmark's shape for 10 s: 10,000 sends a second, 3 brokers, RF 3, acks=all, a group of 3.
  brokersim::testing::WorldHarness h(brokersim::testing::load(R"({"name": "steady", "duration_ms": 10000,
    "brokers": {"count": 3},
    "topics": [{"name": "orders", "partitions": 6, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "order-service", "instances": 2, "topic": "orders", "rate_per_s": 5000, "keys": 1000}],
    "consumer_groups": [{"name": "inventory", "topic": "orders", "instances": 3,
                         "processing_ms": {"dist": "exponential", "mean": 0.05}}]})"));
  std::size_t most = 0;
  for (int ms = 100; ms <= 10000; ms += 100) {
    h.run_to_ms(ms);
    most = std::max(most, h.simulation.pending());
  }
  INFO("most pending events " << most);
  // Live work: a few requests in flight per producer and partition, a fetch per follower and consumer,
  // heartbeats, session expiries, processing. Before, produce request timeouts alone were some 100,000.
  CHECK(most < 1000);
  CHECK(h.simulation.events_dispatched() > 100000);  // The run did the work.
}
