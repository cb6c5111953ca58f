// `brokersim run`: one scenario, one seed, its reports.
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/runner.h"
#include "faults/injector.h"
#include "reports/report_files.h"
#include "scenarios/loader.h"

namespace brokersim::cli {

namespace {

// The formats asked for with --format; report.json is written whatever is asked.
reports::ReportFormats parse_formats(std::optional<std::string> const& text) {
  if (!text) return reports::ReportFormats::all();
  reports::ReportFormats formats;
  std::istringstream list(*text);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name == "json") continue;
    if (name == "md") {
      formats.markdown = true;
    } else if (name == "html") {
      formats.html = true;
    } else if (name == "junit") {
      formats.junit = true;
    } else {
      throw UsageError("option --format: expected a comma-separated list of json, md, html, junit; got \"" +
                       name + "\"");
    }
  }
  return formats;
}

void print_summary(reports::Report const& report, std::string const& directory, std::ostream& out) {
  auto const& v = report.violations;
  auto const& m = report.metrics;
  out << report.scenario_name << " seed " << report.seed << ": " << (report.passed() ? "PASS" : "FAIL");
  if (!report.passed()) {
    out << " (broken:";
    for (std::string const& name : report.broken) out << " " << name;
    out << ")";
  }
  out << "\n  produced " << m.produced << ", acked " << m.acked << ", processed " << m.processed
      << "; lost " << v.lost << ", skipped " << v.skipped << ", unprocessed " << v.unprocessed
      << ", dead-lettered " << v.dead_lettered << ", duplicate " << v.duplicate << ", reordered " << v.reordered
      << "\n  reports in " << directory << "/\n";
}

}  // namespace

int run_command(Arguments const& arguments, Streams& streams) {
  if (arguments.operands.size() != 1) throw UsageError("run takes exactly one scenario file (see brokersim run --help)");
  // Everything the user typed is checked before anything runs or is written.
  reports::ReportFormats const formats = parse_formats(arguments.option("format"));
  std::optional<std::uint64_t> seed_option;
  if (auto const seed_text = arguments.option("seed")) seed_option = parse_unsigned("seed", *seed_text);
  std::string const directory = arguments.option("out").value_or("out");
  if (directory.empty()) throw UsageError("option --out: expected a directory, got \"\"");
  scenarios::Scenario const scenario = scenarios::load_scenario_file(arguments.operands[0]);
  ensure_runnable(scenario);

  std::uint64_t const seed = seed_option.value_or(scenario.seed);
  reports::Report const report = run_scenario(scenario, seed);
  try {
    write_output_files(directory, reports::render_reports(report, formats));
  } catch (std::runtime_error const& error) {
    streams.err << "brokersim: " << error.what() << "\n";
    return kExitBadInput;
  }
  print_summary(report, directory, streams.out);
  return report.passed() ? kExitHeld : kExitViolations;
}

}  // namespace brokersim::cli
