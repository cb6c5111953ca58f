// The brokersim commands: each parses its own arguments and returns the process exit code.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/arguments.h"

namespace brokersim::cli {

// Exit codes of every command (the product contract).
inline constexpr int kExitHeld = 0;        // Every expectation held.
inline constexpr int kExitViolations = 1;  // A scenario ran and broke an expectation.
inline constexpr int kExitBadInput = 2;    // Bad input or usage: nothing was run, nothing half-written.

struct Streams {
  std::ostream& out;
  std::ostream& err;
};

// One subcommand: its name, a one-line summary for `brokersim --help`, its full help, what options it
// takes, and what it does.
struct Command {
  char const* name;
  char const* summary;
  char const* help;
  ArgumentSpec spec;
  int (*execute)(Arguments const& arguments, Streams& streams);
};

// Every command, in the order --help lists them. New commands (batch, merge, shrink, explore) are one
// more entry here and one more file.
std::vector<Command> const& commands();

int run_command(Arguments const& arguments, Streams& streams);
int validate_command(Arguments const& arguments, Streams& streams);
int schema_command(Arguments const& arguments, Streams& streams);
int batch_command(Arguments const& arguments, Streams& streams);
int merge_command(Arguments const& arguments, Streams& streams);
int shrink_command(Arguments const& arguments, Streams& streams);
int explore_command(Arguments const& arguments, Streams& streams);

// The program: dispatches `words` (argv without the program name) and maps every error to its exit code.
int main_with_arguments(std::vector<std::string> const& words, Streams& streams);

}  // namespace brokersim::cli
