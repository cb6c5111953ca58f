// report.md gives every violation kind a run found its own example with a Mermaid sequence diagram of that
// message's life: checked over library scenarios that between them break every kind.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "support/run_program.h"

namespace fs = std::filesystem;
using brokersim::testing::make_temp_dir;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;
using brokersim::testing::source_path;

namespace {

// The text of section `heading` of `markdown` (up to the next "## " heading), or "" when it has none.
std::string section(std::string const& markdown, std::string const& heading) {
  std::size_t const start = markdown.find("\n" + heading + "\n");
  if (start == std::string::npos) return "";
  std::size_t const end = markdown.find("\n## ", start + heading.size() + 1);
  return markdown.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

TEST_CASE("reports: markdown: each violation kind found has an example with a sequence diagram", "[reports]") {
  std::string const dir = make_temp_dir("markdown");
  std::set<std::string> kinds_seen;
  for (char const* scenario : {"scenarios/kafka/acks1-leader-crash.json", "scenarios/kafka/commit-before-processing-consumer-crash.json",
                               "scenarios/kafka/auto-commit-consumer-crash.json", "scenarios/kafka/producer-in-flight-reordering.json",
                               "scenarios/incidents/clock-skew.json", "scenarios/incidents/retry-storm.json",
                               "scenarios/incidents/poison-message.json"}) {
    INFO(scenario);
    auto const run = run_brokersim({"run", source_path(scenario), "--out", dir + "/out", "--format", "json,md"});
    REQUIRE(run.exit_code == 1);
    auto const report = nlohmann::json::parse(read_file(dir + "/out/report.json"));
    std::string const markdown = read_file(dir + "/out/report.md");
    for (auto const& [kind, count] : report["violations"].items()) {
      if (count.get<std::uint64_t>() == 0) continue;
      INFO(kind);
      kinds_seen.insert(kind);
      std::string const example = section(markdown, "## Example: " + kind);
      REQUIRE_FALSE(example.empty());
      CHECK(example.find("```mermaid\nsequenceDiagram\n") != std::string::npos);
    }
  }
  CHECK(kinds_seen == std::set<std::string>{"lost", "skipped", "unprocessed", "dead_lettered", "duplicate", "reordered",
                                             "timestamp_inversion"});
  fs::remove_all(dir);
}
