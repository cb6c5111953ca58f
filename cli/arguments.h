// Command-line arguments: positional operands and `--name value` / `--name=value` options.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace brokersim::cli {

// Bad usage: the command line itself is wrong. Exit code 2, like bad input.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The parsed command line of one command.
struct Arguments {
  std::vector<std::string> operands;
  std::map<std::string, std::string> options;  // Without the leading "--"; flags map to "".
  bool help = false;

  std::optional<std::string> option(std::string const& name) const;
};

// What a command accepts: options that take a value and flags that do not.
struct ArgumentSpec {
  std::set<std::string> valued;
  std::set<std::string> flags;
};

// Parses `words` (after the command name). Unknown options, a missing value and a repeated option are
// UsageErrors; "--" ends the options.
Arguments parse_arguments(std::vector<std::string> const& words, ArgumentSpec const& spec);

// An unsigned 64-bit integer option value, or a UsageError naming the option.
std::uint64_t parse_unsigned(std::string const& option, std::string const& text);

}  // namespace brokersim::cli
