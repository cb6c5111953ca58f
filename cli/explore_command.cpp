// `brokersim shrink` and `brokersim explore`.
#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runner.h"
#include "cli/shrink.h"
#include "scenarios/loader.h"
#include "scenarios/writer.h"
#include "sim/random.h"

namespace brokersim::cli {

namespace {

using nlohmann::ordered_json;

// Writes `scenario` (shrunk from `original`) to `path`, named and described as what it is.
void write_scenario(ShrinkResult const& result, std::string const& path, std::string const& why) {
  ordered_json json = scenarios::scenario_to_json(result.scenario);
  json["name"] = result.scenario.name + "-shrunk";
  json["description"] = why;
  json["seed"] = result.seed;
  std::filesystem::path const target(path);
  std::string const directory = target.has_parent_path() ? target.parent_path().string() : ".";
  write_output_files(directory, {{target.filename().string(), json.dump(2) + "\n"}});
}

void print_steps(ShrinkResult const& result, std::ostream& out) {
  for (std::string const& step : result.steps) out << "  " << step << "\n";
}

// The names a random fault may target.
struct Targets {
  std::vector<std::string> brokers;
  std::vector<std::string> controllers;  // Dedicated KRaft controllers; none in combined mode.
  std::vector<std::string> rabbit_nodes;  // RabbitMQ nodes; none in a scenario without RabbitMQ.
  std::vector<std::string> clients;      // Producer and consumer instances.
};

Targets targets_of(scenarios::Scenario const& scenario) {
  Targets targets;
  for (int b = 0; b < scenario.world.brokers.count; ++b) targets.brokers.push_back("broker-" + std::to_string(b));
  if (scenario.world.controllers.placement == model::ControllerPlacement::dedicated) {
    for (int c = 0; c < scenario.world.controllers.count; ++c) targets.controllers.push_back("controller-" + std::to_string(c));
  }
  for (int n = 0; n < scenario.world.rabbitmq.nodes; ++n) targets.rabbit_nodes.push_back("rabbit-" + std::to_string(n));
  for (auto const& p : scenario.world.producers) {
    for (int i = 0; i < p.instances; ++i) targets.clients.push_back(p.name + "-" + std::to_string(i));
  }
  for (auto const& g : scenario.world.consumer_groups) {
    for (int i = 0; i < g.instances; ++i) targets.clients.push_back(g.name + "-" + std::to_string(i));
  }
  return targets;
}

std::string pick(sim::RandomStream& random, std::vector<std::string> const& names) { return names[random.below(names.size())]; }

// One random fault of `kind` from `at_ms` for `duration_ms`.
ordered_json random_fault(std::string const& kind, double at_ms, double duration_ms, Targets const& targets,
                          sim::RandomStream& random) {
  ordered_json fault{{"kind", kind}, {"at_ms", at_ms}};
  // The servers: Kafka brokers, then RabbitMQ nodes (a scenario without RabbitMQ draws as it always did).
  std::vector<std::string> servers = targets.brokers;
  servers.insert(servers.end(), targets.rabbit_nodes.begin(), targets.rabbit_nodes.end());
  std::vector<std::string> nodes = servers;
  nodes.insert(nodes.end(), targets.controllers.begin(), targets.controllers.end());
  nodes.insert(nodes.end(), targets.clients.begin(), targets.clients.end());
  if (kind == "crash") {
    fault["target"] = pick(random, nodes);
    fault["restart_after_ms"] = duration_ms;
    fault["lose_unflushed"] = random.chance(0.25);
  } else if (kind == "pause") {
    fault["target"] = pick(random, nodes);
    fault["duration_ms"] = duration_ms;
  } else if (kind == "partition") {
    fault["sides"] = ordered_json::array({ordered_json::array({pick(random, nodes)})});
    fault["duration_ms"] = duration_ms;
  } else if (kind == "link") {
    fault["between"] = ordered_json::array({pick(random, servers), pick(random, nodes)});
    if (fault["between"][0] == fault["between"][1]) fault["between"][1] = "brokers";
    fault["duration_ms"] = duration_ms;
    fault["loss"] = 0.05 + 0.45 * random.uniform01();
    fault["latency_ms"] = 1 + static_cast<double>(random.below(50));
  } else {  // clock
    fault["target"] = pick(random, nodes);
    fault["offset_ms"] = (random.chance(0.5) ? -1.0 : 1.0) * static_cast<double>(1000 + random.below(60000));
    fault["duration_ms"] = duration_ms;
  }
  return fault;
}

// A swarm-testing schedule: a random subset of the kinds; `lanes` sequences of faults, each fault in a
// lane healed before the next begins, so at most `lanes` are active at once.
ordered_json random_schedule(std::vector<std::string> const& kinds, std::size_t lanes, double duration_ms,
                             Targets const& targets, sim::RandomStream& random, std::map<std::string, std::uint64_t>& used) {
  std::vector<std::string> subset;
  for (std::string const& kind : kinds) {
    if (random.chance(0.5)) subset.push_back(kind);
  }
  if (subset.empty()) subset.push_back(pick(random, kinds));
  ordered_json faults = ordered_json::array();
  for (std::size_t lane = 0; lane < lanes; ++lane) {
    double at = duration_ms * 0.1 * random.uniform01();
    while (at < duration_ms * 0.9) {
      double const length = std::max(1.0, duration_ms * (0.02 + 0.2 * random.uniform01()));
      std::string const kind = pick(random, subset);
      faults.push_back(random_fault(kind, std::round(at), std::round(length), targets, random));
      ++used[kind];
      at += length + duration_ms * 0.1 * random.uniform01();
    }
  }
  return faults;
}

std::vector<std::string> parse_kinds(std::optional<std::string> const& text) {
  std::vector<std::string> const all = {"crash", "pause", "partition", "link", "clock"};
  if (!text) return all;
  std::vector<std::string> kinds;
  std::istringstream list(*text);
  std::string kind;
  while (std::getline(list, kind, ',')) {
    if (std::find(all.begin(), all.end(), kind) == all.end()) {
      throw UsageError("option --faults: expected a comma-separated list of crash, pause, partition, link, clock; got \"" + kind + "\"");
    }
    kinds.push_back(kind);
  }
  if (kinds.empty()) throw UsageError("option --faults: expected at least one fault kind");
  return kinds;
}

}  // namespace

int shrink_command(Arguments const& arguments, Streams& streams) {
  if (arguments.operands.size() != 1) throw UsageError("shrink takes exactly one scenario file (see brokersim shrink --help)");
  std::optional<std::uint64_t> seed_option;
  if (auto const text = arguments.option("seed")) seed_option = parse_unsigned("seed", *text);
  auto const scenario = scenarios::load_scenario_file(arguments.operands[0]);
  ensure_runnable(scenario);
  std::uint64_t const seed = seed_option.value_or(scenario.seed);
  std::string const out = arguments.option("out").value_or(scenario.name + "-shrunk.json");
  reports::Report const report = run_scenario(scenario, seed);
  if (report.passed()) {
    streams.out << scenario.name << " holds its expectations at seed " << seed << ": there is no failure to shrink\n";
    return kExitHeld;
  }
  FailureSignature const signature = FailureSignature::of(report);
  ShrinkResult const result = shrink(scenario, seed, signature);
  write_scenario(result, out, "Shrunk from " + scenario.file + " (seed " + std::to_string(seed) + "): still shows " +
                                  signature.describe() + " at seed " + std::to_string(result.seed));
  streams.out << "shrink: " << scenario.faults.size() << " fault(s) -> " << result.scenario.faults.size()
              << "; still shows " << signature.describe() << " at seed " << result.seed << " (" << result.runs
              << " runs); wrote " << out << "\n";
  print_steps(result, streams.out);
  return kExitViolations;
}

int explore_command(Arguments const& arguments, Streams& streams) {
  if (arguments.operands.size() != 1) throw UsageError("explore takes exactly one scenario file (see brokersim explore --help)");
  std::uint64_t const runs = arguments.option("runs") ? parse_unsigned("runs", *arguments.option("runs")) : 100;
  std::vector<std::string> const kinds = parse_kinds(arguments.option("faults"));
  std::uint64_t const lanes = arguments.option("max-concurrent") ? parse_unsigned("max-concurrent", *arguments.option("max-concurrent")) : 1;
  if (lanes == 0 || lanes > 16) throw UsageError("option --max-concurrent: expected 1 to 16");
  std::string const directory = arguments.option("out").value_or("out");
  auto const base = scenarios::load_scenario_file(arguments.operands[0]);
  ensure_runnable(base);
  std::uint64_t const root = arguments.option("seed") ? parse_unsigned("seed", *arguments.option("seed")) : base.seed;
  sim::RandomStream random(root, "explore");
  Targets const targets = targets_of(base);
  double const duration_ms = sim::time_to_ms(base.duration);
  std::map<std::string, std::uint64_t> used;
  ordered_json system = scenarios::scenario_to_json(base);
  for (std::uint64_t run = 1; run <= runs; ++run) {
    system["faults"] = random_schedule(kinds, lanes, duration_ms, targets, random, used);
    auto const candidate = scenarios::load_scenario_text(system.dump(), base.file);
    std::uint64_t const seed = random.below(1000000000) + 1;
    reports::Report const report = run_scenario(candidate, seed);
    if (report.passed()) continue;
    FailureSignature const signature = FailureSignature::of(report);
    ShrinkResult const result = shrink(candidate, seed, signature);
    std::string const path = directory + "/counterexample.json";
    write_scenario(result, path, "A counterexample brokersim explore found for " + base.file + " (run " + std::to_string(run) +
                                     "): it shows " + signature.describe() + " at seed " + std::to_string(result.seed));
    streams.out << "explore: run " << run << " of " << runs << " broke an expectation (" << signature.describe() << "); shrunk from "
                << candidate.faults.size() << " fault(s) to " << result.scenario.faults.size() << "; wrote " << path
                << "\n  replay: brokersim run " << path << " --seed " << result.seed << "\n";
    print_steps(result, streams.out);
    return kExitViolations;
  }
  streams.out << "explore: " << runs << " runs, no expectation broken; faults injected:";
  for (auto const& [kind, count] : used) streams.out << " " << kind << " " << count;
  streams.out << "\n";
  return kExitHeld;
}

}  // namespace brokersim::cli
