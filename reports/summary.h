// A batch's summary: one record per (scenario, seed) run, and the totals computed from them. Shards of
// one batch carry disjoint sets of records; merging them and recomputing gives the unsharded summary.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report.h"

namespace brokersim::reports {

// What a batch keeps of one run.
struct RunRecord {
  std::string scenario;  // Name.
  std::string file;      // Path as given.
  std::uint64_t seed = 0;
  bool passed = true;
  std::vector<std::string> broken;
  Violations violations;
  std::uint64_t events = 0;
  std::uint64_t produced = 0;
  double p99_latency_ms = 0.0;
  std::string error;  // Why the run stopped before its report (an internal error); empty for a report.
};

RunRecord record_of(Report const& report);

// A scenario file of a batch and the hash of the text it was loaded from (sim::content_hash).
struct ScenarioFile {
  std::string file;
  std::uint64_t content_hash = 0;
  bool operator==(ScenarioFile const&) const = default;
};

// The batch as a whole: its runs in (file, seed) order and how it was asked for.
struct Summary {
  std::string brokersim_version;  // Of the program that wrote it: BROKERSIM_VERSION, or what was read.
  std::vector<ScenarioFile> scenario_files;  // Every file of the batch, in every shard: merge compares them.
  std::string seeds;              // "scenario seeds", "1..20", ...
  std::uint64_t planned_runs = 0;  // Runs of the whole batch, over all shards.
  std::vector<RunRecord> runs;

  std::uint64_t failed() const;  // Runs that broke an expectation or stopped on an error.
  std::uint64_t errors() const;  // Runs that stopped on an error.
};

// summary.json: byte-identical for the same batch whatever --jobs is, and for merged shards.
nlohmann::ordered_json summary_to_json(Summary const& summary);
// Writes summary_to_json(summary).dump(2) one record at a time: a batch of many runs never holds the
// whole tree, several times the size of the text.
void write_summary_json(Summary const& summary, std::ostream& out);

// Writes `head`.dump(2) with one more member, `key`: an array of `count` elements that `element(i)`
// makes, each dropped once written. The same text as dumping the whole tree.
void dump_with_array(std::ostream& out, nlohmann::ordered_json head, std::string const& key, std::size_t count,
                     std::function<nlohmann::ordered_json(std::size_t)> const& element);
// Reads back what summary_to_json wrote (for merge); throws std::runtime_error on a malformed file.
Summary summary_from_json(nlohmann::json const& json);

std::string summary_markdown(Summary const& summary);
std::string summary_html(Summary const& summary);
std::string summary_junit(Summary const& summary);

// "brokersim run FILE --seed N".
std::string replay_command(std::string const& file, std::uint64_t seed);

}  // namespace brokersim::reports
