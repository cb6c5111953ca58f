// The scenario loader (scenarios/loader.h), against PRODUCT.md §2:
// - every kind of bad input gets its exact message: tests/scenarios/bad/NAME.json holds one mistake and
//   NAME.expected the message (file, JSON pointer, what was expected). ctest runs the tests in the repository
//   root, so the files are loaded as "tests/scenarios/bad/NAME.json" and every message starts with that path;
// - hostile input (deep nesting, truncation, random bytes) is an error, never a crash;
// - the defaults, distributions, selectors and acks read as the format says;
// - the good files (tests/scenarios/good) load and together use every key, fault kind, distribution and selector;
// - the loader's half of "the JSON Schema agrees with the loader" (the other half is tests/schema/validate.mjs).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults/registry.h"
#include "scenarios/loader.h"
#include "scenarios/scenario_keys.h"
#include "scenarios/writer.h"
#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::scenarios::load_scenario_file;
using brokersim::scenarios::load_scenario_text;
using brokersim::scenarios::Scenario;
using brokersim::scenarios::ScenarioError;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;
using nlohmann::json;

namespace {

char const* const kBad = "tests/scenarios/bad";
char const* const kGood = "tests/scenarios/good";

// The files of `dir` ending in `extension`, sorted, as paths relative to the repository root.
std::vector<std::string> files_in(std::string const& dir, std::string const& extension) {
  INFO("the tests run in the repository root (ctest's WORKING_DIRECTORY)");
  REQUIRE(fs::is_directory(dir));
  std::vector<std::string> files;
  for (auto const& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string without_newline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string expected_message(std::string const& json_path) {
  return without_newline(read_file(json_path.substr(0, json_path.size() - 5) + ".expected"));
}

// The loader's message for `path`, or "(loaded without error)".
std::string error_of_file(std::string const& path) {
  try {
    load_scenario_file(path);
  } catch (ScenarioError const& error) {
    return error.what();
  }
  return "(loaded without error)";
}

std::string error_of_text(std::string const& text, std::string const& file = "x.json") {
  try {
    load_scenario_text(text, file);
  } catch (ScenarioError const& error) {
    return error.what();
  }
  return "(loaded without error)";
}

// The names in `const structural = [...]` of tests/schema/validate.mjs: the bad files a schema must reject.
std::vector<std::string> structural_bad_files() {
  std::string const script = read_file("tests/schema/validate.mjs");
  std::size_t const begin = script.find("const structural = [");
  REQUIRE(begin != std::string::npos);
  std::size_t const end = script.find("];", begin);
  REQUIRE(end != std::string::npos);
  std::vector<std::string> names;
  for (std::size_t at = script.find('\'', begin); at < end; at = script.find('\'', at + 1)) {
    std::size_t const close = script.find('\'', at + 1);
    names.push_back(script.substr(at + 1, close - at - 1));
    at = close;
  }
  return names;
}

// A deterministic stream of numbers for the fuzz test (xorshift64*).
struct Xorshift {
  std::uint64_t state;
  std::uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

// A scenario to put one line of `extra` into: brokers, topics, one producer, one group, one service.
std::string scenario_with(std::string const& extra) {
  return R"({"name": "x", "duration_ms": 1000, "brokers": {"count": 3},
    "topics": [{"name": "orders", "partitions": 3}],
    "producers": [{"name": "app", "topic": "orders", "rate_per_s": 10}],
    "consumer_groups": [{"name": "inventory", "topic": "orders", "instances": 2}],
    "services": [{"name": "stock-db"}])" +
         (extra.empty() ? std::string() : ", " + extra) + "}";
}

// scenario_with("") with its text `from` written as `to` instead.
std::string scenario_where(std::string const& from, std::string const& to) {
  std::string text = scenario_with("");
  std::size_t const at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

// --- Bad input: one file per kind of mistake, each with its exact message ----------------------------------

TEST_CASE("scenarios: loader: every bad file gives its exact message", "[scenarios]") {
  std::vector<std::string> const files = files_in(kBad, ".json");
  REQUIRE(files.size() >= 100);
  for (std::string const& file : files) {
    INFO(file);
    std::string const expected = expected_message(file);
    REQUIRE_FALSE(expected.empty());
    CHECK(expected.find('\n') == std::string::npos);
    CHECK(expected.rfind(file + ":", 0) == 0);
    CHECK(error_of_file(file) == expected);
  }
  // No message without its file.
  for (std::string const& expected : files_in(kBad, ".expected")) {
    INFO(expected);
    CHECK(fs::exists(expected.substr(0, expected.size() - 9) + ".json"));
  }
}

TEST_CASE("scenarios: loader: validate answers 2 for the bad files, with the same messages, and 0 for the good ones", "[scenarios][cli]") {
  std::vector<std::string> arguments = {"validate"};
  for (std::string const& file : files_in(kBad, ".json")) arguments.push_back(file);
  auto const bad = run_brokersim(arguments);
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.empty());
  for (std::string const& file : files_in(kBad, ".json")) {
    INFO(file);
    CHECK(bad.err.find(expected_message(file) + "\n") != std::string::npos);
  }
  std::vector<std::string> good_arguments = {"validate"};
  for (std::string const& file : files_in(kGood, ".json")) good_arguments.push_back(file);
  auto const good = run_brokersim(good_arguments);
  CHECK(good.exit_code == 0);
  CHECK(good.err.empty());
}

// --- Hostile input: an error with a message, never a crash ----------------------------------------------------

TEST_CASE("scenarios: loader: hostile input is an error, never a crash", "[scenarios]") {
  // 200,000 levels of nesting: refused at level 65, before anything recurses over them.
  std::string pointer;
  for (int level = 0; level < 64; ++level) pointer += "/0";
  std::string const too_deep = pointer.substr(0, 80) + "...: nesting deeper than 64 levels";
  CHECK(error_of_text(std::string(200000, '[') + std::string(200000, ']'), "deep.json") == "deep.json: " + too_deep);
  std::string objects;
  for (int level = 0; level < 200000; ++level) objects += "{\"a\":";
  objects += "1" + std::string(200000, '}');
  std::string deep_objects;
  for (int level = 0; level < 64; ++level) deep_objects += "/a";
  CHECK(error_of_text(objects, "deep.json") == "deep.json: " + deep_objects.substr(0, 80) + "...: nesting deeper than 64 levels");
  // 64 levels are allowed by the parser (the format then says what is wrong).
  CHECK(error_of_text(std::string(64, '[') + std::string(64, ']'), "deep.json") == "deep.json: /: expected an object, got an array of 1 element");

  // Files that cannot be read.
  CHECK(error_of_file("tests/scenarios/no-such-file.json") == "tests/scenarios/no-such-file.json: cannot read: No such file or directory");
  CHECK(error_of_file("tests/scenarios/bad") == "tests/scenarios/bad: cannot read: is a directory");
  CHECK(error_of_file("/dev/null") == "/dev/null: cannot read: not a regular file");
  CHECK(error_of_file("tests/scenarios/bad/empty.json") == "tests/scenarios/bad/empty.json: invalid JSON: the file is empty");
  CHECK(error_of_text("", "empty.json") == "empty.json: invalid JSON: the file is empty");
  CHECK(error_of_text(" \r\n\t ", "blank.json") == "blank.json: invalid JSON: the file is empty");

  // Bytes that are not JSON text.
  CHECK(error_of_text(std::string("{\"name\": \"a\0b\"}", 15), "nul.json").rfind("nul.json:1:12: invalid JSON: ", 0) == 0);
  CHECK(error_of_text("{\"name\": \"\\ud800\"}", "surrogate.json").rfind("surrogate.json:1:17: invalid JSON: ", 0) == 0);
  CHECK(error_of_text("\xEF\xBB\xBF{}", "bom.json") == "bom.json: /: missing required key \"name\"");
  CHECK(error_of_text("{\"name\": \"t\"} // done", "comment.json").rfind("comment.json:1:15: invalid JSON: ", 0) == 0);
  CHECK(error_of_text(scenario_with(R"("seed": 1e400)"), "huge.json").rfind("huge.json:", 0) == 0);
  CHECK(error_of_text(scenario_with(R"("drain_ms": 1e300)"), "huge.json") ==
        "huge.json: /drain_ms: expected a duration in milliseconds from 0 to 4611686018427387 (it must fit in 64-bit "
        "microseconds), got 1e+300");
  // A long value is cut in the message.
  std::string const long_name(10000, 'z');
  CHECK(error_of_text(scenario_with(R"("faults": [{"kind": "crash", "at_ms": 1, "target": ")" + long_name + "\"}]")) ==
        "x.json: /faults/0/target: no node, zone or set of nodes is named \"" + long_name + "\"");
  CHECK(error_of_text(scenario_with(R"("seed": ")" + long_name + "\"")) ==
        "x.json: /seed: expected an unsigned 64-bit integer, got \"" + std::string(59, 'z') + "...");
}

TEST_CASE("scenarios: loader: every prefix and thousands of byte mutations of a good file are errors or scenarios, never a crash", "[scenarios]") {
  std::string const text = without_newline(read_file("tests/scenarios/good/every-key.json"));
  REQUIRE(text.size() > 1000);
  for (std::size_t length = 0; length < text.size(); ++length) {
    INFO("prefix of " << length << " bytes");
    std::string const message = error_of_text(text.substr(0, length), "prefix.json");
    CHECK(message.rfind("prefix.json:", 0) == 0);
  }
  char const alphabet[] = "{}[]\",:0123456789-.eE ntfalsru\\/\x01\xff";
  Xorshift random{0x5eed5eed5eedULL};
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string mutated = text;
    for (std::size_t edits = 1 + random.below(3); edits > 0; --edits) {
      std::size_t const at = random.below(mutated.size());
      char const c = alphabet[random.below(sizeof alphabet - 1)];
      switch (random.below(3)) {
        case 0:
          mutated[at] = c;
          break;
        case 1:
          mutated.insert(at, 1, c);
          break;
        default:
          mutated.erase(at, 1);
      }
    }
    INFO(mutated);
    try {
      load_scenario_text(mutated, "mutated.json");
      ++loaded;
    } catch (ScenarioError const& error) {
      CHECK(std::string(error.what()).rfind("mutated.json", 0) == 0);
    }
  }
  CHECK(loaded < 3000);
}

