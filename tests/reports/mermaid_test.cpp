// report.md's sequence diagrams are valid Mermaid, Kafka's and RabbitMQ's: each is rendered by Mermaid
// itself (the version pinned in tests/schema) in headless Chromium, as GitHub renders them.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/report_files.h"
#include "scenarios/loader.h"
#include "support/run_program.h"
#include "support/world_run.h"

namespace fs = std::filesystem;
using brokersim::testing::make_temp_dir;
using brokersim::testing::read_file;
using brokersim::testing::run_brokersim;
using brokersim::testing::source_path;

namespace {

std::vector<std::string> mermaid_blocks(std::string const& markdown) {
  std::vector<std::string> blocks;
  std::string const open = "```mermaid\n";
  for (std::size_t at = markdown.find(open); at != std::string::npos; at = markdown.find(open, at)) {
    std::size_t const start = at + open.size();
    std::size_t const end = markdown.find("```", start);
    blocks.push_back(markdown.substr(start, end - start));
    at = end;
  }
  return blocks;
}

}  // namespace

TEST_CASE("reports: markdown: every sequence diagram renders with Mermaid", "[reports][browser]") {
  std::string const dir = make_temp_dir("mermaid");
  std::vector<std::string> diagrams;
  for (char const* scenario : {"scenarios/kafka/acks1-leader-crash.json", "scenarios/kafka/commit-before-processing-consumer-crash.json",
                               "scenarios/kafka/producer-in-flight-reordering.json", "scenarios/kafka/auto-commit-consumer-crash.json",
                               "scenarios/incidents/clock-skew.json"}) {
    auto const run = run_brokersim({"run", source_path(scenario), "--out", dir + "/out", "--format", "md"});
    REQUIRE(run.exit_code == 1);
    for (std::string const& block : mermaid_blocks(read_file(dir + "/out/report.md"))) diagrams.push_back(block);
  }
  // RabbitMQ examples, through the library (the runner still refuses RabbitMQ scenarios).
  for (char const* scenario : {"tests/reports/fixtures/rabbitmq-autoack-crash.json", "tests/reports/fixtures/rabbitmq-dead-letter.json"}) {
    auto const report = brokersim::testing::traced_report(brokersim::scenarios::load_scenario_file(source_path(scenario)), 3);
    auto const blocks = mermaid_blocks(brokersim::reports::report_markdown(report));
    INFO(scenario);
    CHECK_FALSE(blocks.empty());
    diagrams.insert(diagrams.end(), blocks.begin(), blocks.end());
  }
  REQUIRE(diagrams.size() >= 7);
  std::string const mermaid = source_path("tests/schema/node_modules/mermaid/dist/mermaid.min.js");
  INFO("run scripts/install-deps --tests (npm ci in tests/schema) if " << mermaid << " is missing");
  REQUIRE(fs::exists(mermaid));
  std::ofstream(dir + "/page.html")
      << "<!DOCTYPE html><html><body><script src=\"file://" << mermaid << "\"></script><script>\n"
      << "const diagrams = " << nlohmann::json(diagrams).dump() << ";\n"
      << R"js(mermaid.initialize({startOnLoad: false});
(async () => {
  let rendered = 0;
  for (const [i, code] of diagrams.entries()) {
    try { await mermaid.render('diagram' + i, code); rendered++; }
    catch (e) { document.body.dataset.errors = (document.body.dataset.errors || '') + i + ': ' + e.message + ' | '; }
  }
  document.body.dataset.rendered = rendered;
})();
</script></body></html>
)js";
  std::string const command =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --allow-file-access-from-files --user-data-dir=" + dir +
      "/profile --virtual-time-budget=20000 --dump-dom file://" + dir + "/page.html > " + dir + "/dom.html 2>/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  std::string const dom = read_file(dir + "/dom.html");
  INFO(dom.substr(0, 2000));
  CHECK(dom.find("data-rendered=\"" + std::to_string(diagrams.size()) + "\"") != std::string::npos);
  CHECK(dom.find("data-errors") == std::string::npos);
  fs::remove_all(dir);
}
