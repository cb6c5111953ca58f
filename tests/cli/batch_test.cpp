// brokersim batch and merge: deterministic summaries whatever the parallelism, shards that merge into
// the whole, exit codes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
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

// Shard `index` of 2 of a batch of the scenario files in `scenarios`, written to `out`.
void run_shard(std::string const& scenarios, int index, std::string const& out) {
  auto const shard = run_brokersim({"batch", scenarios, "--seeds", "2", "--shard", std::to_string(index) + "/2", "--out", out});
  REQUIRE((shard.exit_code == 0 || shard.exit_code == 1));
}

}  // namespace

TEST_CASE("cli: batch: summary.json is byte-identical whatever --jobs is", "[cli]") {
  std::string const dir = make_temp_dir("batch-jobs");
  auto const one = run_brokersim({"batch", source_path("scenarios/kafka"), "--seeds", "3", "--jobs", "1", "--out", dir + "/one"});
  auto const two = run_brokersim({"batch", source_path("scenarios/kafka"), "--seeds", "3", "--jobs", "2", "--out", dir + "/two"});
  CHECK(one.exit_code == 1);  // The matrix has rows that break their expectations by design.
  CHECK(two.exit_code == 1);
  std::string const summary = read_file(dir + "/one/summary.json");
  REQUIRE_FALSE(summary.empty());
  CHECK(summary == read_file(dir + "/two/summary.json"));
  CHECK(summary.find("\"replay\": \"brokersim run ") != std::string::npos);
  for (char const* name : {"summary.md", "summary.html", "junit.xml", "timing.json"}) CHECK_FALSE(read_file(dir + "/one/" + name).empty());
  CHECK(one.err.empty());  // No progress line when standard error is not a terminal.
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

TEST_CASE("cli: batch: a run that throws becomes that run's error line in the output and summary; the others run", "[cli]") {
  using namespace brokersim;
  std::vector<scenarios::Scenario> const loaded = {
      scenarios::load_scenario_file(source_path("scenarios/examples/orders-quickstart.json"))};
  cli::SeedRange seeds;
  seeds.scenario_seed = false;
  seeds.first = 1;
  seeds.last = 4;
  std::vector<cli::PlannedRun> const plan = cli::plan_batch(loaded, seeds, 0, 1);
  REQUIRE(plan.size() == 4);
  // A stand-in for run_scenario: seed 2 throws a standard exception, seed 3 something else.
  auto const run = [](scenarios::Scenario const& scenario, std::uint64_t seed) {
    if (seed == 2) throw std::runtime_error("planted failure");
    if (seed == 3) throw 42;
    reports::Report report;
    report.scenario_name = scenario.name;
    report.scenario_file = scenario.file;
    report.seed = seed;
    return report;
  };
  std::ostringstream progress;
  std::vector<cli::RunOutcome> const outcomes = cli::execute_plan(loaded, plan, 2, progress, run);
  REQUIRE(outcomes.size() == 4);
  CHECK(outcomes[0].error.empty());
  CHECK(outcomes[1].error == "planted failure");
  CHECK(outcomes[2].error == "an exception of unknown type");
  CHECK(outcomes[3].error.empty());
  CHECK(outcomes[1].report.seed == 2);

  reports::Summary summary;
  for (cli::RunOutcome const& outcome : outcomes) summary.runs.push_back(cli::record_of_outcome(outcome));
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