// --- Defaults (PRODUCT.md §2, docs/scenario-format.md) -------------------------------------------------------

TEST_CASE("scenarios: loader: the defaults of the format", "[scenarios]") {
  using namespace brokersim;
  Scenario const s = load_scenario_file("tests/scenarios/good/minimal.json");
  // Top level.
  CHECK(s.description.empty());
  CHECK(s.seed == 1);
  CHECK(s.duration == 1000 * sim::kMicrosPerMilli);
  CHECK(s.drain == s.duration);
  CHECK(s.heal_at_drain);
  // Network and brokers.
  CHECK(s.world.network.latency == sim::Distribution::uniform(500.0, 1500.0));
  CHECK(s.world.network.zones.empty());
  CHECK(s.world.network.links.empty());
  CHECK(s.world.brokers.count == 3);
  CHECK(s.world.brokers.zones.empty());
  CHECK_FALSE(s.world.brokers.flush_interval.has_value());
  CHECK(s.world.brokers.replica_lag_time_max == 30000 * sim::kMicrosPerMilli);
  CHECK(s.world.brokers.controller_failover == 9000 * sim::kMicrosPerMilli);
  // Topics.
  auto const& topic = s.world.topics.at(0);
  CHECK(topic.partitions == 1);
  CHECK(topic.replication_factor == 1);
  CHECK(topic.min_insync_replicas == 1);
  CHECK_FALSE(topic.unclean_leader_election);
  // Producers.
  auto const& p = s.world.producers.at(0);
  CHECK(p.instances == 1);
  CHECK_FALSE(p.rate_per_s.has_value());
  CHECK(p.messages == std::uint64_t{10});
  CHECK(p.arrivals == model::Arrivals::poisson);
  CHECK(p.keys.count == 0);  // null: keyless, round-robin.
  CHECK(p.acks == model::Acks::all);
  CHECK(p.idempotent);
  CHECK(p.retries == 2147483647);
  CHECK(p.retry_backoff == 100 * sim::kMicrosPerMilli);
  CHECK(p.request_timeout == 30000 * sim::kMicrosPerMilli);
  CHECK(p.delivery_timeout == 120000 * sim::kMicrosPerMilli);
  CHECK(p.max_in_flight == 5);
  CHECK(p.linger == 0);
  CHECK(p.timestamps == model::Timestamps::local_clock);
  CHECK_FALSE(p.zone.has_value());
  // Consumer groups.
  auto const& g = s.world.consumer_groups.at(0);
  CHECK(g.instances == 1);
  CHECK(g.assignor == model::Assignor::range);
  CHECK(g.commit == model::CommitMode::after_processing);
  CHECK(g.auto_commit_interval == 5000 * sim::kMicrosPerMilli);
  CHECK(g.processing == sim::Distribution::constant(0.0));
  CHECK(g.dedup == model::Dedup::none);
  CHECK_FALSE(g.calls.has_value());
  CHECK_FALSE(g.circuit_breaker.has_value());
  CHECK(g.on_failure.max_attempts == 10);
  CHECK(g.on_failure.backoff.initial == 0);
  CHECK(g.on_failure.backoff.multiplier == 1.0);
  CHECK(g.on_failure.backoff.max == 30000 * sim::kMicrosPerMilli);
  CHECK(g.on_failure.backoff.jitter == model::Jitter::none);
  CHECK(g.on_failure.then == model::AfterFailure::block);
  CHECK_FALSE(g.emits_topic.has_value());
  CHECK(g.order_by == model::OrderBy::offset);
  CHECK(g.schema_versions == std::vector<int>{1});
  CHECK(g.on_unknown_schema == model::OnUnknownSchema::fail);
  CHECK(g.max_poll_records == 500);
  CHECK(g.session_timeout == 45000 * sim::kMicrosPerMilli);
  CHECK(g.heartbeat_interval == 3000 * sim::kMicrosPerMilli);
  CHECK(g.timestamps == model::Timestamps::local_clock);
  CHECK_FALSE(g.zone.has_value());
  // Services.
  auto const& service = s.world.services.at(0);
  CHECK_FALSE(service.capacity_per_s.has_value());
  CHECK(service.latency == sim::Distribution::constant(0.0));
  CHECK_FALSE(service.zone.has_value());
  // Faults.
  REQUIRE(s.faults.size() == 5);
  // A fault's spec is its kind's own; what was read shows in what is written back.
  auto const crash = faults::fault_to_json(s.faults[0]);
  CHECK(crash["restart_after_ms"].is_null());
  CHECK(crash["lose_unflushed"] == false);
  CHECK(faults::fault_to_json(s.faults[1])["one_way"] == false);
  auto const link = faults::fault_to_json(s.faults[2]);
  CHECK_FALSE(link.contains("latency_ms"));
  CHECK(link["loss"] == 0.0);
  CHECK(link["duplicate"] == 0.0);
  CHECK(link["reorder"] == 0.0);
  auto const clock = faults::fault_to_json(s.faults[3]);
  CHECK(clock["drift_ppm"] == 0.0);
  CHECK(clock["duration_ms"].is_null());
  CHECK(faults::fault_to_json(s.faults[4])["rate_per_s"].is_null());
  // Expectations: nothing declared, nothing expected.
  CHECK_FALSE(s.expect.delivery.has_value());
  CHECK_FALSE(s.expect.ordering.has_value());
  for (auto const& [key, member] : brokersim::scenarios::kThresholds) {
    INFO(key);
    CHECK_FALSE((s.expect.*member).has_value());
  }
}

