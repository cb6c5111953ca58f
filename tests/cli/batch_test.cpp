// brokersim batch and merge: deterministic summaries whatever the parallelism, shards that merge into
// the whole, exit codes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "cli/batch.h"
#include "scenarios/loader.h"
#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::testing::make_temp_dir;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;
using brokersim::testing::source_path;

namespace {

void copy_text(std::string const& from, std::string const& to) { std::ofstream(to, std::ios::binary) << read_file(from); }

// Every file below `dir`, relative to it, sorted.
std::vector<std::string> files_under(std::string const& dir) {
  std::vector<std::string> files;
  for (auto const& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Shard `index` of 2 of a batch of the scenario files in `scenarios`, written to `out`.
void run_shard(std::string const& scenarios, int index, std::string const& out) {
  auto const shard = run_brokersim({"batch", scenarios, "--seeds", "2", "--shard", std::to_string(index) + "/2", "--out", out});
  REQUIRE((shard.exit_code == 0 || shard.exit_code == 1));
}


// Seeds 1..last of the quickstart scenario, and the scenario.
struct QuickstartBatch {
  std::vector<brokersim::scenarios::Scenario> loaded;
  std::vector<brokersim::cli::PlannedRun> plan;
};

QuickstartBatch quickstart_batch(std::uint64_t last) {
  QuickstartBatch batch;
  batch.loaded.push_back(brokersim::scenarios::load_scenario_file(source_path("scenarios/examples/orders-quickstart.json")));
  brokersim::cli::SeedRange seeds;
  seeds.scenario_seed = false;
  seeds.first = 1;
  seeds.last = last;
  batch.plan = brokersim::cli::plan_batch(batch.loaded, seeds, 0, 1);
  return batch;
}

// What a stand-in for run_scenario returns: a passing report that names its run.
brokersim::reports::Report named_report(brokersim::scenarios::Scenario const& scenario, std::uint64_t seed) {
  brokersim::reports::Report report;
  report.scenario_name = scenario.name;
  report.scenario_file = scenario.file;
  report.seed = seed;
  return report;
}
}  // namespace

TEST_CASE("cli: batch: every output file is byte-identical whatever --jobs is", "[cli]") {
  std::string const dir = make_temp_dir("batch-jobs");
  auto const one = run_brokersim({"batch", source_path("scenarios/kafka"), "--seeds", "3", "--jobs", "1", "--out", dir + "/one"});
  auto const two = run_brokersim({"batch", source_path("scenarios/kafka"), "--seeds", "3", "--jobs", "2", "--out", dir + "/two"});
  CHECK(one.exit_code == 1);  // The matrix has rows that break their expectations by design.
  CHECK(two.exit_code == 1);
  std::string printed = one.out;
  REQUIRE(printed.find(dir + "/one/summary.md") != std::string::npos);
  printed.replace(printed.find(dir + "/one/summary.md"), dir.size() + 4, dir + "/two");
  CHECK(printed == two.out);
  std::string const summary = read_file(dir + "/one/summary.json");
  REQUIRE_FALSE(summary.empty());
  CHECK(summary.find("\"replay\": \"brokersim run ") != std::string::npos);
  for (char const* name : {"summary.md", "summary.html", "junit.xml", "timing.json"}) CHECK_FALSE(read_file(dir + "/one/" + name).empty());
  std::vector<std::string> const one_files = files_under(dir + "/one");
  CHECK(one_files == files_under(dir + "/two"));
  for (std::string const& name : one_files) {
    INFO(name);
    CHECK(name.find(".tmp-") == std::string::npos);  // Every file streamed during the batch was renamed into place.
    if (name != "timing.json") CHECK(read_file(dir + "/one/" + name) == read_file(dir + "/two/" + name));
  }
  // Each failing run's report files, written as the run ended.
  auto const records = nlohmann::json::parse(summary).at("records");
  std::size_t failing = 0;
  for (auto const& record : records) {
    if (record.at("passed").get<bool>()) continue;
    ++failing;
    std::string const file = record.at("file").get<std::string>();
    std::string const run_dir = "runs/" + file.substr(1, file.size() - 6) + "/seed-" + std::to_string(record.at("seed").get<int>());
    for (char const* name : {"report.json", "report.md", "report.html", "junit.xml"}) {
      INFO(run_dir << "/" << name);
      CHECK(std::find(one_files.begin(), one_files.end(), run_dir + "/" + name) != one_files.end());
    }
  }
  CHECK(failing > 0);
  CHECK(one_files.size() == 4 * failing + 5);  // Nothing else: no report of a passing run.
  CHECK(one.err.empty());  // No progress line when standard error is not a terminal.
  fs::remove_all(dir);
}

TEST_CASE("cli: batch: an output folder that cannot be written is exit code 2 and leaves no file under its final name", "[cli]") {
  std::string const dir = make_temp_dir("batch-unwritable");
  std::ofstream(dir + "/file") << "not a folder";
  auto const not_a_folder = run_brokersim({"batch", source_path("scenarios/kafka/acks1-leader-crash.json"), "--out", dir + "/file/out"});
  CHECK(not_a_folder.exit_code == 2);
  CHECK(not_a_folder.err.find("cannot create the output directory") != std::string::npos);
  // The failing run's report cannot go where a file named runs stands: nothing else is written either.
  fs::create_directories(dir + "/out");
  std::ofstream(dir + "/out/runs") << "in the way";
  auto const blocked = run_brokersim({"batch", source_path("scenarios/kafka/acks1-leader-crash.json"), "--out", dir + "/out"});
  CHECK(blocked.exit_code == 2);
  CHECK(blocked.err.find("/report.json: cannot write") != std::string::npos);
  CHECK(files_under(dir + "/out") == std::vector<std::string>{"runs"});
  fs::remove_all(dir);
}

TEST_CASE("cli: batch: the merge of its shards equals the unsharded batch", "[cli]") {
  std::string const dir = make_temp_dir("batch-shards");
  std::string const scenarios = source_path("scenarios");
  auto const whole = run_brokersim({"batch", scenarios, "--seeds", "2..4", "--out", dir + "/whole"});
  std::vector<std::string> merge = {"merge"};
  for (int i = 0; i < 3; ++i) {
    std::string const out = dir + "/shard" + std::to_string(i);
    run_brokersim({"batch", scenarios, "--seeds", "2..4", "--shard", std::to_string(i) + "/3", "--out", out});
    merge.push_back(out);
  }
  merge.insert(merge.end(), {"--out", dir + "/merged"});
  auto const merged = run_brokersim(merge);
  CHECK(merged.exit_code == whole.exit_code);
  for (char const* name : {"summary.json", "summary.md", "summary.html", "junit.xml"}) {
    INFO(name);
    std::string const expected = read_file(dir + "/whole/" + name);
    REQUIRE_FALSE(expected.empty());
    CHECK(read_file(dir + "/merged/" + name) == expected);
  }
  // The failing runs' reports are there too.
  for (auto const& entry : fs::recursive_directory_iterator(dir + "/whole/runs")) {
    if (!entry.is_regular_file()) continue;
    std::string const relative = fs::relative(entry.path(), dir + "/whole").string();
    INFO(relative);
    CHECK(read_file(dir + "/merged/" + relative) == read_file(entry.path().string()));
  }
  fs::remove_all(dir);
}

TEST_CASE("cli: batch: exit codes: 0 all held, 1 a run broke an expectation, 2 bad input and nothing written", "[cli]") {
  std::string const dir = make_temp_dir("batch-exit");
  CHECK(run_brokersim({"batch", source_path("scenarios/kafka/acks-all-leader-crash.json"), "--seeds", "2", "--out", dir + "/ok"}).exit_code == 0);
  CHECK(run_brokersim({"batch", source_path("scenarios/kafka/acks1-leader-crash.json"), "--out", dir + "/fail"}).exit_code == 1);
  std::ofstream(dir + "/bad.json") << "{\"name\": \"x\"}";
  auto const bad = run_brokersim({"batch", source_path("scenarios/kafka"), dir + "/bad.json", "--out", dir + "/bad"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("bad.json") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/bad"));
  CHECK(run_brokersim({"batch", source_path("scenarios"), "--seeds", "5..2", "--out", dir + "/x"}).exit_code == 2);
  CHECK(run_brokersim({"batch", source_path("scenarios"), "--shard", "3/3", "--out", dir + "/x"}).exit_code == 2);
  CHECK(run_brokersim({"batch", dir + "/missing", "--out", dir + "/x"}).exit_code == 2);
  CHECK(run_brokersim({"merge", dir + "/missing", "--out", dir + "/x"}).exit_code == 2);
  CHECK_FALSE(fs::exists(dir + "/x"));
  fs::remove_all(dir);
}

TEST_CASE("cli: merge: refuses shards of other scenario contents or of another brokersim version", "[cli]") {
  std::string const dir = make_temp_dir("merge-refusals");
  fs::create_directories(dir + "/scenarios");
  std::string const scenario = dir + "/scenarios/quickstart.json";
  copy_text(source_path("scenarios/examples/orders-quickstart.json"), scenario);
  run_shard(dir + "/scenarios", 0, dir + "/shard0");
  run_shard(dir + "/scenarios", 1, dir + "/shard1");
  CHECK(read_file(dir + "/shard0/summary.json").find("\"content_hash\"") != std::string::npos);
  auto const same = run_brokersim({"merge", dir + "/shard0", dir + "/shard1", "--out", dir + "/merged"});
  CHECK((same.exit_code == 0 || same.exit_code == 1));

  SECTION("a scenario file changed between the shards") {
    std::ofstream(scenario, std::ios::app) << "\n";  // The same scenario, other bytes.
    run_shard(dir + "/scenarios", 1, dir + "/changed1");
    auto const refused = run_brokersim({"merge", dir + "/shard0", dir + "/changed1", "--out", dir + "/refused"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("a shard of another batch") != std::string::npos);
    CHECK(refused.err.find("quickstart.json had different content") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/refused"));
  }
  SECTION("a shard made by another brokersim version") {
    std::string summary = read_file(dir + "/shard1/summary.json");
    std::string const key = "\"brokersim_version\": \"";
    auto const at = summary.find(key) + key.size();
    summary.replace(at, summary.find('"', at) - at, "0.0.0-elsewhere");
    std::ofstream(dir + "/shard1/summary.json", std::ios::binary) << summary;
    auto const refused = run_brokersim({"merge", dir + "/shard0", dir + "/shard1", "--out", dir + "/refused"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("made by brokersim 0.0.0-elsewhere") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/refused"));
  }
  fs::remove_all(dir);
}

TEST_CASE("cli: batch: a run that throws becomes that run's error line in the output and summary, the others run", "[cli]") {
  using namespace brokersim;
  auto const [loaded, plan] = quickstart_batch(4);
  REQUIRE(plan.size() == 4);
  // A stand-in for run_scenario: seed 2 throws a standard exception, seed 3 something else.
  auto const run = [](scenarios::Scenario const& scenario, std::uint64_t seed) {
    if (seed == 2) throw std::runtime_error("planted failure");
    if (seed == 3) throw 42;
    return named_report(scenario, seed);
  };
  std::ostringstream progress;
  std::mutex seen_mutex;
  std::vector<std::string> seen_errors(5);
  auto const sink = [&](cli::RunOutcome const& outcome) {
    std::lock_guard<std::mutex> lock(seen_mutex);
    seen_errors.at(outcome.report.seed) = outcome.error;
  };
  std::vector<cli::FinishedRun> const finished = cli::execute_plan(loaded, plan, 2, progress, run, sink);
  REQUIRE(finished.size() == 4);
  CHECK(seen_errors[1].empty());
  CHECK(seen_errors[2] == "planted failure");
  CHECK(seen_errors[3] == "an exception of unknown type");
  CHECK(finished[0].record.error.empty());
  CHECK(finished[1].record.error == "planted failure");
  CHECK(finished[2].record.error == "an exception of unknown type");
  CHECK(finished[3].record.error.empty());
  CHECK(finished[1].record.seed == 2);

  reports::Summary summary;
  for (cli::FinishedRun const& finished_run : finished) summary.runs.push_back(finished_run.record);
  CHECK(summary.failed() == 2);
  CHECK(summary.errors() == 2);
  std::ostringstream printed;
  cli::print_outcome(summary, "out", printed);
  std::string const file = loaded[0].file;
  CHECK(printed.str().find("2 stopped on an error") != std::string::npos);
  CHECK(printed.str().find("  ERROR brokersim run " + file + " --seed 2: planted failure\n") != std::string::npos);
  std::string const json = reports::summary_to_json(summary).dump();
  CHECK(json.find("\"error\":\"planted failure\"") != std::string::npos);
  CHECK(reports::summary_from_json(nlohmann::json::parse(json)).runs[1].error == "planted failure");
  CHECK(reports::summary_markdown(summary).find("error: planted failure") != std::string::npos);
  CHECK(reports::summary_junit(summary).find("<error type=\"internal\" message=\"planted failure\">") != std::string::npos);
}

TEST_CASE("cli: batch: each run's outcome goes to the sink as the run ends, once, the records come back in plan order", "[cli]") {
  using namespace brokersim;
  auto const [loaded, plan] = quickstart_batch(40);
  REQUIRE(plan.size() == 40);
  std::mutex mutex;
  std::multiset<std::uint64_t> sunk;
  std::vector<std::size_t> sunk_before_run(41);
  auto const run = [&](scenarios::Scenario const& scenario, std::uint64_t seed) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      sunk_before_run.at(seed) = sunk.size();
    }
    reports::Report report = named_report(scenario, seed);
    if (seed % 3 == 0) report.broken = {"delivery"};
    return report;
  };
  auto const sink = [&](cli::RunOutcome const& outcome) {
    std::lock_guard<std::mutex> lock(mutex);
    sunk.insert(outcome.report.seed);
  };
  std::ostringstream progress;

  SECTION("one job: a run's outcome is handed over before the next run starts, not kept for the end") {
    std::vector<cli::FinishedRun> const finished = cli::execute_plan(loaded, plan, 1, progress, run, sink);
    for (std::uint64_t seed = 1; seed <= 40; ++seed) CHECK(sunk_before_run[seed] == seed - 1);
  }
  SECTION("two jobs") {
    std::vector<cli::FinishedRun> const finished = cli::execute_plan(loaded, plan, 2, progress, run, sink);
    REQUIRE(finished.size() == 40);
    for (std::size_t i = 0; i < finished.size(); ++i) {
      CHECK(finished[i].record.seed == i + 1);
      CHECK(finished[i].record.passed == ((i + 1) % 3 != 0));
      CHECK(finished[i].record.broken == (finished[i].record.passed ? std::vector<std::string>{} : std::vector<std::string>{"delivery"}));
    }
  }
  std::multiset<std::uint64_t> expected;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) expected.insert(seed);
  CHECK(sunk == expected);  // Each run once.
}

TEST_CASE("cli: batch: summary.json written one record at a time is the text of the whole tree", "[cli]") {
  using namespace brokersim;
  auto const written = [](reports::Summary const& summary) {
    std::ostringstream out;
    reports::write_summary_json(summary, out);
    return out.str();
  };
  reports::Summary summary;
  summary.scenario_files = {{"a.json", 1}, {"b.json", 2}};
  summary.seeds = "1..3";
  summary.planned_runs = 3;
  CHECK(written(summary) == reports::summary_to_json(summary).dump(2));  // No records: "[]".
  reports::RunRecord passed;
  passed.scenario = "a";
  passed.file = "a.json";
  passed.seed = 1;
  passed.events = 42;
  reports::RunRecord broken = passed;
  broken.seed = 2;
  broken.passed = false;
  broken.broken = {"delivery", "ordering"};
  broken.violations.lost = 7;
  reports::RunRecord stopped = passed;
  stopped.file = "b.json";
  stopped.passed = false;
  stopped.error = "planted\nfailure";
  summary.runs = {passed, broken, stopped};
  std::string const text = written(summary);
  CHECK(text == reports::summary_to_json(summary).dump(2));
  CHECK(text.find("\"records\": [\n    {\n      \"file\": \"a.json\",") != std::string::npos);
  nlohmann::ordered_json const nested{{"empty", nlohmann::ordered_json::array()}, {"object", {{"list", {1, 2}}}}};
  std::ostringstream dumped;
  reports::dump_with_array(dumped, {{"first", 1}}, "items", 2, [&](std::size_t) { return nested; });
  CHECK(dumped.str() == nlohmann::ordered_json{{"first", 1}, {"items", {nested, nested}}}.dump(2));
}
