// The incident library: every scenarios/incidents/NAME.json fails the expectations its team had on every
// seed, and its twin NAME-fixed.json, which changes only what the prevention changes, holds on every seed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/runner.h"
#include "scenarios/loader.h"
#include "support/run_program.h"

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSeeds = 10;

std::vector<std::string> incidents() {
  std::vector<std::string> names;
  for (auto const& entry : fs::directory_iterator(brokersim::testing::source_path("scenarios/incidents"))) {
    std::string const name = entry.path().stem().string();
    if (entry.path().extension() == ".json" && name.size() > 6 && name.compare(name.size() - 6, 6, "-fixed") == 0) continue;
    if (entry.path().extension() == ".json") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::uint64_t failing_seeds(std::string const& file) {
  auto const scenario = brokersim::scenarios::load_scenario_file(file);
  std::uint64_t failing = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    if (!brokersim::cli::run_scenario(scenario, seed).passed()) ++failing;
  }
  return failing;
}

}  // namespace

TEST_CASE("library: incidents: each incident fails on every seed and its fixed twin passes on every seed", "[library]") {
  std::vector<std::string> const names = incidents();
  // The library's five incidents, at least (more may be added).
  for (char const* name : {"clock-skew", "poison-message", "retry-storm", "schema-break", "unbounded-queue"}) {
    INFO(name);
    CHECK(std::find(names.begin(), names.end(), name) != names.end());
  }
  for (std::string const& name : names) {
    INFO(name);
    std::string const base = brokersim::testing::source_path("scenarios/incidents/" + name);
    REQUIRE(fs::exists(base + "-fixed.json"));
    CHECK(failing_seeds(base + ".json") == kSeeds);
    CHECK(failing_seeds(base + "-fixed.json") == 0);
  }
}
