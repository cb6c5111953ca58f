// Runs the brokersim program as a user would, for end-to-end tests.
#pragma once

#include <string>
#include <vector>

namespace brokersim::testing {

struct ProgramResult {
  int exit_code = -1;  // -1 when the program died of a signal.
  std::string out;     // Standard output.
  std::string err;     // Standard error.
};

// Runs the built brokersim with `arguments` (no shell, standard input from /dev/null) and collects its
// exit code and output.
ProgramResult run_brokersim(std::vector<std::string> const& arguments);

// The repository root, for paths to scenario files.
std::string source_path(std::string const& relative);

// A fresh empty directory under the system's temporary directory.
std::string make_temp_dir(std::string const& label);

// The whole content of a file ("" when it cannot be read).
std::string read_file(std::string const& path);

}  // namespace brokersim::testing
