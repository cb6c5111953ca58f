// Writes the scenarios the properties' generators draw, each with the seed a property would run it with,
// so that a refactoring can show that it changed neither what is generated nor what a run of it reports
// (scripts/compare-reports). Hidden: it runs only when asked for by its tag.
#include <catch2/catch.hpp>
#include <rapidcheck.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "properties/property_options.h"
#include "properties/scenario_gen.h"
#include "sim/digest.h"

TEST_CASE("properties: export the generated cases to $BROKERSIM_EXPORT_CASES", "[.export]") {
  char const* directory = std::getenv("BROKERSIM_EXPORT_CASES");
  REQUIRE(directory != nullptr);
  char const* count_text = std::getenv("BROKERSIM_EXPORT_COUNT");
  int const count = count_text != nullptr ? std::atoi(count_text) : 20;
  std::filesystem::create_directories(directory);
  for (auto const& [name, options] : brokersim::testing::property_option_sets()) {
    auto const generator = rc::gen::exec([&options = options] {
      auto json = brokersim::testing::gen_scenario_json(options);
      json["seed"] = *rc::gen::inRange<std::uint64_t>(1, 1000000);
      return json;
    });
    for (int i = 0; i < count; ++i) {
      // Sizes sweep RapidCheck's range (0-100), as a property's cases do.
      rc::Random const random(brokersim::sim::content_hash(name + "#" + std::to_string(i)));
      auto const json = generator(random, (i * 37) % 101).value();
      std::ofstream out(std::string(directory) + "/" + name + "-" + std::to_string(i) + ".json");
      out << json.dump(2) << "\n";
      REQUIRE(out.good());
    }
  }
}
