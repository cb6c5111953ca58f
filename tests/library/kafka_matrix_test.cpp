// The Kafka guarantee matrix: each scenario in scenarios/kafka/ is one row, run over 20 seeds. A "never"
// row must hold on every seed, and on every seed its fault must be seen to take effect (a "never" that
// holds because nothing happened proves nothing); a "can happen" row must break its expectation on most
// seeds (the mechanism is probabilistic, but a model that never shows it is wrong).
#include <catch2/catch.hpp>

#include <vector>

#include "support/guarantee_matrix.h"

namespace {

using namespace brokersim::testing::matrix;

// Every file of scenarios/kafka/ must be listed here (checked below), so a new row cannot go untested.
std::vector<MatrixRow> const& matrix() {
  static std::vector<MatrixRow> const rows = {
      {"acks1-leader-crash.json", Row::can_happen, "lost"},
      {"acks-all-leader-crash.json", Row::never, "lost",
       {"orders/0's leader crashed with produce requests in flight: a new leader was elected and the requests were retried",
        [](Metrics const& m, Violations const&) { return m.leader_elections >= 1 && m.produce_retries > 0; }}},
      {"acks-all-correlated-power-loss.json", Row::can_happen, "lost"},
      {"isr-shrunk-unclean-election.json", Row::can_happen, "lost"},
      {"isr-shrunk-clean-election.json", Row::never, "lost",
       {"the last in-sync replica crashed: the partition went offline and waited, with no unclean election",
        [](Metrics const& m, Violations const&) { return m.offline_partitions >= 1 && m.unclean_leader_elections == 0; }}},
      {"leader-cut-off-unclean-election.json", Row::can_happen, "lost"},
      {"controller-quorum-loss-acks-all.json", Row::never, "lost",
       {"two controllers crashed: the quorum lost its leader and elected one again, and only then failed the dead leader over",
        [](Metrics const& m, Violations const&) { return m.controller_elections >= 1 && m.leader_elections >= 1; }}},
      {"producer-retries-lost-responses.json", Row::can_happen, "duplicate"},
      {"idempotent-producer-lost-responses.json", Row::never, "duplicate",
       {"answers were lost: requests were retried and the leader dropped resends of batches it had appended",
        [](Metrics const& m, Violations const&) { return m.produce_retries > 0 && m.sequence_duplicates > 0; }}},
      {"producer-in-flight-reordering.json", Row::can_happen, "reordered"},
      {"idempotent-producer-in-flight-order.json", Row::never, "reordered",
       {"a lost request was overtaken: the leader refused a batch after a sequence gap, and it was retried",
        [](Metrics const& m, Violations const&) { return m.produce_retries > 0 && m.out_of_order_sequences > 0; }}},
      {"commit-before-processing-consumer-crash.json", Row::can_happen, "skipped"},
      {"commit-before-processing-never-duplicates.json", Row::never, "duplicate",
       {"inventory-0 crashed: the group rebalanced and records committed but not processed were skipped",
        [](Metrics const& m, Violations const& v) { return m.rebalances >= 1 && v.skipped > 0; }}},
      {"commit-after-processing-consumer-crash.json", Row::can_happen, "duplicate"},
      {"commit-after-processing-never-skips.json", Row::never, "skipped",
       {"inventory-0 crashed: the group rebalanced", [](Metrics const& m, Violations const&) { return m.rebalances >= 1; },
        "records processed but not committed were redelivered",
        [](Metrics const& m, Violations const&) { return m.redeliveries > 0; }}},
      {"durable-dedup-exactly-once.json", Row::never, "duplicate",
       {"inventory-0 crashed: the group rebalanced", [](Metrics const& m, Violations const&) { return m.rebalances >= 1; },
        "records were redelivered and the durable dedup store kept them from applying twice",
        [](Metrics const& m, Violations const&) { return m.redeliveries > 0 && m.deduplicated > 0; }}},
      {"memory-dedup-consumer-crash.json", Row::can_happen, "duplicate"},
      {"auto-commit-consumer-crash.json", Row::can_happen, ""},
      {"consumer-scale-in-commits-before-leaving.json", Row::never, "duplicate",
       {"the group scaled in: two members left with LeaveGroup and the group rebalanced",
        [](Metrics const& m, Violations const&) { return m.members_left >= 2 && m.rebalances >= 2; }}},
  };
  return rows;
}

}  // namespace

TEST_CASE("library: kafka: every scenario file is a row of the matrix", "[library]") {
  check_every_file_is_a_row(matrix(), "scenarios/kafka");
}

TEST_CASE("library: kafka: the guarantee matrix holds over 20 seeds", "[library][slow]") {
  check_rows(matrix(), "scenarios/kafka");
}
