// `brokersim schema`: the JSON Schema of scenario files.
#include <ostream>

#include "cli/commands.h"
#include "scenarios/schema.h"

namespace brokersim::cli {

int schema_command(Arguments const& arguments, Streams& streams) {
  if (!arguments.operands.empty()) throw UsageError("schema takes no arguments");
  streams.out << scenarios::scenario_schema().dump(2) << "\n";
  return kExitHeld;
}

}  // namespace brokersim::cli
