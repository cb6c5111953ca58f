// The brokersim program's dispatch: global options, the command table, and the mapping of errors to
// exit codes (bad input and usage are 2; nothing that a user types ends in a crash).
#include <exception>
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
