// The brokersim program's dispatch: global options, the command table, and the mapping of errors to
// exit codes (bad input and usage are 2; nothing that a user types ends in a crash).
#include <exception>
#include <locale>
#include <new>
#include <ostream>

#include "brokersim_version.h"
#include "cli/commands.h"
#include "scenarios/scenario.h"

namespace brokersim::cli {

namespace {

void print_usage(std::ostream& out) {
  out << "brokersim " << BROKERSIM_VERSION
      << " - a deterministic simulator of event-driven messaging systems\n\n"
         "usage: brokersim <command> [arguments]\n"
         "       brokersim --version | --help | <command> --help\n\ncommands:\n";
  for (Command const& command : commands()) {
    std::string const name = command.name;
    out << "  " << name << std::string(name.size() < 10 ? 10 - name.size() : 1, ' ') << command.summary << "\n";
  }
  out << "\nexit codes: 0 all expectations held, 1 an expectation was broken, 2 bad input or usage\n";
}

Command const* find_command(std::string const& name) {
  for (Command const& command : commands()) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

}  // namespace

std::vector<Command> const& commands() {
  static std::vector<Command> const table = {
      {"run",
       "run one scenario with one seed and write its reports",
       "usage: brokersim run SCENARIO.json [--seed N] [--out DIR] [--format json,md,html,junit]\n\n"
       "Runs the scenario in simulated time and checks every delivery guarantee against the ground truth.\n"
       "  --seed N      the seed (default: the scenario's \"seed\", else 1)\n"
       "  --out DIR     where the reports go (default: out)\n"
       "  --format F    comma-separated formats to write besides report.json (default: json,md,html,junit)\n\n"
       "Writes DIR/report.json always. Exit code 0 when every expectation held, 1 when one broke,\n"
       "2 for bad input (nothing is written then).\n",
       {{"seed", "out", "format"}, {}},
       &run_command},
      {"batch",
       "run many scenarios over many seeds, in parallel or sharded, and summarise",
       "usage: brokersim batch PATH... [--seeds N | --seeds A..B] [--jobs N] [--shard I/N | --shards N] [--out DIR]\n\n"
       "Runs every *.json scenario under the given files and folders (recursively) for every seed.\n"
       "  --seeds N      seeds 1..N; --seeds A..B: seeds A to B (default: each scenario's own seed)\n"
       "  --jobs N       parallel runs (default: the number of cores)\n"
       "  --shard I/N    run only the I-th (0-based) of N disjoint slices of the (scenario, seed) pairs;\n"
       "                 with --shards N, I comes from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID\n"
       "  --out DIR      where to write (default: out)\n\n"
       "Writes DIR/summary.json (the same bytes whatever --jobs is), summary.md, summary.html, junit.xml,\n"
       "timing.json (wall-clock figures) and, for each failing run, DIR/runs/<scenario>/seed-N/ with its reports.\n"
       "Exit code 0 when every run held its expectations, 1 when any broke one, 2 for bad input.\n",
       {{"seeds", "jobs", "shard", "shards", "out"}, {}},
       &batch_command},
      {"merge",
       "combine the outputs of a batch's shards",
       "usage: brokersim merge DIR... --out DIR\n\n"
       "Combines the output folders of the shards of one batch into what the unsharded batch writes.\n"
       "Exit code 0 when every run held its expectations, 1 when any broke one, 2 for bad input.\n",
       {{"out"}, {}},
       &merge_command},
      {"shrink",
       "reduce a failing scenario to a minimal one that fails the same way",
       "usage: brokersim shrink SCENARIO.json [--seed N] [--out FILE]\n\n"
       "Delta debugging: removes faults, then reduces instances, partitions, rates, message counts and\n"
       "durations, keeping every change after which the same violation kind still shows (on the seed or\n"
       "one of the next two). Writes the minimal scenario to FILE (default: NAME-shrunk.json) and lists what\n"
       "it removed. Exit code 1 when it wrote a failing scenario, 0 when the scenario holds at that seed.\n",
       {{"seed", "out"}, {}},
       &shrink_command},
      {"explore",
       "swarm-test a system with random fault schedules",
       "usage: brokersim explore SCENARIO.json [--runs N] [--faults KINDS] [--max-concurrent K] [--seed S] [--out DIR]\n\n"
       "Keeps the scenario's system and expectations and replaces its faults with random schedules: each run\n"
       "draws a subset of the fault kinds (--faults, default crash,pause,partition,link,clock) and at most K\n"
       "faults active at once (--max-concurrent, default 1), each healed before the next begins, and a\n"
       "random seed. On the first run that breaks an expectation it shrinks it and writes\n"
       "DIR/counterexample.json (exit code 1); after --runs runs (default 100) without one, exit code 0.\n",
       {{"runs", "faults", "max-concurrent", "seed", "out"}, {}},
       &explore_command},
      {"validate",
       "check scenario files without running them",
       "usage: brokersim validate SCENARIO.json...\n\n"
       "Loads and checks each file: JSON syntax, keys, types, ranges and cross-references. Prints one line\n"
       "per file. Exit code 0 when all are valid, 2 when any is not.\n",
       {{}, {}},
       &validate_command},
      {"schema",
       "print the JSON Schema of scenario files",
       "usage: brokersim schema\n\n"
       "Prints the JSON Schema (draft 2020-12) of the scenario format, for editors and other tools.\n",
       {{}, {}},
       &schema_command},
  };
  return table;
}

int main_with_arguments(std::vector<std::string> const& words, Streams& streams) {
  // What brokersim prints does not follow the locale: numbers read the same on every machine.
  streams.out.imbue(std::locale::classic());
  streams.err.imbue(std::locale::classic());
  try {
    if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
      print_usage(words.empty() ? streams.err : streams.out);
      return words.empty() ? kExitBadInput : kExitHeld;
    }
    if (words[0] == "--version") {
      streams.out << "brokersim " << BROKERSIM_VERSION << "\n";
      return kExitHeld;
    }
    Command const* command = find_command(words[0]);
    if (command == nullptr) throw UsageError("unknown command \"" + words[0] + "\" (see brokersim --help)");
    std::vector<std::string> const rest(words.begin() + 1, words.end());
    Arguments const arguments = parse_arguments(rest, command->spec);
    if (arguments.help) {
      streams.out << command->help;
      return kExitHeld;
    }
    return command->execute(arguments, streams);
  } catch (UsageError const& error) {
    streams.err << "brokersim: " << error.what() << "\n";
    return kExitBadInput;
  } catch (scenarios::ScenarioError const& error) {
    streams.err << error.what() << "\n";
    return kExitBadInput;
  } catch (std::bad_alloc const&) {
    streams.err << "brokersim: out of memory\n";
    return kExitBadInput;
  }
}

}  // namespace brokersim::cli