TEST_CASE("scenarios: loader: writing every default out loads the same scenario as leaving it out", "[scenarios]") {
  auto const minimal = brokersim::scenarios::scenario_to_json(load_scenario_file("tests/scenarios/good/minimal.json"));
  auto const spelled_out = brokersim::scenarios::scenario_to_json(load_scenario_file("tests/scenarios/good/defaults.json"));
  CHECK(spelled_out.dump(2) == minimal.dump(2));
}

TEST_CASE("scenarios: loader: defaults that depend on other keys", "[scenarios]") {
  using namespace brokersim;
  // The drain defaults to the duration, whatever it is; null means "the default" for any optional key.
  auto const s = load_scenario_text(scenario_where(R"("duration_ms": 1000)", R"("duration_ms": 2500.5)"), "d.json");
  CHECK(s.duration == 2500500);
  CHECK(s.drain == 2500500);
  auto const nulls = load_scenario_text(scenario_with(R"("seed": null, "drain_ms": null, "network": null, "expect": null)"), "n.json");
  CHECK(nulls.seed == 1);
  CHECK(nulls.drain == nulls.duration);
  // idempotent defaults to true only with acks "all"; minimum_calls defaults to the sliding window.
  auto const g = load_scenario_text(R"({"name": "g", "duration_ms": 1000, "brokers": {"count": 1}, "topics": [{"name": "t"}],
    "services": [{"name": "db"}],
    "consumer_groups": [{"name": "a", "topic": "t", "calls": "db", "circuit_breaker": {"sliding_window": 7}}]})", "g.json");
  REQUIRE(g.world.consumer_groups.at(0).circuit_breaker.has_value());
  CHECK(g.world.consumer_groups[0].circuit_breaker->minimum_calls == 7);
}

