// The RabbitMQ guarantee matrix (classic queues): each scenario in scenarios/rabbitmq/ is one row, run over
// 20 seeds, as the Kafka matrix is (kafka_matrix_test.cpp). A "never" row must hold on every seed, and on
// every seed its fault must be seen to take effect (a "never" that holds because nothing happened proves
// nothing); a "can happen" row must break its expectation on most seeds.
//
// To come with quorum queues (the runner refuses them until they are modelled): a quorum queue's leader
// crashes or is cut off (never lost: a majority has every confirmed message), and a poison message with a
// quorum queue's delivery limit and a dead-letter exchange (dead-lettered after the limit, not redelivered
// forever).
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
