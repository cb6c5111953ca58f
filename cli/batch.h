// Batches: every scenario of some files and folders, for every seed of a range, in parallel, optionally
// one shard of many; and the merge of shards' outputs.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
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

// What one planned run gave: its report, or the error that stopped it (then the report names only the
// scenario and seed).
struct RunOutcome {
  reports::Report report;
  std::string error;
  double wall_seconds = 0.0;
};

// What a batch keeps of a run once its report is gone: the summary's line and the run's wall time.
struct FinishedRun {
  reports::RunRecord record;
  double wall_seconds = 0.0;
};

// Runs one scenario with one seed: run_scenario, or a stand-in in tests.
using RunFunction = std::function<reports::Report(scenarios::Scenario const&, std::uint64_t)>;

// Sees each outcome once, on the thread that ran it, as soon as the run ends (batch writes a failing
// run's report files there). Called from up to `jobs` threads at once; must not throw.
using OutcomeSink = std::function<void(RunOutcome const&)>;

// Runs the plan on `jobs` threads (with a progress line on `err` when it is a terminal), hands each
// outcome to `sink` and keeps only its FinishedRun, so memory does not grow with the reports. The
// finished runs land by plan index, so their order does not depend on jobs. An exception that escapes a
// run becomes that run's error instead of ending the process: the other runs go on.
std::vector<FinishedRun> execute_plan(std::vector<scenarios::Scenario> const& scenarios, std::vector<PlannedRun> const& plan,
                                      unsigned jobs, std::ostream& err, RunFunction const& run, OutcomeSink const& sink);

// The summary's line for one outcome: a failed run also when its run stopped on an error.
reports::RunRecord record_of_outcome(RunOutcome const& outcome);

// The lines batch and merge print: the counts, then a line per failing or erroneous run.
void print_outcome(reports::Summary const& summary, std::string const& directory, std::ostream& out);

}  // namespace brokersim::cli
