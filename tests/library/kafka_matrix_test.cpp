// The Kafka guarantee matrix: each scenario in scenarios/kafka/ is one row, run over 20 seeds. A "never"
// row must hold on every seed, and on every seed its fault must be seen to take effect (a "never" that
// holds because nothing happened proves nothing); a "can happen" row must break its expectation on most
// seeds (the mechanism is probabilistic, but a model that never shows it is wrong).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/runner.h"
#include "scenarios/loader.h"
#include "support/run_program.h"

namespace {

using brokersim::reports::Report;

enum class Row { never, can_happen };

using brokersim::reports::Metrics;
using brokersim::reports::Violations;

using Seen = std::function<bool(Metrics const&, Violations const&)>;

// What shows, in a report, that a "never" row's fault did what the row is about: on every seed, and where
// the fault's timing decides whether it bites the mechanism (a consumer crash between two batches has
// nothing in hand to skip or redeliver), on most seeds.
struct Evidence {
  char const* what;
  Seen seen;
  char const* what_on_most_seeds = "";
  Seen seen_on_most_seeds = nullptr;
};

struct MatrixRow {
  char const* file;
  Row row;
  char const* violation;  // The count that shows the row ("lost", "duplicate", ...), or "" for verdicts only.
  Evidence evidence{"", nullptr};  // "never" rows only.
};

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

constexpr std::uint64_t kSeeds = 20;

}  // namespace

TEST_CASE("library: kafka: every scenario file is a row of the matrix", "[library]") {
  std::vector<std::string> files;
  for (auto const& row : matrix()) files.emplace_back(row.file);
  for (auto const& entry : std::filesystem::directory_iterator(brokersim::testing::source_path("scenarios/kafka"))) {
    std::string const name = entry.path().filename().string();
    INFO(name);
    CHECK(std::find(files.begin(), files.end(), name) != files.end());
  }
}

TEST_CASE("library: kafka: the guarantee matrix holds over 20 seeds", "[library][slow]") {
  for (MatrixRow const& row : matrix()) {
    std::string const path = brokersim::testing::source_path("scenarios/kafka/") + row.file;
    auto const scenario = brokersim::scenarios::load_scenario_file(path);
    std::uint64_t failing = 0;
    std::uint64_t shown = 0;
    std::uint64_t total = 0;
    std::uint64_t fault_seen = 0;
    std::uint64_t mechanism_seen = 0;
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      Report const report = brokersim::cli::run_scenario(scenario, seed);
      if (!report.passed()) ++failing;
      std::uint64_t const count = brokersim::reports::violation_count(report.violations, row.violation);
      if (count > 0) ++shown;
      total += count;
      if (row.row == Row::never) {
        REQUIRE(row.evidence.seen);  // Every "never" row names its evidence.
        bool const seen = row.evidence.seen(report.metrics, report.violations);
        if (seen) ++fault_seen;
        INFO(row.file << ", seed " << seed << ": " << row.evidence.what);
        CHECK(seen);
        if (row.evidence.seen_on_most_seeds && row.evidence.seen_on_most_seeds(report.metrics, report.violations)) ++mechanism_seen;
      }
    }
    // The measured numbers, for docs/guarantees.md.
    std::printf("| %s | %s | %llu/%llu seeds broke the expectation | %s: %llu in all |\n", row.file,
                row.row == Row::never ? "never" : "can happen", static_cast<unsigned long long>(failing),
                static_cast<unsigned long long>(kSeeds), row.violation[0] != '\0' ? row.violation : "verdict only", static_cast<unsigned long long>(total));
    if (row.row == Row::never) {
      std::printf("|   the fault took effect on %llu/%llu seeds: %s |\n", static_cast<unsigned long long>(fault_seen),
                  static_cast<unsigned long long>(kSeeds), row.evidence.what);
      if (row.evidence.seen_on_most_seeds) {
        std::printf("|   and bit on %llu/%llu seeds: %s |\n", static_cast<unsigned long long>(mechanism_seen),
                    static_cast<unsigned long long>(kSeeds), row.evidence.what_on_most_seeds);
      }
    }
    INFO(row.file);
    if (row.row == Row::never) {
      if (row.evidence.seen_on_most_seeds) {
        INFO(row.evidence.what_on_most_seeds);
        CHECK(mechanism_seen * 2 > kSeeds);
      }
      CHECK(failing == 0);
      CHECK(total == 0);
    } else {
      CHECK(failing * 2 > kSeeds);
      if (row.violation[0] != '\0') CHECK(shown * 2 > kSeeds);
    }
  }
}
