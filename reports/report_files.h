// Renders a report into the files `brokersim run` writes: report.json and the formats asked for.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "reports/report.h"

namespace brokersim::reports {

struct ReportFormats {
  bool markdown = false;
  bool html = false;
  bool junit = false;
  static ReportFormats all() { return {true, true, true}; }
};

// (file name, content) pairs: report.json always, then report.md, report.html and junit.xml as asked.
std::vector<std::pair<std::string, std::string>> render_reports(Report const& report, ReportFormats formats);

std::string report_markdown(Report const& report);
std::string report_html(Report const& report);
std::string report_junit(Report const& report);

// The command that replays this run exactly.
std::string replay_command(Report const& report);

}  // namespace brokersim::reports
