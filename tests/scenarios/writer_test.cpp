// Scenarios written back to JSON load again to the same scenario (shrink and explore write them).
#include <catch2/catch.hpp>

#include <filesystem>

#include "scenarios/loader.h"
#include "scenarios/writer.h"
#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::scenarios::load_scenario_file;
using brokersim::scenarios::load_scenario_text;
using brokersim::scenarios::scenario_to_json;

TEST_CASE("scenarios: writer: every library scenario survives a round trip through JSON", "[scenarios]") {
  std::vector<std::string> files;
  for (auto const& entry : fs::recursive_directory_iterator(brokersim::testing::source_path("scenarios"))) {
    if (entry.path().extension() == ".json") files.push_back(entry.path().string());
  }
  files.push_back(brokersim::testing::source_path("tests/scenarios/good/every-key.json"));
  files.push_back(brokersim::testing::source_path("tests/scenarios/good/rabbitmq.json"));
  REQUIRE(files.size() > 10);
  for (std::string const& file : files) {
    INFO(file);
    auto const original = load_scenario_file(file);
    std::string const written = scenario_to_json(original).dump(2);
    auto const again = load_scenario_text(written, "written.json");
    CHECK(scenario_to_json(again).dump(2) == written);
    CHECK(again.faults.size() == original.faults.size());
    CHECK(again.duration == original.duration);
    CHECK(again.world.producers.size() == original.world.producers.size());
  }
}
