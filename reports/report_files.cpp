#include "reports/report_files.h"

#include <sstream>

#include "reports/report_json.h"
#include "reports/report_tables.h"
#include "reports/sequence.h"
#include "reports/time_series.h"
#include "reports/web_assets.h"
#include "sim/format.h"

namespace brokersim::reports {

namespace {

std::string escape_markdown_cell(std::string const& text) {
  std::string escaped;
  for (char const c : text) {
    if (c == '|') escaped += "\\|";
    else if (c == '\n') escaped += ' ';
    else escaped += c;
  }
  return escaped;
}


void markdown_table(std::ostream& out, char const* first, char const* second, std::vector<Row> const& rows) {
  out << "| " << first << " | " << second << " |\n|---|---:|\n";
  for (Row const& row : rows) out << "| " << escape_markdown_cell(row.label) << " | " << escape_markdown_cell(row.value) << " |\n";
  out << "\n";
}

void html_table(std::ostream& out, char const* first, char const* second, std::vector<Row> const& rows) {
  out << "<table><thead><tr><th>" << first << "</th><th>" << second << "</th></tr></thead><tbody>\n";
  for (Row const& row : rows) {
    out << "<tr><td>" << escape_markup(row.label) << "</td><td class=\"n\">" << escape_markup(row.value) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
}

// Charts over simulated time (uPlot, inlined), fault windows shaded. The page sets
// data-charts-rendered on <body> when they are drawn and data-errors if a script failed, so a headless
// browser can check it.
void html_charts(std::ostream& out, Report const& report) {
  out << "<h2>Over time</h2>\n<p>Per second of simulated time; shaded bands are faults."
      << (report.series.queues.empty() ? "" : " Queue depth shows, per queue, the most ready and the most unacknowledged messages it held in each second.")
      << "</p>\n<div id=\"chart-throughput\" class=\"chart\"></div><div id=\"chart-lag\" class=\"chart\"></div>"
      << (report.series.queues.empty() ? "" : "<div id=\"chart-depth\" class=\"chart\"></div>")
      << "<div id=\"chart-attempts\" class=\"chart\"></div><div id=\"chart-load\" class=\"chart\"></div>\n"
      << "<style>" << uplot_css() << ".chart{margin:1em 0}</style>\n"
      << "<script>window.addEventListener('error',function(e){document.body.dataset.errors=(document.body.dataset.errors||'')+e.message+';';});</script>\n"
      << "<script>" << uplot_js() << "</script>\n"
      << "<script>\nconst series = " << time_series_to_json(report.series).dump() << ";\n"
      << R"js(const seconds = series.produced.map((_, i) => i);
function shadeFaults(u) {
  const ctx = u.ctx;
  ctx.save();
  ctx.fillStyle = 'rgba(200, 40, 40, 0.13)';
  for (const f of series.faults) {
    const x0 = u.valToPos(f.from_ms / 1000, 'x', true);
    const x1 = u.valToPos(f.to_ms / 1000, 'x', true);
    ctx.fillRect(x0, u.bbox.top, Math.max(x1 - x0, 2), u.bbox.height);
  }
  ctx.restore();
}
const palette = ['#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#d62728', '#8c564b'];
function chart(id, title, names, columns) {
  const opts = {
    title: title, width: 900, height: 260,
    scales: {x: {time: false}},
    axes: [{label: 'simulated seconds'}, {}],
    series: [{label: 's'}].concat(names.map((name, i) => ({label: name, stroke: palette[i % palette.length], width: 1.5}))),
    hooks: {drawClear: [shadeFaults]},
  };
  new uPlot(opts, [seconds].concat(columns), document.getElementById(id));
}
chart('chart-throughput', 'Throughput (messages per second)', ['produced', 'acked', 'processed'],
      [series.produced, series.acked, series.processed]);
const groups = Object.keys(series.consumer_lag);
chart('chart-lag', 'Consumer lag (messages)', groups.length ? groups : ['none'],
      groups.length ? groups.map(g => series.consumer_lag[g]) : [seconds.map(() => 0)]);
const queues = Object.keys(series.queue_depth || {});
if (queues.length) {
  // RabbitMQ queues: ready and unacknowledged messages, the highest of each in every second.
  chart('chart-depth', 'Queue depth (messages ready and unacknowledged)', queues.flatMap(q => [q + ' ready', q + ' unacked']),
        queues.flatMap(q => [series.queue_depth[q].ready, series.queue_depth[q].unacked]));
}
chart('chart-attempts', 'Processing attempts and first effects per second', ['attempts', 'processed'],
      [series.attempts, series.processed]);
const services = Object.keys(series.services);
if (services.length) {
  // Calls per second against capacity: above 1 the service refuses calls.
  chart('chart-load', 'Downstream load (calls per second / capacity)', services,
        services.map(s => series.services[s].calls.map(c => series.services[s].capacity_per_s > 0 ? c / series.services[s].capacity_per_s : 0)));
}
document.body.dataset.chartsRendered = document.querySelectorAll('.uplot').length;
)js" << "</script>\n";
}

std::string verdict_word(Report const& report) { return report.passed() ? "PASS" : "FAIL"; }

std::string broken_list(Report const& report) {
  std::string text;
  for (std::string const& name : report.broken) text += (text.empty() ? "" : ", ") + name;
  return text;
}

}  // namespace

std::string replay_command(Report const& report) {
  return "brokersim run " + report.scenario_file + " --seed " + std::to_string(report.seed);
}

std::string report_markdown(Report const& report) {
  sim::TextStream out;
  out << "# " << escape_markdown_cell(report.scenario_name) << ": " << verdict_word(report) << "\n\n";
  out << "Seed " << report.seed << ", scenario file `" << report.scenario_file << "`. Replay: `"
      << replay_command(report) << "`\n\n";
  if (!report.passed()) out << "**Broken expectations:** " << broken_list(report) << "\n\n";
  out << "## Expectations\n\n";
  std::vector<Row> const expectations = expectation_rows(report);
  if (expectations.empty()) out << "None declared: the counts below are for information.\n\n";
  else markdown_table(out, "expectation", "result", expectations);
  out << "## Violations\n\n";
  markdown_table(out, "kind", "messages", violation_rows(report.violations));
  out << "## Metrics\n\n";
  markdown_table(out, "metric", "value", metric_rows(report.metrics));
  std::string shown_kind;
  for (Example const& example : report.examples) {
    out << "## Example: " << example.kind << "\n\n" << "Message `" << example.message << "` " << example_location(example) << ": "
        << example.cause << "\n\n";
    if (example.kind != shown_kind) {
      // One diagram per violation kind: the first example's life.
      out << mermaid_sequence(sequence_of(example)) << "\n";
      shown_kind = example.kind;
    }
    out << "| t (ms) | node | event | detail |\n|---:|---|---|---|\n";
    for (TimelineEntry const& entry : example.timeline) {
      out << "| " << format_number(sim::time_to_ms(entry.at)) << " | " << escape_markdown_cell(entry.node) << " | "
          << escape_markdown_cell(entry.event) << " | " << escape_markdown_cell(entry.detail) << " |\n";
    }
    out << "\n";
  }
  return out.str();
}

std::string report_html(Report const& report) {
  sim::TextStream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
      << escape_markup(report.scenario_name) << ": " << verdict_word(report) << "</title>\n"
      << "<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;"
         "text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#17692b}"
         ".fail{color:#b3261e}code{background:#f3f3f3;padding:0 .2em}</style></head><body>\n";
  out << "<h1>" << escape_markup(report.scenario_name) << ": <span class=\"" << (report.passed() ? "pass" : "fail")
      << "\">" << verdict_word(report) << "</span></h1>\n";
  out << "<p>Seed " << report.seed << ", scenario file <code>" << escape_markup(report.scenario_file)
      << "</code>. Replay: <code>" << escape_markup(replay_command(report)) << "</code></p>\n";
  if (!report.passed()) out << "<p><strong>Broken expectations:</strong> " << escape_markup(broken_list(report)) << "</p>\n";
  out << "<h2>Expectations</h2>\n";
  std::vector<Row> const expectations = expectation_rows(report);
  if (expectations.empty()) out << "<p>None declared: the counts below are for information.</p>\n";
  else html_table(out, "expectation", "result", expectations);
  out << "<h2>Violations</h2>\n";
  html_table(out, "kind", "messages", violation_rows(report.violations));
  out << "<h2>Metrics</h2>\n";
  html_table(out, "metric", "value", metric_rows(report.metrics));
  html_charts(out, report);
  for (Example const& example : report.examples) {
    out << "<h2>Example: " << escape_markup(example.kind) << "</h2>\n<p>Message <code>" << escape_markup(example.message)
        << "</code> " << escape_markup(example_location(example)) << ": "
        << escape_markup(example.cause) << "</p>\n" << svg_sequence(sequence_of(example))
        << "<table><thead><tr><th>t (ms)</th><th>node</th><th>event</th>"
        << "<th>detail</th></tr></thead><tbody>\n";
    for (TimelineEntry const& entry : example.timeline) {
      out << "<tr><td class=\"n\">" << format_number(sim::time_to_ms(entry.at)) << "</td><td>" << escape_markup(entry.node)
          << "</td><td>" << escape_markup(entry.event) << "</td><td>" << escape_markup(entry.detail) << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
  }
  out << "</body></html>\n";
  return out.str();
}

std::string report_junit(Report const& report) {
  sim::TextStream out;
  int const failures = report.passed() ? 0 : 1;
  std::string const name = report.scenario_name + " seed " + std::to_string(report.seed);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"brokersim\" tests=\"1\" failures=\"" << failures << "\">\n"
      << "  <testsuite name=\"" << escape_markup(report.scenario_file) << "\" tests=\"1\" failures=\"" << failures
      << "\">\n    <testcase classname=\"brokersim." << escape_markup(report.scenario_name) << "\" name=\""
      << escape_markup(name) << "\">\n";
  if (!report.passed()) {
    out << "      <failure type=\"expectation\" message=\"broken: " << escape_markup(broken_list(report)) << "\">"
        << escape_markup("broken expectations: " + broken_list(report) + "\nreplay: " + replay_command(report))
        << "</failure>\n";
  }
  out << "    </testcase>\n  </testsuite>\n</testsuites>\n";
  return out.str();
}

std::vector<std::pair<std::string, std::string>> render_reports(Report const& report, ReportFormats formats) {
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("report.json", report_json_text(report));
  if (formats.markdown) files.emplace_back("report.md", report_markdown(report));
  if (formats.html) files.emplace_back("report.html", report_html(report));
  if (formats.junit) files.emplace_back("junit.xml", report_junit(report));
  return files;
}

}  // namespace brokersim::reports