// --- Distributions, selectors and acks ---------------------------------------------------------------------

TEST_CASE("scenarios: loader: distributions are milliseconds in the file and microseconds in the scenario", "[scenarios]") {
  using brokersim::sim::Distribution;
  auto latency = [](std::string const& written) {
    return load_scenario_text(scenario_with(R"("network": {"latency_ms": )" + written + "}"), "d.json").world.network.latency;
  };
  CHECK(latency("2.5") == Distribution::constant(2500.0));  // A plain number is constant.
  CHECK(latency("0") == Distribution::constant(0.0));
  CHECK(latency("0.0004") == Distribution::constant(0.0));  // Rounded to the nearest microsecond.
  CHECK(latency("0.0005") == Distribution::constant(1.0));
  CHECK(latency(R"({"dist": "constant", "value": 1})") == Distribution::constant(1000.0));
  CHECK(latency(R"({"dist": "uniform", "min": 0.5, "max": 2})") == Distribution::uniform(500.0, 2000.0));
  CHECK(latency(R"({"dist": "uniform", "min": 3, "max": 3})") == Distribution::uniform(3000.0, 3000.0));
  CHECK(latency(R"({"dist": "exponential", "mean": 2})") == Distribution::exponential(2000.0));
  CHECK(latency(R"({"dist": "normal", "mean": 40, "stddev": 5})") == Distribution::normal(40000.0, 5000.0));
  CHECK(latency(R"({"dist": "pareto", "scale": 1, "shape": 2.5})") == Distribution::pareto(1000.0, 2.5));
  // lognormal {median, p99}: ln(median) and the sigma that puts p99 at the 99th percentile (z = 2.3263).
  auto const quantiles = latency(R"({"dist": "lognormal", "median": 2, "p99": 20})");
  CHECK(quantiles.kind == Distribution::Kind::lognormal);
  CHECK(std::exp(quantiles.first) == Approx(2000.0));
  CHECK(std::exp(quantiles.first + 2.326347874 * quantiles.second) == Approx(20000.0).epsilon(1e-6));
  auto const flat = latency(R"({"dist": "lognormal", "median": 5, "p99": 5})");
  CHECK(std::exp(flat.first) == Approx(5000.0));
  CHECK(flat.second == Approx(0.0).margin(1e-12));
  // lognormal {mu, sigma} of ln(milliseconds), kept as ln(microseconds).
  auto const parameters = latency(R"({"dist": "lognormal", "mu": 2.5, "sigma": 0.3})");
  CHECK(parameters.kind == Distribution::Kind::lognormal);
  CHECK(parameters.first == Approx(2.5 + std::log(1000.0)));
  CHECK(parameters.second == Approx(0.3));
  // Fault times are milliseconds too, fractional allowed.
  auto const s = load_scenario_text(scenario_with(R"("faults": [{"kind": "pause", "target": "broker-0", "at_ms": 1.5, "duration_ms": 0.25}])"), "t.json");
  CHECK(s.faults.at(0).at == 1500);
  CHECK(s.faults.at(0).kind->name == "pause");
  CHECK(brokersim::faults::fault_to_json(s.faults[0])["duration_ms"] == 0.25);
}

