// brokersim batch and merge: deterministic summaries whatever the parallelism, shards that merge into
// the whole, exit codes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::testing::make_temp_dir;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;
using brokersim::testing::source_path;

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
