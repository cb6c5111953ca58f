// `brokersim validate`: check scenario files, run nothing.
#include <ostream>

#include "cli/commands.h"
#include "scenarios/loader.h"

namespace brokersim::cli {

int validate_command(Arguments const& arguments, Streams& streams) {
  if (arguments.operands.empty()) throw UsageError("validate takes one or more scenario files");
  int code = kExitHeld;
  for (std::string const& path : arguments.operands) {
    try {
      scenarios::Scenario const scenario = scenarios::load_scenario_file(path);
      streams.out << path << ": ok (" << scenario.name << ")\n";
    } catch (scenarios::ScenarioError const& error) {
      streams.err << error.what() << "\n";
      code = kExitBadInput;
    }
  }
  return code;
}

}  // namespace brokersim::cli