TEST_CASE("scenarios: loader: fault targets: names, sets and selectors", "[scenarios]") {
  auto const s = load_scenario_text(scenario_with(R"("network": {"zones": ["dc-a"]},
    "faults": [{"kind": "crash", "target": {"leader_of": "orders/2"}, "at_ms": 1},
               {"kind": "crash", "target": {"random": "broker"}, "at_ms": 2},
               {"kind": "pause", "target": {"group": "inventory"}, "at_ms": 3, "duration_ms": 4},
               {"kind": "crash", "target": "broker-1", "at_ms": 5},
               {"kind": "pause", "target": {"random": "inventory"}, "at_ms": 6, "duration_ms": 1},
               {"kind": "partition", "sides": [["brokers"], ["dc-a", "app-0", "stock-db"]], "at_ms": 7, "duration_ms": 1},
               {"kind": "link", "between": [{"random": "producer"}, {"leader_of": "orders/0"}], "at_ms": 8, "duration_ms": 1}])"),
                                    "t.json");
  REQUIRE(s.faults.size() == 7);
  using nlohmann::ordered_json;
  auto written = [](brokersim::faults::Fault const& fault, char const* key) { return brokersim::faults::fault_to_json(fault)[key]; };
  CHECK(written(s.faults[0], "target") == ordered_json{{"leader_of", "orders/2"}});
  CHECK(written(s.faults[1], "target") == ordered_json{{"random", "broker"}});
  CHECK(written(s.faults[2], "target") == ordered_json{{"group", "inventory"}});
  CHECK(written(s.faults[3], "target") == "broker-1");
  CHECK(written(s.faults[4], "target") == ordered_json{{"random", "inventory"}});
  CHECK(written(s.faults[5], "sides") == ordered_json::parse(R"([["brokers"], ["dc-a", "app-0", "stock-db"]])"));
  CHECK(written(s.faults[6], "between") == ordered_json::parse(R"([{"random": "producer"}, {"leader_of": "orders/0"}])"));
  // A topic name may hold a slash: the partition is after the last one.
  auto const slashed = load_scenario_text(R"({"name": "s", "duration_ms": 1, "brokers": {"count": 2},
    "topics": [{"name": "eu/orders", "partitions": 2}],
    "faults": [{"kind": "crash", "target": {"leader_of": "eu/orders/1"}, "at_ms": 1}]})", "s.json");
  CHECK(written(slashed.faults.at(0), "target") == ordered_json{{"leader_of", "eu/orders/1"}});
  // A partition number that is not the last slash's would not load: "eu/orders" has 2 partitions.
  CHECK_THROWS_WITH(load_scenario_text(R"({"name": "s", "duration_ms": 1, "brokers": {"count": 2},
    "topics": [{"name": "eu/orders", "partitions": 2}],
    "faults": [{"kind": "crash", "target": {"leader_of": "eu/orders/2"}, "at_ms": 1}]})", "s.json"),
                    Catch::Contains("partition 2 does not exist: topic \"eu/orders\""));
  // Selector mistakes.
  auto fault = [](std::string const& target) {
    return error_of_text(scenario_with(R"("faults": [{"kind": "crash", "at_ms": 1, "target": )" + target + "}]"));
  };
  CHECK(fault(R"({"leader_of": "orders/3"})") ==
        "x.json: /faults/0/target/leader_of: partition 3 does not exist: topic \"orders\" has 3 partition(s)");
  CHECK(fault(R"({"leader_of": "orders/-1"})") ==
        "x.json: /faults/0/target/leader_of: expected \"TOPIC/PARTITION\", e.g. \"orders/0\", got \"orders/-1\"");
  CHECK(fault(R"({"leader_of": "orders/99999999999"})") ==
        "x.json: /faults/0/target/leader_of: expected \"TOPIC/PARTITION\", e.g. \"orders/0\", got \"orders/99999999999\"");
  CHECK(fault(R"({"leader_of": "/0"})") == "x.json: /faults/0/target/leader_of: topic \"\" is not defined in /topics");
  CHECK(fault(R"({"group": "app"})") == "x.json: /faults/0/target/group: \"app\" is not a consumer group");
  CHECK(fault(R"({"randm": "broker"})") == "x.json: /faults/0/target/randm: unknown key \"randm\"; did you mean \"random\"?");
  CHECK(fault("{}") ==
        "x.json: /faults/0/target: expected a node name or a selector object ({\"leader_of\": \"topic/p\"}, {\"random\": ...} or "
        "{\"group\": ...}), got an object");
  CHECK(fault("[\"broker-0\"]") ==
        "x.json: /faults/0/target: expected a node name or a selector object ({\"leader_of\": \"topic/p\"}, {\"random\": ...} or "
        "{\"group\": ...}), got an array of 1 element");
  CHECK(fault("\"inventry\"") == "x.json: /faults/0/target: no node, zone or set of nodes is named \"inventry\"; did you mean \"inventory\"?");
}

