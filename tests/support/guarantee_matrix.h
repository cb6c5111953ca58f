// A guarantee matrix (tests/library/*_matrix_test.cpp): each scenario file of a folder is one row, run over
// 20 seeds. A "never" row must hold on every seed, and on every seed its fault must be seen to take effect
// (a "never" that holds because nothing happened proves nothing); a "can happen" row must break its
// expectation on most seeds (the mechanism is probabilistic, but a model that never shows it is wrong).
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/runner.h"
#include "scenarios/loader.h"
#include "support/run_program.h"

namespace brokersim::testing::matrix {

enum class Row { never, can_happen };

using reports::Metrics;
using reports::Violations;

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

inline constexpr std::uint64_t kSeeds = 20;

// Every file of `folder` (e.g. "scenarios/kafka") is a row, so that a new row cannot go untested.
inline void check_every_file_is_a_row(std::vector<MatrixRow> const& rows, std::string const& folder) {
  std::vector<std::string> files;
  for (auto const& row : rows) files.emplace_back(row.file);
  for (auto const& entry : std::filesystem::directory_iterator(source_path(folder))) {
    std::string const name = entry.path().filename().string();
    INFO(name);
    CHECK(std::find(files.begin(), files.end(), name) != files.end());
  }
}

// Runs every row over seeds 1-20 and prints the measured numbers, for docs/guarantees.md.
inline void check_rows(std::vector<MatrixRow> const& rows, std::string const& folder) {
  for (MatrixRow const& row : rows) {
    std::string const path = source_path(folder + "/") + row.file;
    auto const scenario = scenarios::load_scenario_file(path);
    std::uint64_t failing = 0;
    std::uint64_t shown = 0;
    std::uint64_t total = 0;
    std::uint64_t fault_seen = 0;
    std::uint64_t mechanism_seen = 0;
    for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
      reports::Report const report = cli::run_scenario(scenario, seed);
      if (!report.passed()) ++failing;
      std::uint64_t const count = reports::violation_count(report.violations, row.violation);
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
    std::printf("| %s | %s | %llu/%llu seeds broke the expectation | %s: %llu in all |\n", row.file,
                row.row == Row::never ? "never" : "can happen", static_cast<unsigned long long>(failing),
                static_cast<unsigned long long>(kSeeds), row.violation[0] != '\0' ? row.violation : "verdict only",
                static_cast<unsigned long long>(total));
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

}  // namespace brokersim::testing::matrix
