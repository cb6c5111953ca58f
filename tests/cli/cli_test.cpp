// End-to-end tests of the brokersim program: exit codes, outputs written all at once or not at all,
// and byte-identical reports for one scenario and seed.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::testing::make_temp_dir;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;
using brokersim::testing::source_path;

namespace {

std::string const kQuickstart = "scenarios/examples/orders-quickstart.json";

void write_text(std::string const& path, std::string const& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// report.json's `digest` (16 hex digits), or "" when it has none.
std::string digest_of(std::string const& report) {
  std::string const key = "\"digest\": \"";
  auto const at = report.find(key);
  if (at == std::string::npos) return {};
  std::string digest = report.substr(at + key.size(), 16);
  bool const hex = digest.size() == 16 && digest.find_first_not_of("0123456789abcdef") == std::string::npos;
  return hex && report[at + key.size() + 16] == '"' ? digest : std::string();
}

}  // namespace

TEST_CASE("cli: --version and --help answer 0, no command is a usage error", "[cli]") {
  auto const version = run_brokersim({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("brokersim ", 0) == 0);
  auto const help = run_brokersim({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("run") != std::string::npos);
  CHECK(help.out.find("validate") != std::string::npos);
  CHECK(run_brokersim({"run", "--help"}).exit_code == 0);
  CHECK(run_brokersim({}).exit_code == 2);
  auto const unknown = run_brokersim({"frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown command \"frobnicate\"") != std::string::npos);
}

TEST_CASE("cli: run rejects bad usage with 2 and writes nothing", "[cli]") {
  std::string const dir = make_temp_dir("usage");
  std::string const out = dir + "/out";
  CHECK(run_brokersim({"run"}).exit_code == 2);
  CHECK(run_brokersim({"run", source_path(kQuickstart), "--seed", "-3", "--out", out}).exit_code == 2);
  CHECK(run_brokersim({"run", source_path(kQuickstart), "--seed", "99999999999999999999", "--out", out}).exit_code == 2);
  CHECK(run_brokersim({"run", source_path(kQuickstart), "--format", "pdf", "--out", out}).exit_code == 2);
  CHECK(run_brokersim({"run", source_path(kQuickstart), "--bogus", "--out", out}).exit_code == 2);
  CHECK(run_brokersim({"run", dir + "/missing.json", "--out", out}).exit_code == 2);
  CHECK_FALSE(fs::exists(out));
  fs::remove_all(dir);
}

TEST_CASE("cli: bad input files are exit 2 with a message, never a crash", "[cli]") {
  std::string const dir = make_temp_dir("bad");
  write_text(dir + "/empty.json", "");
  write_text(dir + "/not-json.json", "brokers: 3\n");
  write_text(dir + "/deep.json", std::string(200000, '[') + std::string(200000, ']'));
  fs::create_directory(dir + "/a-directory.json");
  for (char const* name : {"empty.json", "not-json.json", "deep.json", "a-directory.json", "missing.json"}) {
    std::string const path = dir + "/" + name;
    INFO(path);
    auto const validate = run_brokersim({"validate", path});
    CHECK(validate.exit_code == 2);
    CHECK(validate.err.find(path) != std::string::npos);
    auto const run = run_brokersim({"run", path, "--out", dir + "/out"});
    CHECK(run.exit_code == 2);
    CHECK_FALSE(fs::exists(dir + "/out"));
  }
  fs::remove_all(dir);
}

// A RabbitMQ scenario runs and writes its reports, and so does every key of the RabbitMQ format: a queue
// group that emits follow-ups to a Kafka topic, a scale fault on a queue group. The verdict is the exit
// code (0 or 1), never 2.
TEST_CASE("cli: a RabbitMQ scenario runs, and so do emits and scale on a queue group", "[cli]") {
  std::string const dir = make_temp_dir("rabbitmq");
  std::string const classic = source_path("scenarios/rabbitmq/fanout-three-queues.json");
  auto const ran = run_brokersim({"run", classic, "--out", dir + "/classic"});
  CHECK(ran.exit_code == 0);
  std::string const json = read_file(dir + "/classic/report.json");
  CHECK(json.find("\"verdict\": \"pass\"") != std::string::npos);
  CHECK(json.find("\"publish_nacks\"") != std::string::npos);  // RabbitMQ's own metrics.

  std::string const file = source_path("tests/scenarios/good/rabbitmq.json");
  CHECK(run_brokersim({"validate", file}).exit_code == 0);
  auto const run = run_brokersim({"run", file, "--out", dir + "/out"});
  INFO(run.err);
  CHECK((run.exit_code == 0 || run.exit_code == 1));
  CHECK(fs::exists(dir + "/out/report.json"));
  auto const batch = run_brokersim({"batch", file, "--seeds", "2", "--out", dir + "/batch"});
  CHECK((batch.exit_code == 0 || batch.exit_code == 1));

  // Classic queues only: a queue group that emits, or a scale fault on a queue group (by name and by
  // selector).
  std::string const base = R"({"name": "runs", "duration_ms": 1000, "brokers": {"count": 1}, "topics": [{"name": "audit"}],
    "rabbitmq": {"nodes": 1, "queues": [{"name": "q"}]},
    "producers": [{"name": "shop", "queue": "q", "messages": 10}],
    "consumer_groups": [{"name": "billing", "queue": "q" GROUP}, {"name": "auditors", "topic": "audit"}], "faults": FAULTS,
    "expect": {"delivery": "exactly-once"}})";
  auto const with = [&](std::string const& group, std::string const& faults) {
    std::string text = base;
    text.replace(text.find("GROUP"), 5, group);
    text.replace(text.find("FAULTS"), 6, faults);
    return text;
  };
  write_text(dir + "/emits.json", with(R"(, "emits": {"topic": "audit"})", "[]"));
  write_text(dir + "/scale.json", with("", R"([{"kind": "scale", "target": "billing", "at_ms": 500, "instances": 2}])"));
  write_text(dir + "/scale-group.json", with("", R"([{"kind": "scale", "target": {"group": "billing"}, "at_ms": 500, "instances": 2}])"));
  for (char const* name : {"emits.json", "scale.json", "scale-group.json"}) {
    std::string const path = dir + "/" + name;
    INFO(path);
    CHECK(run_brokersim({"validate", path}).exit_code == 0);
    auto const runs = run_brokersim({"run", path, "--out", dir + "/runs"});
    INFO(runs.err);
    CHECK(runs.exit_code == 0);
    CHECK(fs::exists(dir + "/runs/report.json"));
    fs::remove_all(dir + "/runs");
  }
  fs::remove_all(dir);
}

TEST_CASE("cli: run writes all four reports and exits with the verdict", "[cli]") {
  std::string const dir = make_temp_dir("run");
  auto const result = run_brokersim({"run", source_path(kQuickstart), "--out", dir});
  CHECK((result.exit_code == 0 || result.exit_code == 1));
  for (char const* name : {"report.json", "report.md", "report.html", "junit.xml"}) {
    INFO(name);
    CHECK_FALSE(read_file(dir + "/" + name).empty());
  }
  std::string const json = read_file(dir + "/report.json");
  for (char const* key : {"\"brokersim_version\"", "\"scenario\"", "\"seed\"", "\"verdict\"", "\"expect\"", "\"broken\"",
                          "\"violations\"", "\"metrics\"", "\"examples\"", "\"lost\"", "\"retry_amplification\""}) {
    INFO(key);
    CHECK(json.find(key) != std::string::npos);
  }
  // No temporary files are left beside the reports.
  for (auto const& entry : fs::directory_iterator(dir)) CHECK(entry.path().filename().string()[0] != '.');
  fs::remove_all(dir);
}

// The determinism check of the whole library, in separate processes: equal bytes, equal event-trace
// digests; and the digest tells two seeds apart, so this test can fail.
TEST_CASE("cli: two runs of one scenario and seed write byte-identical report.json with equal digests", "[cli]") {
  std::string const first = make_temp_dir("first");
  std::string const second = make_temp_dir("second");
  for (auto const& entry : fs::recursive_directory_iterator(source_path("scenarios"))) {
    if (entry.path().extension() != ".json") continue;
    std::string const scenario = entry.path().string();
    INFO(scenario);
    auto const a = run_brokersim({"run", scenario, "--seed", "42", "--out", first, "--format", "json"});
    auto const b = run_brokersim({"run", scenario, "--seed", "42", "--out", second, "--format", "json"});
    REQUIRE(a.exit_code == b.exit_code);
    std::string const report = read_file(first + "/report.json");
    CHECK_FALSE(report.empty());
    CHECK(report == read_file(second + "/report.json"));
    std::string const digest = digest_of(report);
    CHECK_FALSE(digest.empty());
    CHECK(digest == digest_of(read_file(second + "/report.json")));
    // A different seed is a different run, with another event trace.
    run_brokersim({"run", scenario, "--seed", "43", "--out", second, "--format", "json"});
    std::string const other_seed = read_file(second + "/report.json");
    CHECK(report != other_seed);
    CHECK(digest != digest_of(other_seed));
  }
  fs::remove_all(first);
  fs::remove_all(second);
}

TEST_CASE("cli: schema prints a draft 2020-12 JSON Schema", "[cli]") {
  auto const result = run_brokersim({"schema"});
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("https://json-schema.org/draft/2020-12/schema") != std::string::npos);
}

