// Determinism guard: the simulator's sources use no source of nondeterminism. Wall clocks are allowed
// only where batch timings are taken (they go to timing.json and stderr, never into reports).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "support/run_program.h"

namespace fs = std::filesystem;

TEST_CASE("tidy: no random_device, wall clock, rand() or std:: distributions in the simulator", "[tidy]") {
  char const* const banned[] = {"std::random_device", "std::mt19937", "std::uniform_int_distribution",
                                "std::uniform_real_distribution", "std::normal_distribution", "std::exponential_distribution",
                                "system_clock", "steady_clock", "high_resolution_clock", "rand(", "time(nullptr)", "std::hash<"};
  std::size_t files = 0;
  for (char const* folder : {"sim", "model", "faults", "scenarios", "reports", "cli"}) {
    for (auto const& entry : fs::recursive_directory_iterator(brokersim::testing::source_path(folder))) {
      std::string const extension = entry.path().extension().string();
      if (extension != ".cpp" && extension != ".h") continue;
      ++files;
      std::string const name = entry.path().filename().string();
      std::string const text = brokersim::testing::read_file(entry.path().string());
      for (char const* pattern : banned) {
        bool const allowed = name == "batch_command.cpp" && std::string(pattern) == "steady_clock";
        INFO(entry.path().string() << " uses " << pattern);
        CHECK((allowed || text.find(pattern) == std::string::npos));
      }
    }
  }
  CHECK(files > 50);
}