TEST_CASE("scenarios: loader: acks 0, 1 and \"all\", and the idempotence that goes with them", "[scenarios]") {
  using brokersim::model::Acks;
  auto producer = [](std::string const& keys) {
    return load_scenario_text(scenario_where(R"("rate_per_s": 10)", R"("rate_per_s": 10, )" + keys), "a.json")
        .world.producers.at(0);
  };
  auto const zero = producer(R"("acks": 0)");
  CHECK(zero.acks == Acks::none);
  CHECK_FALSE(zero.idempotent);
  auto const one = producer(R"("acks": 1)");
  CHECK(one.acks == Acks::leader);
  CHECK_FALSE(one.idempotent);
  auto const all = producer(R"("acks": "all")");
  CHECK(all.acks == Acks::all);
  CHECK(all.idempotent);
  auto const plain = producer(R"("acks": "all", "idempotent": false, "max_in_flight": 6)");
  CHECK(plain.acks == Acks::all);
  CHECK_FALSE(plain.idempotent);
  CHECK(plain.max_in_flight == 6);
  CHECK(producer(R"("acks": 0, "idempotent": false)").acks == Acks::none);
  auto error = [](std::string const& keys) {
    return error_of_text(scenario_where(R"("rate_per_s": 10)", R"("rate_per_s": 10, )" + keys));
  };
  std::string const expected = "x.json: /producers/0/acks: expected 0, 1 or \"all\", got ";
  CHECK(error(R"("acks": "two")") == expected + "\"two\"");
  CHECK(error(R"("acks": 2)") == expected + "2");
  CHECK(error(R"("acks": "1")") == expected + "\"1\"");
  CHECK(error(R"("acks": -1)") == expected + "-1");
  CHECK(error(R"("acks": "ALL")") == expected + "\"ALL\"; did you mean \"all\"?");
  CHECK(error(R"("acks": 1, "idempotent": true)") ==
        "x.json: /producers/0/idempotent: idempotence requires acks \"all\" (Kafka refuses enable.idempotence=true with acks=0 or 1)");
}

