// The brokersim program.
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> const words(argv + 1, argv + argc);
  brokersim::cli::Streams streams{std::cout, std::cerr};
  int const code = brokersim::cli::main_with_arguments(words, streams);
  std::cout.flush();
  return code;
}
