// The RabbitMQ guarantee matrix: each scenario in scenarios/rabbitmq/ is one row, run over
// 20 seeds, as the Kafka matrix is (kafka_matrix_test.cpp). A "never" row must hold on every seed, and on
// every seed its fault must be seen to take effect (a "never" that holds because nothing happened proves
// nothing); a "can happen" row must break its expectation on most seeds.

#include <catch2/catch.hpp>

#include <vector>

#include "support/guarantee_matrix.h"

namespace {

using namespace brokersim::testing::matrix;

// Every file of scenarios/rabbitmq/ must be listed here (checked below), so a new row cannot go untested.
std::vector<MatrixRow> const& matrix() {
  static std::vector<MatrixRow> const rows = {
      {"autoack-consumer-crash.json", Row::can_happen, "lost"},
      {"manual-ack-consumer-crash-never-lost.json", Row::never, "lost",
       {"billing-0 crashed holding unacked deliveries: the node requeued them and they were redelivered",
        [](Metrics const& m, Violations const&) { return m.redeliveries > 0; }}},
      {"manual-ack-consumer-cut-off.json", Row::can_happen, "duplicate"},
      {"manual-ack-durable-dedup.json", Row::never, "duplicate",
       {"billing-0 was cut off: its deliveries were redelivered and the durable dedup store kept them from applying twice",
        [](Metrics const& m, Violations const&) { return m.redeliveries > 0 && m.deduplicated > 0; }}},
      {"no-confirms-node-crash.json", Row::can_happen, "lost"},
      {"confirms-node-crash.json", Row::never, "lost",
       {"rabbit-0 crashed with publishes unconfirmed: they were published again",
        [](Metrics const& m, Violations const&) { return m.publish_retries > 0; }}},
      {"confirms-lost-confirms.json", Row::can_happen, "duplicate"},
      {"classic-queue-power-loss.json", Row::can_happen, "lost"},
      {"requeue-reorders.json", Row::can_happen, "reordered"},
      {"poison-requeue-forever.json", Row::can_happen, ""},
      {"max-length-drop-head.json", Row::can_happen, "dropped"},
      {"max-length-reject-publish.json", Row::never, "lost",
       {"the full queue refused publishes: they were nacked and published again",
        [](Metrics const& m, Violations const& v) { return m.publish_nacks > 0 && m.publish_retries > 0 && v.dropped == 0; }}},
      {"ttl-backlog-dropped.json", Row::can_happen, "dropped"},
      {"ttl-backlog-dead-lettered.json", Row::can_happen, "dead_lettered"},
      {"unroutable-dropped.json", Row::can_happen, "dropped"},
      {"quorum-leader-crash.json", Row::never, "lost",
       {"the quorum queue's leader crashed: a follower was elected and served the queue",
        [](Metrics const& m, Violations const&) { return m.leader_elections >= 1; }}},
      {"quorum-leader-cut-off.json", Row::never, "lost",
       {"the quorum queue's leader was cut off from its followers: the majority elected another",
        [](Metrics const& m, Violations const&) { return m.leader_elections >= 1; }}},
      {"quorum-leader-power-loss.json", Row::never, "lost",
       {"the quorum queue's leader lost power: a follower was elected and served the queue",
        [](Metrics const& m, Violations const&) { return m.leader_elections >= 1; }}},
      {"quorum-poison-delivery-limit.json", Row::never, "",
       {"the poison message was dead-lettered once past the delivery limit",
        [](Metrics const& m, Violations const&) { return m.poison == 1 && m.poison_dead_lettered == 1; }}},
      {"fanout-three-queues.json", Row::never, "lost",
       {"rabbit-1 crashed: publishes routed to its queue were nacked and published again, and each of the three groups "
        "processed every confirmed message, none dropped",
        [](Metrics const& m, Violations const& v) {
          return m.publish_nacks > 0 && m.processed == 3 * m.acked && v.dropped == 0;
        }}},
  };
  return rows;
}

}  // namespace

TEST_CASE("library: rabbitmq: every scenario file is a row of the matrix", "[library]") {
  check_every_file_is_a_row(matrix(), "scenarios/rabbitmq");
}

TEST_CASE("library: rabbitmq: the guarantee matrix holds over 20 seeds", "[library][slow]") {
  check_rows(matrix(), "scenarios/rabbitmq");
}