// --- Good files ---------------------------------------------------------------------------------------------

namespace {

// Every key each kind of object takes, as the loader's allowed-key lists say.
using Seen = std::map<std::string, std::set<std::string>>;

void note_keys(Seen& seen, std::string const& what, json const& object) {
  if (!object.is_object()) return;
  for (auto const& [key, value] : object.items()) seen[what].insert(key);
}

void note_distribution(Seen& seen, json const& value) {
  if (value.is_number()) seen["distribution"].insert("plain number");
  if (!value.is_object()) return;
  std::string dist = value.value("dist", "");
  if (dist == "lognormal") dist += value.contains("mu") ? " {mu, sigma}" : " {median, p99}";
  seen["distribution"].insert(dist);
}

void note_selector(Seen& seen, json const& value) {
  if (value.is_string()) seen["selector"].insert("name");
  if (value.is_object()) note_keys(seen, "selector", value);
}

void note_scenario(Seen& seen, json const& s) {
  note_keys(seen, "top", s);
  if (s.contains("network")) {
    note_keys(seen, "network", s["network"]);
    if (s["network"].contains("latency_ms")) note_distribution(seen, s["network"]["latency_ms"]);
    for (json const& link : s["network"].value("links", json::array())) {
      note_keys(seen, "link", link);
      if (link.contains("latency_ms")) note_distribution(seen, link["latency_ms"]);
    }
  }
  note_keys(seen, "brokers", s["brokers"]);
  for (json const& topic : s.value("topics", json::array())) note_keys(seen, "topic", topic);
  for (json const& producer : s.value("producers", json::array())) {
    note_keys(seen, "producer", producer);
    if (producer.contains("keys")) {
      json const& keys = producer["keys"];
      seen["keys form"].insert(keys.is_null() ? "null" : keys.is_number() ? "number" : "object");
      note_keys(seen, "keys", keys);
    }
    if (producer.contains("acks")) seen["acks"].insert(producer["acks"].dump());
  }
  for (json const& group : s.value("consumer_groups", json::array())) {
    note_keys(seen, "group", group);
    if (group.contains("processing_ms")) note_distribution(seen, group["processing_ms"]);
    if (group.contains("on_failure")) {
      note_keys(seen, "on_failure", group["on_failure"]);
      if (group["on_failure"].contains("backoff")) note_keys(seen, "backoff", group["on_failure"]["backoff"]);
    }
    if (group.contains("emits")) note_keys(seen, "emits", group["emits"]);
    if (group.contains("circuit_breaker")) note_keys(seen, "circuit_breaker", group["circuit_breaker"]);
  }
  if (s.contains("rabbitmq")) {
    json const& rabbit = s["rabbitmq"];
    note_keys(seen, "rabbitmq", rabbit);
    for (json const& exchange : rabbit.value("exchanges", json::array())) {
      note_keys(seen, "exchange", exchange);
      if (exchange.contains("type")) seen["exchange type"].insert(exchange["type"].dump());
    }
    for (json const& queue : rabbit.value("queues", json::array())) note_keys(seen, "queue", queue);
    for (json const& binding : rabbit.value("bindings", json::array())) note_keys(seen, "binding", binding);
  }
  for (json const& service : s.value("services", json::array())) {
    note_keys(seen, "service", service);
    if (service.contains("latency_ms")) note_distribution(seen, service["latency_ms"]);
  }
  for (json const& fault : s.value("faults", json::array())) {
    std::string const kind = fault["kind"];
    note_keys(seen, "fault " + kind, fault);
    if (fault.contains("target")) note_selector(seen, fault["target"]);
    for (json const& side : fault.value("sides", json::array())) {
      for (json const& node : side) note_selector(seen, node);
    }
    for (json const& node : fault.value("between", json::array())) note_selector(seen, node);
    if (fault.contains("latency_ms")) note_distribution(seen, fault["latency_ms"]);
  }
  note_keys(seen, "expect", s.value("expect", json::object()));
}

}  // namespace

