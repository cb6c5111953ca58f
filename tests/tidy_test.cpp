// Determinism guard: the simulator's sources use no source of nondeterminism. Wall clocks are allowed
// only where batch timings are taken (they go to timing.json and stderr, never into reports).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "support/run_program.h"

namespace fs = std::filesystem;

namespace {

// Every .cpp and .h of the simulator's folders (not the tests, not the benchmarks), by path.
std::map<std::string, std::string> simulator_sources() {
  std::map<std::string, std::string> sources;
  for (char const* folder : {"sim", "model", "jsonio", "faults", "scenarios", "checks", "reports", "cli"}) {
    for (auto const& entry : fs::recursive_directory_iterator(brokersim::testing::source_path(folder))) {
      std::string const extension = entry.path().extension().string();
      if (extension != ".cpp" && extension != ".h") continue;
      if (entry.path().string().find("/node_modules/") != std::string::npos) continue;
      sources[fs::relative(entry.path(), brokersim::testing::source_path("")).string()] =
          brokersim::testing::read_file(entry.path().string());
    }
  }
  return sources;
}

std::size_t count_matches(std::string const& text, std::regex const& pattern) {
  return static_cast<std::size_t>(std::distance(std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

}  // namespace

TEST_CASE("tidy: no random_device, wall clock, rand() or std:: distributions in the simulator", "[tidy]") {
  // Plain substrings. std:: engines and distributions are implementation-defined (libstdc++ and libc++
  // draw different numbers from one seed); so are std::shuffle and std::sample, which use whatever
  // distribution the library chose. std::hash and type_info::hash_code differ between libraries and
  // runs; boost::hash between Boost versions.
  char const* const banned[] = {"std::random_device", "system_clock", "steady_clock", "high_resolution_clock",
                                "rand(", "srand(", "time(nullptr)", "time(NULL)", "using namespace std", "std::hash<", "boost::hash", "hash_code(",
                                "std::shuffle", "std::random_shuffle", "std::sample", "std::ranges::shuffle",
                                "std::ranges::sample", "std::seed_seq", "std::generate_canonical", "#include <random>"};
  // Every std:: engine and distribution by shape: std::uniform_int_distribution, std::discrete_distribution,
  // std::piecewise_constant_distribution, std::mt19937_64, std::minstd_rand0, std::ranlux48_base,
  // std::knuth_b, std::default_random_engine, std::mersenne_twister_engine, ...
  std::regex const banned_shapes(
      R"(std::\s*(\w+_distribution\b|\w+_engine\b|mt19937|minstd_rand|ranlux\d|knuth_b|piecewise_\w+|independent_bits))");
  std::size_t files = 0;
  for (auto const& [path, text] : simulator_sources()) {
    ++files;
    std::string const name = fs::path(path).filename().string();
    for (char const* pattern : banned) {
      bool const allowed = name == "batch_command.cpp" && std::string(pattern) == "steady_clock";
      INFO(path << " uses " << pattern);
      CHECK((allowed || text.find(pattern) == std::string::npos));
    }
    std::smatch found;
    INFO(path << " uses a std:: random engine or distribution");
    CHECK_FALSE(std::regex_search(text, found, banned_shapes));
    if (!found.empty()) FAIL_CHECK(found.str());
  }
  CHECK(files > 50);
}

TEST_CASE("tidy: hash tables are only probed, never iterated into an output", "[tidy]") {
  // The iteration order of an unordered container follows std::hash and the library's bucket policy,
  // which differ between standard libraries. Each one below has been read and is only probed (find,
  // insert, erase), never iterated; a new one must be read too and added here, or be a std::map.
  std::map<std::string, std::size_t> const reviewed = {{"checks/ordering.cpp", 1}, {"checks/timestamps.cpp", 1},
                                                        {"model/rabbitmq/quorum.h", 1}};
  std::regex const declaration(R"(std::\s*unordered_(set|map|multiset|multimap)\s*<)");
  for (auto const& [path, text] : simulator_sources()) {
    auto const allowed = reviewed.find(path);
    INFO(path << " declares a hash table that nobody has checked is never iterated");
    CHECK(count_matches(text, declaration) <= (allowed == reviewed.end() ? 0 : allowed->second));
  }
}

TEST_CASE("tidy: every translation unit is compiled with -ffp-contract=off", "[tidy]") {
  // Without it GCC fuses multiply-adds on FMA targets and a run's bytes depend on the machine.
  std::string const text = brokersim::testing::read_file(std::string(BROKERSIM_BINARY_DIR) + "/compile_commands.json");
  REQUIRE_FALSE(text.empty());
  nlohmann::json const commands = nlohmann::json::parse(text);
  std::size_t units = 0;
  for (nlohmann::json const& unit : commands) {
    std::string const command = unit.contains("command") ? unit["command"].get<std::string>() : unit["arguments"].dump();
    ++units;
    INFO(unit["file"].get<std::string>());
    CHECK(command.find("-ffp-contract=off") != std::string::npos);
    CHECK(command.find("-ffast-math") == std::string::npos);
    CHECK(command.find("-Ofast") == std::string::npos);
  }
  CHECK(units > 50);
}

TEST_CASE("tidy: numbers reach outputs through locale-independent formatting", "[tidy]") {
  // printf's %f/%g/%e, std::to_string(double) and strtod follow LC_NUMERIC; a std::ostringstream formats
  // with the global C++ locale it was made under. sim/format.h has the replacements (format_fixed,
  // format_trimmed, TextStream); tests/reports/locale_test.cpp checks the bytes under a comma locale.
  char const* const banned[] = {"std::ostringstream", "std::stringstream", "std::stod", "std::stof", "std::stold",
                                "strtod", "strtof", "atof(", "setlocale", "std::locale::global", "std::put_money"};
  std::regex const float_printf(R"(printf\s*\([^;]*%[-+ #0-9.*]*l?[fFgGeEaA])");
  for (auto const& [path, text] : simulator_sources()) {
    if (path == "sim/format.h") continue;  // The replacements, which name what they replace.
    for (char const* pattern : banned) {
      INFO(path << " uses " << pattern);
      CHECK(text.find(pattern) == std::string::npos);
    }
    INFO(path << " formats a floating-point number with printf");
    CHECK_FALSE(std::regex_search(text, float_printf));
  }
}

TEST_CASE("tidy: no test name holds a semicolon (CTest's discovery would split it into two tests that run nothing)", "[tidy]") {
  std::regex const named_with_semicolon(R"re(TEST_CASE\("[^"]*;)re");
  std::size_t files = 0;
  for (auto const& entry : fs::recursive_directory_iterator(brokersim::testing::source_path("tests"))) {
    if (entry.path().extension() != ".cpp" || entry.path().string().find("/node_modules/") != std::string::npos) continue;
    ++files;
    INFO(entry.path().string());
    CHECK_FALSE(std::regex_search(brokersim::testing::read_file(entry.path().string()), named_with_semicolon));
  }
  CHECK(files > 30);
}
