// `brokersim batch` and `brokersim merge`.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include "brokersim_version.h"
#include "cli/batch.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runner.h"
#include "reports/report_files.h"
#include "scenarios/loader.h"
#include "sim/format.h"

namespace brokersim::cli {

namespace fs = std::filesystem;

std::string SeedRange::describe() const {
  if (scenario_seed) return "each scenario's seed";
  return first == last ? "seed " + std::to_string(first) : "seeds " + std::to_string(first) + ".." + std::to_string(last);
}

SeedRange parse_seed_range(std::string const& text) {
  SeedRange range;
  range.scenario_seed = false;
  if (auto const dots = text.find(".."); dots != std::string::npos) {
    range.first = parse_unsigned("seeds", text.substr(0, dots));
    range.last = parse_unsigned("seeds", text.substr(dots + 2));
    if (range.last < range.first) throw UsageError("option --seeds: the range " + text + " is empty");
  } else {
    range.first = 1;
    range.last = parse_unsigned("seeds", text);
    if (range.last == 0) throw UsageError("option --seeds: expected at least 1 seed, got 0");
  }
  if (range.last - range.first >= 100000000) throw UsageError("option --seeds: at most 100000000 seeds per batch");
  return range;
}

std::pair<std::uint64_t, std::uint64_t> parse_shard(std::string const& text) {
  auto const slash = text.find('/');
  if (slash == std::string::npos) throw UsageError("option --shard: expected I/N, e.g. 0/4, got \"" + text + "\"");
  std::uint64_t const index = parse_unsigned("shard", text.substr(0, slash));
  std::uint64_t const count = parse_unsigned("shard", text.substr(slash + 1));
  if (count == 0 || index >= count) throw UsageError("option --shard: expected 0 <= I < N, got \"" + text + "\"");
  return {index, count};
}

std::vector<std::string> collect_scenario_files(std::vector<std::string> const& paths) {
  std::vector<std::string> files;
  for (std::string const& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      for (auto const& entry : fs::recursive_directory_iterator(path, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path().string());
      }
    } else if (fs::exists(path, error)) {
      files.push_back(path);
    } else {
      throw UsageError(path + ": no such file or directory");
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

std::vector<PlannedRun> plan_batch(std::vector<scenarios::Scenario> const& scenarios, SeedRange const& seeds,
                                   std::uint64_t shard, std::uint64_t shards) {
  std::vector<PlannedRun> plan;
  std::uint64_t index = 0;
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    std::uint64_t const first = seeds.scenario_seed ? scenarios[s].seed : seeds.first;
    std::uint64_t const last = seeds.scenario_seed ? scenarios[s].seed : seeds.last;
    for (std::uint64_t seed = first;; ++seed) {
      if (index++ % shards == shard) plan.push_back(PlannedRun{s, seed});
      if (seed == last) break;
    }
  }
  return plan;
}

namespace {

// The shard from --shard, or from a job array's index (Kubernetes Indexed Jobs, Slurm arrays) with the
// count from --shards or SLURM_ARRAY_TASK_COUNT.
std::pair<std::uint64_t, std::uint64_t> shard_of(Arguments const& arguments) {
  if (auto const shard = arguments.option("shard")) return parse_shard(*shard);
  char const* index = std::getenv("JOB_COMPLETION_INDEX");
  if (index == nullptr) index = std::getenv("SLURM_ARRAY_TASK_ID");
  if (index == nullptr) return {0, 1};
  std::optional<std::string> count = arguments.option("shards");
  if (!count) {
    if (char const* slurm_count = std::getenv("SLURM_ARRAY_TASK_COUNT")) count = slurm_count;
  }
  if (!count) throw UsageError("a job index is set (JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID) but not the shard count: pass --shards N");
  return parse_shard(std::string(index) + "/" + *count);
}

std::string run_directory(std::string const& file, std::uint64_t seed) {
  std::string relative = fs::path(file).lexically_normal().string();
  while (relative.rfind("../", 0) == 0) relative = relative.substr(3);
  if (!relative.empty() && relative[0] == '/') relative = relative.substr(1);
  if (relative.size() > 5 && relative.compare(relative.size() - 5, 5, ".json") == 0) relative.resize(relative.size() - 5);
  return "runs/" + relative + "/seed-" + std::to_string(seed);
}

// Each file is made just before it is written: a large batch's are megabytes each.
void write_summary_files(StagedOutput& output, reports::Summary const& summary, std::function<void(std::ostream&)> const& timing) {
  output.write("summary.json", [&](std::ostream& out) {
    reports::write_summary_json(summary, out);
    out << "\n";
  });
  output.write("summary.md", reports::summary_markdown(summary));
  output.write("summary.html", reports::summary_html(summary));
  output.write("junit.xml", reports::summary_junit(summary));
  output.write("timing.json", timing);
}

// Shards of one batch ran the same scenario files, byte for byte, with the same seeds: merging others
// would make a summary of a batch that never was.
void check_same_batch(reports::Summary const& first, std::string const& first_dir, reports::Summary const& part,
                      std::string const& shard_dir) {
  std::string const other = shard_dir + ": a shard of another batch than " + first_dir + ": ";
  if (part.scenario_files.size() != first.scenario_files.size()) {
    throw UsageError(other + "it ran " + std::to_string(part.scenario_files.size()) + " scenario files, not " +
                     std::to_string(first.scenario_files.size()));
  }
  for (std::size_t f = 0; f < part.scenario_files.size(); ++f) {
    reports::ScenarioFile const& mine = part.scenario_files[f];
    reports::ScenarioFile const& theirs = first.scenario_files[f];
    if (mine.file != theirs.file) throw UsageError(other + "it ran " + mine.file + " where that ran " + theirs.file);
    if (mine.content_hash != theirs.content_hash) {
      throw UsageError(other + mine.file + " had different content (the file changed between the shards' runs)");
    }
  }
  if (part.seeds != first.seeds || part.planned_runs != first.planned_runs) {
    throw UsageError(other + "its seeds or run count differ");
  }
}

}  // namespace

// An exception escaping a worker thread would call std::terminate and lose the whole batch; caught here,
// it is one run's error.
std::vector<FinishedRun> execute_plan(std::vector<scenarios::Scenario> const& scenarios, std::vector<PlannedRun> const& plan,
                                      unsigned jobs, std::ostream& err, RunFunction const& run, OutcomeSink const& sink) {
  std::vector<FinishedRun> finished_runs(plan.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<std::size_t> failed{0};
  std::mutex progress;
  bool const terminal = ::isatty(2) != 0;
  auto const start = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (std::size_t i = next++; i < plan.size(); i = next++) {
      auto const begun = std::chrono::steady_clock::now();
      scenarios::Scenario const& scenario = scenarios[plan[i].scenario];
      RunOutcome outcome;
      try {
        outcome.report = run(scenario, plan[i].seed);
      } catch (std::exception const& error) {
        outcome.error = error.what();
      } catch (...) {
        outcome.error = "an exception of unknown type";
      }
      if (!outcome.error.empty()) {
        outcome.report = reports::Report{};
        outcome.report.scenario_name = scenario.name;
        outcome.report.scenario_file = scenario.file;
        outcome.report.seed = plan[i].seed;
      }
      outcome.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
      sink(outcome);
      finished_runs[i] = FinishedRun{record_of_outcome(outcome), outcome.wall_seconds};
      if (!finished_runs[i].record.passed) ++failed;
      std::size_t const finished = ++done;
      if (!terminal) continue;
      std::lock_guard<std::mutex> lock(progress);
      double const elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double const eta = elapsed / static_cast<double>(finished) * static_cast<double>(plan.size() - finished);
      err << "\rbatch: " << finished << "/" << plan.size() << " runs, " << failed.load() << " failed, ETA "
          << static_cast<long>(eta + 0.5) << " s   " << std::flush;
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& thread : threads) thread.join();
  if (terminal) err << "\n";
  return finished_runs;
}

reports::RunRecord record_of_outcome(RunOutcome const& outcome) {
  reports::RunRecord record = reports::record_of(outcome.report);
  if (!outcome.error.empty()) {
    record.passed = false;
    record.error = outcome.error;
  }
  return record;
}

void print_outcome(reports::Summary const& summary, std::string const& directory, std::ostream& out) {
  std::uint64_t const errors = summary.errors();
  out << "batch: " << summary.runs.size() << " runs, " << summary.failed() - errors << " broke an expectation";
  if (errors > 0) out << ", " << errors << " stopped on an error";
  out << "; summary in " << directory << "/summary.md\n";
  for (reports::RunRecord const& run : summary.runs) {
    if (!run.error.empty()) out << "  ERROR " << reports::replay_command(run.file, run.seed) << ": " << run.error << "\n";
    else if (!run.passed) out << "  FAIL " << reports::replay_command(run.file, run.seed) << "\n";
  }
}

int batch_command(Arguments const& arguments, Streams& streams) {
  if (arguments.operands.empty()) throw UsageError("batch takes scenario files or folders (see brokersim batch --help)");
  SeedRange const seeds = arguments.option("seeds") ? parse_seed_range(*arguments.option("seeds")) : SeedRange{};
  auto const [shard, shards] = shard_of(arguments);
  unsigned jobs = std::max(1U, std::thread::hardware_concurrency());
  if (auto const text = arguments.option("jobs")) jobs = static_cast<unsigned>(std::clamp<std::uint64_t>(parse_unsigned("jobs", *text), 1, 1024));
  std::string const directory = arguments.option("out").value_or("out");
  std::vector<std::string> const files = collect_scenario_files(arguments.operands);
  if (files.empty()) throw UsageError("no *.json scenario file found");
  // Every file is checked before anything runs: one bad file stops the batch with exit code 2.
  std::vector<scenarios::Scenario> loaded;
  bool bad = false;
  for (std::string const& file : files) {
    try {
      loaded.push_back(scenarios::load_scenario_file(file));
      ensure_runnable(loaded.back());
    } catch (scenarios::ScenarioError const& error) {
      streams.err << error.what() << "\n";
      bad = true;
    }
  }
  if (bad) return kExitBadInput;
  std::vector<PlannedRun> const plan = plan_batch(loaded, seeds, shard, shards);
  std::optional<StagedOutput> output;
  try {
    output.emplace(directory);
  } catch (std::runtime_error const& error) {
    streams.err << "brokersim: " << error.what() << "\n";
    return kExitBadInput;
  }
  // A failing run's report files are written as soon as it ends, so no report outlives its run; they stay
  // under temporary names until the summary is written too. A failed write is reported once the batch is
  // over, and then nothing is renamed into place.
  std::mutex write_failure_mutex;
  std::string write_failure;
  auto const write_reports = [&](RunOutcome const& outcome) {
    // A run that stopped on an error has no report to write: its error is in the summary.
    if (outcome.report.passed() || !outcome.error.empty()) return;
    try {
      std::string const run_dir = run_directory(outcome.report.scenario_file, outcome.report.seed);
      for (auto const& [name, content] : reports::render_reports(outcome.report, reports::ReportFormats::all())) {
        output->write(run_dir + "/" + name, content);
      }
    } catch (std::exception const& error) {
      std::lock_guard<std::mutex> lock(write_failure_mutex);
      if (write_failure.empty()) write_failure = error.what();
    }
  };
  auto const begun = std::chrono::steady_clock::now();
  std::vector<FinishedRun> finished_runs = execute_plan(loaded, plan, jobs, streams.err, run_scenario, write_reports);
  double const total = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();

  reports::Summary summary;
  for (scenarios::Scenario const& scenario : loaded) summary.scenario_files.push_back({scenario.file, scenario.content_hash});
  summary.seeds = seeds.describe();
  summary.planned_runs = plan_batch(loaded, seeds, 0, 1).size();
  std::vector<double> wall_seconds;
  for (FinishedRun& run : finished_runs) {
    summary.runs.push_back(std::move(run.record));
    wall_seconds.push_back(run.wall_seconds);
  }
  finished_runs = {};
  auto const write_timing = [&](std::ostream& out) {
    nlohmann::ordered_json const timing{{"jobs", jobs}, {"shard", std::to_string(shard) + "/" + std::to_string(shards)}, {"wall_seconds", total}};
    reports::dump_with_array(out, timing, "runs", summary.runs.size(), [&](std::size_t i) {
      return nlohmann::ordered_json{{"file", summary.runs[i].file}, {"seed", summary.runs[i].seed}, {"wall_seconds", wall_seconds[i]}};
    });
    out << "\n";
  };
  try {
    if (!write_failure.empty()) throw std::runtime_error(write_failure);
    write_summary_files(*output, summary, write_timing);
    output->commit();
  } catch (std::runtime_error const& error) {
    streams.err << "brokersim: " << error.what() << "\n";
    return kExitBadInput;
  }
  print_outcome(summary, directory, streams.out);
  return summary.failed() == 0 ? kExitHeld : kExitViolations;
}

int merge_command(Arguments const& arguments, Streams& streams) {
  if (arguments.operands.empty()) throw UsageError("merge takes the output folders of a batch's shards");
  auto const directory = arguments.option("out");
  if (!directory) throw UsageError("merge needs --out DIR");
  reports::Summary merged;
  // The shards' report files, (name in the output, path to copy), read one at a time when written.
  std::vector<std::pair<std::string, fs::path>> run_files;
  nlohmann::ordered_json shards = nlohmann::ordered_json::array();
  for (std::size_t d = 0; d < arguments.operands.size(); ++d) {
    std::string const& shard_dir = arguments.operands[d];
    std::ifstream in(shard_dir + "/summary.json");
    if (!in) throw UsageError(shard_dir + "/summary.json: cannot read");
    reports::Summary part;
    try {
      part = reports::summary_from_json(nlohmann::json::parse(in));
    } catch (std::exception const& error) {
      throw UsageError(shard_dir + "/summary.json: " + error.what());
    }
    if (part.brokersim_version != BROKERSIM_VERSION) {
      throw UsageError(shard_dir + ": made by brokersim " + part.brokersim_version + ", not by this brokersim " +
                       BROKERSIM_VERSION + ": merge shards with the version that ran them");
    }
    if (d == 0) {
      merged.scenario_files = part.scenario_files;
      merged.seeds = part.seeds;
      merged.planned_runs = part.planned_runs;
    } else {
      check_same_batch(merged, arguments.operands[0], part, shard_dir);
    }
    for (auto& run : part.runs) merged.runs.push_back(std::move(run));
    std::ifstream timing(shard_dir + "/timing.json");
    sim::TextStream timing_text;
    timing_text << timing.rdbuf();
    shards.push_back({{"dir", shard_dir}, {"timing", nlohmann::json::parse(timing_text.str(), nullptr, false)}});
    std::error_code error;
    if (fs::is_directory(shard_dir + "/runs", error)) {
      for (auto const& entry : fs::recursive_directory_iterator(shard_dir + "/runs")) {
        if (entry.is_regular_file()) run_files.emplace_back(fs::relative(entry.path(), shard_dir).string(), entry.path());
      }
    }
  }
  std::sort(merged.runs.begin(), merged.runs.end(),
            [](auto const& a, auto const& b) { return a.file != b.file ? a.file < b.file : a.seed < b.seed; });
  for (std::size_t i = 1; i < merged.runs.size(); ++i) {
    if (merged.runs[i].file == merged.runs[i - 1].file && merged.runs[i].seed == merged.runs[i - 1].seed) {
      throw UsageError("the shards overlap: " + merged.runs[i].file + " seed " + std::to_string(merged.runs[i].seed) + " appears twice");
    }
  }
  if (merged.runs.size() != merged.planned_runs) {
    streams.err << "brokersim: warning: the shards hold " << merged.runs.size() << " of the batch's " << merged.planned_runs
                << " runs\n";
  }
  std::sort(run_files.begin(), run_files.end());
  try {
    StagedOutput output(*directory);
    for (auto const& [name, path] : run_files) {
      std::ifstream file(path, std::ios::binary);
      sim::TextStream content;
      content << file.rdbuf();
      output.write(name, content.str());
    }
    write_summary_files(output, merged, [&](std::ostream& out) { out << nlohmann::ordered_json{{"merged_shards", shards}}.dump(2) << "\n"; });
    output.commit();
  } catch (std::runtime_error const& error) {
    streams.err << "brokersim: " << error.what() << "\n";
    return kExitBadInput;
  }
  print_outcome(merged, *directory, streams.out);
  return merged.failed() == 0 ? kExitHeld : kExitViolations;
}

}  // namespace brokersim::cli
