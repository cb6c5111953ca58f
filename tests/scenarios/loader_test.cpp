// Every kind of bad scenario input gets its exact message: tests/scenarios/invalid/NAME.json holds one
// mistake, NAME.expected the message (file, JSON pointer, what was expected). Paths are relative to the
// repository root, where the tests run.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "scenarios/loader.h"
#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::scenarios::load_scenario_file;
using brokersim::scenarios::load_scenario_text;
using brokersim::scenarios::ScenarioError;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;

namespace {

std::vector<std::string> invalid_files() {
  std::vector<std::string> files;
  for (auto const& entry : fs::directory_iterator("tests/scenarios/invalid")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string error_of(std::string const& path) {
  try {
    load_scenario_file(path);
  } catch (ScenarioError const& error) {
    return error.what();
  }
  return "(loaded without error)";
}

std::string without_newline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("scenarios: loader: every invalid file gives its exact message", "[scenarios]") {
  std::vector<std::string> const files = invalid_files();
  REQUIRE(files.size() >= 60);
  for (std::string const& file : files) {
    INFO(file);
    std::string const expected = without_newline(read_file(file.substr(0, file.size() - 5) + ".expected"));
    REQUIRE_FALSE(expected.empty());
    CHECK(error_of(file) == expected);
  }
}

TEST_CASE("scenarios: loader: validate answers 2 for each invalid file, with the same message", "[scenarios][cli]") {
  std::vector<std::string> arguments = {"validate"};
  for (std::string const& file : invalid_files()) arguments.push_back(file);
  auto const result = run_brokersim(arguments);
  CHECK(result.exit_code == 2);
  for (std::string const& file : invalid_files()) {
    INFO(file);
    CHECK(result.err.find(without_newline(read_file(file.substr(0, file.size() - 5) + ".expected"))) != std::string::npos);
  }
}

TEST_CASE("scenarios: loader: hostile input is an error, never a crash", "[scenarios]") {
  std::string const deep = std::string(200000, '[') + std::string(200000, ']');
  std::string message;
  try {
    load_scenario_text(deep, "deep.json");
  } catch (ScenarioError const& error) {
    message = error.what();
  }
  CHECK(message.rfind("deep.json: /0/0/0/", 0) == 0);
  CHECK(message.find("nesting deeper than 64 levels") != std::string::npos);
  CHECK(error_of("tests/scenarios/no-such-file.json") == "tests/scenarios/no-such-file.json: cannot read: No such file or directory");
  CHECK(error_of("tests/scenarios/invalid") == "tests/scenarios/invalid: cannot read: is a directory");
  CHECK_THROWS_AS(load_scenario_text("{\"name\": \"\\ud800\"}", "bad-unicode.json"), ScenarioError);
  CHECK_THROWS_AS(load_scenario_text(std::string("{\"name\": \"a\0b\"}", 15), "nul.json"), ScenarioError);
}

TEST_CASE("scenarios: loader: defaults are those of the format", "[scenarios]") {
  auto const s = load_scenario_text(R"({"name": "d", "duration_ms": 1000, "brokers": {"count": 3},
    "topics": [{"name": "t"}], "producers": [{"name": "p", "topic": "t", "messages": 10}],
    "consumer_groups": [{"name": "g", "topic": "t"}], "services": [{"name": "s"}]})", "d.json");
  using namespace brokersim;
  CHECK(s.seed == 1);
  CHECK(s.drain == s.duration);
  CHECK(s.heal_at_drain);
  CHECK(s.world.brokers.replica_lag_time_max == 30000 * sim::kMicrosPerMilli);
  CHECK(s.world.brokers.controller_failover == 1000 * sim::kMicrosPerMilli);
  CHECK_FALSE(s.world.brokers.flush_interval.has_value());
  auto const& topic = s.world.topics[0];
  CHECK(topic.partitions == 1);
  CHECK(topic.replication_factor == 1);
  CHECK(topic.min_insync_replicas == 1);
  CHECK_FALSE(topic.unclean_leader_election);
  auto const& p = s.world.producers[0];
  CHECK(p.instances == 1);
  CHECK(p.acks == model::Acks::all);
  CHECK(p.idempotent);
  CHECK(p.retries == 2147483647);
  CHECK(p.delivery_timeout == 120000 * sim::kMicrosPerMilli);
  CHECK(p.max_in_flight == 5);
  CHECK(p.linger == 0);
  CHECK(p.arrivals == model::Arrivals::poisson);
  CHECK(p.keys.count == 0);
  CHECK(p.timestamps == model::Timestamps::local_clock);
  auto const& g = s.world.consumer_groups[0];
  CHECK(g.commit == model::CommitMode::after_processing);
  CHECK(g.dedup == model::Dedup::none);
  CHECK(g.assignor == model::Assignor::range);
  CHECK(g.on_failure.then == model::AfterFailure::block);
  CHECK(g.max_poll_records == 500);
  CHECK(g.schema_versions == std::vector<int>{1});
  CHECK(g.on_unknown_schema == model::OnUnknownSchema::fail);
  CHECK(g.order_by == model::OrderBy::offset);
  CHECK_FALSE(s.world.services[0].capacity_per_s.has_value());
  CHECK_FALSE(s.expect.delivery.has_value());
}

TEST_CASE("scenarios: loader: distributions, selectors and acks read as written", "[scenarios]") {
  auto const s = load_scenario_text(R"({"name": "x", "duration_ms": 1000,
    "network": {"latency_ms": 2.5},
    "brokers": {"count": 3}, "topics": [{"name": "orders", "partitions": 3}],
    "producers": [{"name": "a", "topic": "orders", "rate_per_s": 1, "acks": 0},
                  {"name": "b", "topic": "orders", "rate_per_s": 1, "acks": 1}],
    "consumer_groups": [{"name": "g", "topic": "orders", "processing_ms": {"dist": "lognormal", "median": 2, "p99": 20}}],
    "faults": [{"kind": "crash", "target": {"leader_of": "orders/2"}, "at_ms": 1.5},
               {"kind": "crash", "target": {"random": "broker"}, "at_ms": 2},
               {"kind": "pause", "target": {"group": "g"}, "at_ms": 3, "duration_ms": 4}]})", "x.json");
  using namespace brokersim;
  CHECK(s.world.network.latency == sim::Distribution::constant(2500));
  CHECK(s.world.producers[0].acks == model::Acks::none);
  CHECK_FALSE(s.world.producers[0].idempotent);
  CHECK(s.world.producers[1].acks == model::Acks::leader);
  auto const& lognormal = s.world.consumer_groups[0].processing;
  CHECK(lognormal.kind == sim::Distribution::Kind::lognormal);
  CHECK(std::exp(lognormal.first) == Approx(2000.0));
  REQUIRE(s.faults.size() == 3);
  CHECK(s.faults[0].at == 1500);
  auto const& leader = std::get<faults::Crash>(s.faults[0].action).target;
  CHECK(leader.kind == faults::NodeSelector::Kind::leader_of);
  CHECK(leader.topic == "orders");
  CHECK(leader.partition == 2);
  CHECK(std::get<faults::Crash>(s.faults[1].action).target.kind == faults::NodeSelector::Kind::random);
  CHECK(std::get<faults::Pause>(s.faults[2].action).target.kind == faults::NodeSelector::Kind::group);
}

TEST_CASE("scenarios: loader: the file using every key loads, and runs on any seed without failing to run", "[scenarios][cli]") {
  auto const scenario = load_scenario_file("tests/scenarios/good/every-key.json");
  CHECK(scenario.faults.size() == 14);
  CHECK(scenario.world.consumer_groups.size() == 2);
  for (char const* seed : {"1", "2", "3"}) {
    std::string const dir = brokersim::testing::make_temp_dir("every-key");
    auto const result = run_brokersim({"run", "tests/scenarios/good/every-key.json", "--seed", seed, "--out", dir});
    CHECK((result.exit_code == 0 || result.exit_code == 1));
    fs::remove_all(dir);
  }
}