TEST_CASE("cli: validate accepts every scenario of the library", "[cli]") {
  for (auto const& entry : fs::recursive_directory_iterator(source_path("scenarios"))) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    auto const result = run_brokersim({"validate", entry.path().string()});
    CHECK(result.exit_code == 0);
  }
}

// A run's network holds at most 4096 nodes (model::kNodesMax): a scenario of exactly that many runs to the
// end, one node more is bad input (exit 2, the limit and the count named), never an assertion.
TEST_CASE("cli: a scenario at the node limit runs, one node more is refused with exit 2", "[cli][limits]") {
  std::string const dir = make_temp_dir("node-limit");
  std::string const too_many = read_file(source_path("tests/scenarios/bad/too-many-nodes.json"));
  REQUIRE(too_many.find("\"instances\": 93") != std::string::npos);
  // 1 broker + 3 controllers + 4 producers x 1000 + 93 consumers = 4097; 92 makes 4096.
  std::string at_limit = too_many;
  at_limit.replace(at_limit.find("\"instances\": 93"), 15, "\"instances\": 92");
  write_text(dir + "/at-limit.json", at_limit);
  auto const run = run_brokersim({"run", dir + "/at-limit.json", "--out", dir + "/out", "--format", "json"});
  CHECK((run.exit_code == 0 || run.exit_code == 1));
  CHECK(run.err.find("internal error") == std::string::npos);
  CHECK(read_file(dir + "/out/report.json").find("\"digest\"") != std::string::npos);
  write_text(dir + "/too-many.json", too_many);
  auto const refused = run_brokersim({"run", dir + "/too-many.json", "--out", dir + "/refused"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("expected at most 4096 network nodes") != std::string::npos);
  CHECK(refused.err.find("got 4097") != std::string::npos);
  CHECK_FALSE(fs::exists(dir + "/refused"));
  fs::remove_all(dir);
}
