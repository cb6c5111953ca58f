// The Kafka guarantee matrix: each scenario in scenarios/kafka/ is one row, run over 20 seeds. A "never"
// row must hold on every seed; a "can happen" row must break its expectation on most seeds (the
// mechanism is probabilistic, but a model that never shows it is wrong).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/runner.h"
#include "scenarios/loader.h"
#include "support/run_program.h"

namespace {

using brokersim::reports::Report;

enum class Row { never, can_happen };

struct MatrixRow {
  char const* file;
  Row row;
  char const* violation;  // The count that shows the row ("lost", "duplicate", ...), or "" for verdicts only.
};

// Every file of scenarios/kafka/ must be listed here (checked below), so a new row cannot go untested.
std::vector<MatrixRow> const& matrix() {
  static std::vector<MatrixRow> const rows = {
      {"acks1-leader-crash.json", Row::can_happen, "lost"},
      {"acks-all-leader-crash.json", Row::never, "lost"},
      {"acks-all-correlated-power-loss.json", Row::can_happen, "lost"},
      {"isr-shrunk-unclean-election.json", Row::can_happen, "lost"},
      {"isr-shrunk-clean-election.json", Row::never, "lost"},
      {"leader-cut-off-unclean-election.json", Row::can_happen, "lost"},
      {"controller-quorum-loss-acks-all.json", Row::never, "lost"},
      {"producer-retries-lost-responses.json", Row::can_happen, "duplicate"},
      {"idempotent-producer-lost-responses.json", Row::never, "duplicate"},
      {"producer-in-flight-reordering.json", Row::can_happen, "reordered"},
      {"idempotent-producer-in-flight-order.json", Row::never, "reordered"},
      {"commit-before-processing-consumer-crash.json", Row::can_happen, "skipped"},
      {"commit-before-processing-never-duplicates.json", Row::never, "duplicate"},
      {"commit-after-processing-consumer-crash.json", Row::can_happen, "duplicate"},
      {"commit-after-processing-never-skips.json", Row::never, "skipped"},
      {"durable-dedup-exactly-once.json", Row::never, "duplicate"},
      {"memory-dedup-consumer-crash.json", Row::can_happen, "duplicate"},
      {"auto-commit-consumer-crash.json", Row::can_happen, ""},
      {"consumer-scale-in-commits-before-leaving.json", Row::never, "duplicate"},
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
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      Report const report = brokersim::cli::run_scenario(scenario, seed);
      if (!report.passed()) ++failing;
      std::uint64_t const count = brokersim::reports::violation_count(report.violations, row.violation);
      if (count > 0) ++shown;
      total += count;
    }
    // The measured numbers, for docs/guarantees.md.
    std::printf("| %s | %s | %llu/%llu seeds broke the expectation | %s: %llu in all |\n", row.file,
                row.row == Row::never ? "never" : "can happen", static_cast<unsigned long long>(failing),
                static_cast<unsigned long long>(kSeeds), row.violation[0] != '\0' ? row.violation : "verdict only", static_cast<unsigned long long>(total));
    INFO(row.file);
    if (row.row == Row::never) {
      CHECK(failing == 0);
      CHECK(total == 0);
    } else {
      CHECK(failing * 2 > kSeeds);
      if (row.violation[0] != '\0') CHECK(shown * 2 > kSeeds);
    }
  }
}
