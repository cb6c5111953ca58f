// report.html in a real browser: headless Chromium (Debian's chromium package) opens the file offline,
// the charts must render and no script may fail.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

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

// Loads the page in headless Chromium with the network disabled and returns its DOM after scripts ran;
// Chromium's console goes to `log`.
std::string rendered_dom(std::string const& page, std::string const& dir, std::string const& log) {
  std::string const command =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --proxy-server=127.0.0.1:9 "
      "--user-data-dir=" + dir + "/profile --virtual-time-budget=5000 --enable-logging=stderr --v=0 --dump-dom file://" +
      page + " > " + dir + "/dom.html 2> " + log;
  int const status = std::system(command.c_str());
  INFO("chromium exit status " << status << "; is Debian's chromium installed (scripts/install-deps --tests)?");
  REQUIRE(status == 0);
  return read_file(dir + "/dom.html");
}

}  // namespace

TEST_CASE("reports: html: the charts render in headless Chromium with no script error, offline", "[reports][browser]") {
  std::string const dir = make_temp_dir("html");
  auto const run = run_brokersim({"run", source_path("scenarios/kafka/acks1-leader-crash.json"), "--out", dir + "/out"});
  REQUIRE(run.exit_code == 1);
  std::string const page = dir + "/out/report.html";
  std::string const html = read_file(page);
  // Self-contained: nothing is fetched from anywhere.
  CHECK(html.find("<script src=") == std::string::npos);
  CHECK(html.find("<link ") == std::string::npos);
  CHECK(html.find("<svg class=\"sequence\"") != std::string::npos);
  std::string const dom = rendered_dom(page, dir, dir + "/console.log");
  CHECK(dom.find("data-charts-rendered=\"3\"") != std::string::npos);
  CHECK(dom.find("data-errors") == std::string::npos);
  CHECK(dom.find("class=\"uplot") != std::string::npos);
  std::string const console = read_file(dir + "/console.log");
  CHECK(console.find("Uncaught") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("reports: html: a RabbitMQ report's queue-depth chart renders in headless Chromium too", "[reports][browser][rabbitmq]") {
  std::string const dir = make_temp_dir("html-rabbitmq");
  // Through the library: the runner still refuses RabbitMQ scenarios.
  auto const report = brokersim::testing::traced_report(
      brokersim::scenarios::load_scenario_file(source_path("tests/reports/fixtures/rabbitmq-autoack-crash.json")), 3);
  std::string const page = dir + "/report.html";
  std::ofstream(page) << brokersim::reports::report_html(report);
  std::string const dom = rendered_dom(page, dir, dir + "/console.log");
  CHECK(dom.find("data-charts-rendered=\"4\"") != std::string::npos);  // Throughput, lag, queue depth, attempts.
  CHECK(dom.find("data-errors") == std::string::npos);
  CHECK(dom.find("Queue depth (messages ready and unacknowledged)") != std::string::npos);
  CHECK(dom.find("orders-q unacked") != std::string::npos);
  std::string const console = read_file(dir + "/console.log");
  CHECK(console.find("Uncaught") == std::string::npos);
  fs::remove_all(dir);
}