TEST_CASE("scenarios: loader: the good files load and together use every key, fault kind, distribution and selector", "[scenarios]") {
  namespace keys = brokersim::scenarios::keys;
  std::vector<std::string> const files = files_in(kGood, ".json");
  REQUIRE(files.size() >= 3);
  Seen seen;
  for (std::string const& file : files) {
    INFO(file);
    CHECK(error_of_file(file) == "(loaded without error)");
    note_scenario(seen, json::parse(read_file(file)));
  }
  std::map<std::string, std::vector<std::string>> wanted = {
      {"top", keys::kTop},
      {"network", keys::kNetwork},
      {"link", keys::kLink},
      {"brokers", keys::kBrokers},
      {"topic", keys::kTopic},
      {"producer", keys::kProducer},
      {"keys", keys::kKeys},
      {"keys form", {"null", "number", "object"}},
      {"acks", {"0", "1", "\"all\""}},
      {"group", keys::kConsumerGroup},
      {"on_failure", keys::kOnFailure},
      {"backoff", keys::kBackoff},
      {"emits", keys::kEmits},
      {"circuit_breaker", keys::kCircuitBreaker},
      {"service", keys::kService},
      {"rabbitmq", keys::kRabbitMQ},
      {"exchange", keys::kExchange},
      {"exchange type", {"\"direct\"", "\"fanout\"", "\"topic\"", "\"headers\""}},
      {"queue", keys::kQueue},
      {"binding", keys::kBinding},
      {"expect", keys::kExpect},
      {"selector", {"name", "leader_of", "random", "group"}},
      {"distribution",
       {"plain number", "constant", "uniform", "exponential", "normal", "lognormal {median, p99}", "lognormal {mu, sigma}", "pareto"}},
  };
  for (brokersim::faults::FaultKind const* kind : brokersim::faults::fault_kinds()) {
    std::vector<std::string> fault_keys = {"kind", "at_ms"};
    fault_keys.insert(fault_keys.end(), kind->keys.begin(), kind->keys.end());
    wanted["fault " + kind->name] = fault_keys;
  }
  for (auto const& [what, list] : wanted) {
    for (std::string const& key : list) {
      INFO("no good file uses " << what << ": " << key);
      CHECK(seen[what].count(key) == 1);
    }
  }
}

TEST_CASE("scenarios: loader: the file using every key runs on any seed without failing to run", "[scenarios][cli]") {
  for (char const* seed : {"1", "2", "3"}) {
    std::string const dir = brokersim::testing::make_temp_dir("every-key");
    auto const result = run_brokersim({"run", "tests/scenarios/good/every-key.json", "--seed", seed, "--out", dir, "--format", "json"});
    INFO(result.err);
    CHECK((result.exit_code == 0 || result.exit_code == 1));
    fs::remove_all(dir);
  }
}

// --- The loader's half of "the JSON Schema agrees with the loader" --------------------------------------------

TEST_CASE("scenarios: loader: rejects every bad file the schema must reject, and accepts every good file", "[scenarios][schema]") {
  std::vector<std::string> const structural = structural_bad_files();
  REQUIRE(structural.size() >= 50);
  CHECK(std::set<std::string>(structural.begin(), structural.end()).size() == structural.size());
  for (std::string const& name : structural) {
    std::string const file = std::string(kBad) + "/" + name + ".json";
    INFO(file << " is listed in tests/schema/validate.mjs");
    REQUIRE(fs::exists(file));
    CHECK(error_of_file(file).rfind(file + ": /", 0) == 0);  // A structural message: it names a JSON pointer.
  }
  for (std::string const& file : files_in(kGood, ".json")) {
    INFO(file);
    CHECK(error_of_file(file) == "(loaded without error)");
  }
  for (auto const& entry : fs::recursive_directory_iterator("scenarios")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    CHECK(error_of_file(entry.path().string()) == "(loaded without error)");
  }
}
