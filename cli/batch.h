// Batches: every scenario of some files and folders, for every seed of a range, in parallel, optionally
// one shard of many; and the merge of shards' outputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/summary.h"
#include "scenarios/scenario.h"

namespace brokersim::cli {

// Which seeds each scenario runs with: its own `seed` when none were asked for, else first..last.
struct SeedRange {
  bool scenario_seed = true;
  std::uint64_t first = 1;
  std::uint64_t last = 1;

  std::string describe() const;
};

// Parses "N" (1..N) or "A..B"; throws UsageError.
SeedRange parse_seed_range(std::string const& text);

// Parses "I/N" (0 <= I < N); throws UsageError.
std::pair<std::uint64_t, std::uint64_t> parse_shard(std::string const& text);

// Every *.json under the given files and folders (recursively), sorted by path so every machine plans
// the same batch. Throws UsageError for a path that does not exist.
std::vector<std::string> collect_scenario_files(std::vector<std::string> const& paths);

// One planned run.
struct PlannedRun {
  std::size_t scenario = 0;  // Index into the loaded scenarios.
  std::uint64_t seed = 0;
};

// All (scenario, seed) pairs in (file, seed) order, then the shard's slice: every N-th from I.
std::vector<PlannedRun> plan_batch(std::vector<scenarios::Scenario> const& scenarios, SeedRange const& seeds,
                                   std::uint64_t shard, std::uint64_t shards);

}  // namespace brokersim::cli
