#include "reports/summary.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "brokersim_version.h"
#include "reports/report_files.h"
#include "reports/report_json.h"
#include "reports/report_tables.h"
#include "sim/digest.h"
#include "sim/format.h"

namespace brokersim::reports {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::size_t kHeaviestShown = 10;

Violations violations_from(json const& j) {
  Violations v;
  v.lost = j.at("lost").get<std::uint64_t>();
  v.skipped = j.at("skipped").get<std::uint64_t>();
  v.unprocessed = j.at("unprocessed").get<std::uint64_t>();
  v.dead_lettered = j.at("dead_lettered").get<std::uint64_t>();
  v.dropped = j.at("dropped").get<std::uint64_t>();
  v.duplicate = j.at("duplicate").get<std::uint64_t>();
  v.reordered = j.at("reordered").get<std::uint64_t>();
  v.timestamp_inversion = j.at("timestamp_inversion").get<std::uint64_t>();
  return v;
}

void add(Violations& total, Violations const& v) {
  total.lost += v.lost;
  total.skipped += v.skipped;
  total.unprocessed += v.unprocessed;
  total.dead_lettered += v.dead_lettered;
  total.dropped += v.dropped;
  total.duplicate += v.duplicate;
  total.reordered += v.reordered;
  total.timestamp_inversion += v.timestamp_inversion;
}

// Per scenario file, in file order.
struct ScenarioTotals {
  std::string name;
  std::uint64_t runs = 0;
  std::uint64_t failed = 0;
  std::vector<std::uint64_t> failed_seeds;
  Violations violations;
};

std::map<std::string, ScenarioTotals> per_scenario(Summary const& summary) {
  std::map<std::string, ScenarioTotals> totals;
  for (RunRecord const& run : summary.runs) {
    ScenarioTotals& t = totals[run.file];
    t.name = run.scenario;
    ++t.runs;
    if (!run.passed) {
      ++t.failed;
      t.failed_seeds.push_back(run.seed);
    }
    add(t.violations, run.violations);
  }
  return totals;
}

std::vector<RunRecord const*> heaviest(Summary const& summary) {
  std::vector<RunRecord const*> runs;
  for (RunRecord const& run : summary.runs) runs.push_back(&run);
  std::stable_sort(runs.begin(), runs.end(), [](auto const* a, auto const* b) { return a->events > b->events; });
  if (runs.size() > kHeaviestShown) runs.resize(kHeaviestShown);
  return runs;
}

std::string broken_text(std::vector<std::string> const& broken) {
  std::string text;
  for (std::string const& name : broken) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// What went wrong with a failing run: its broken expectations, or the error that stopped it.
std::string failure_text(RunRecord const& run) { return run.error.empty() ? broken_text(run.broken) : "error: " + run.error; }


}  // namespace

RunRecord record_of(Report const& report) {
  RunRecord record;
  record.scenario = report.scenario_name;
  record.file = report.scenario_file;
  record.seed = report.seed;
  record.passed = report.passed();
  record.broken = report.broken;
  record.violations = report.violations;
  record.events = report.metrics.events;
  record.produced = report.metrics.produced;
  record.p99_latency_ms = report.metrics.latency.p99_ms;
  return record;
}

std::uint64_t Summary::failed() const {
  return static_cast<std::uint64_t>(std::count_if(runs.begin(), runs.end(), [](auto const& r) { return !r.passed; }));
}

std::uint64_t Summary::errors() const {
  return static_cast<std::uint64_t>(std::count_if(runs.begin(), runs.end(), [](auto const& r) { return !r.error.empty(); }));
}

std::string replay_command(std::string const& file, std::uint64_t seed) {
  return "brokersim run " + file + " --seed " + std::to_string(seed);
}

namespace {

// summary.json without its last member, the records.
ordered_json summary_head(Summary const& summary) {
  ordered_json out;
  out["brokersim_version"] = BROKERSIM_VERSION;
  ordered_json files = ordered_json::array();
  for (ScenarioFile const& file : summary.scenario_files) {
    files.push_back(ordered_json{{"file", file.file}, {"content_hash", sim::hex64(file.content_hash)}});
  }
  out["scenario_files"] = std::move(files);
  out["seeds"] = summary.seeds;
  out["runs"] = summary.runs.size();
  out["planned_runs"] = summary.planned_runs;
  out["verdicts"] = ordered_json{{"pass", summary.runs.size() - summary.failed()}, {"fail", summary.failed()}};
  Violations total;
  for (RunRecord const& run : summary.runs) add(total, run.violations);
  out["violations"] = violations_to_json(total);
  ordered_json scenarios = ordered_json::array();
  for (auto const& [file, t] : per_scenario(summary)) {
    scenarios.push_back(ordered_json{{"name", t.name}, {"file", file}, {"runs", t.runs}, {"pass", t.runs - t.failed},
                                     {"fail", t.failed}, {"failed_seeds", t.failed_seeds}, {"violations", violations_to_json(t.violations)}});
  }
  out["scenarios"] = std::move(scenarios);
  ordered_json failures = ordered_json::array();
  for (RunRecord const& run : summary.runs) {
    if (run.passed) continue;
    failures.push_back(ordered_json{{"scenario", run.scenario}, {"file", run.file}, {"seed", run.seed},
                                    {"broken", run.broken}, {"replay", replay_command(run.file, run.seed)}});
    if (!run.error.empty()) failures.back()["error"] = run.error;
  }
  out["failures"] = std::move(failures);
  ordered_json heavy = ordered_json::array();
  for (RunRecord const* run : heaviest(summary)) {
    heavy.push_back(ordered_json{{"scenario", run->scenario}, {"file", run->file}, {"seed", run->seed}, {"events", run->events}});
  }
  out["heaviest"] = std::move(heavy);
  return out;
}

ordered_json record_to_json(RunRecord const& run) {
  ordered_json record{{"file", run.file}, {"scenario", run.scenario}, {"seed", run.seed}, {"passed", run.passed},
                      {"broken", run.broken}, {"violations", violations_to_json(run.violations)},
                      {"events", run.events}, {"produced", run.produced}, {"p99_latency_ms", run.p99_latency_ms}};
  if (!run.error.empty()) record["error"] = run.error;
  return record;
}

}  // namespace

void dump_with_array(std::ostream& out, ordered_json head, std::string const& key, std::size_t count,
                     std::function<ordered_json(std::size_t)> const& element) {
  head[key] = ordered_json::array();
  std::string const text = head.dump(2);
  if (count == 0) {
    out << text;
    return;
  }
  // The dump ends with the empty array and the object's close.
  out << std::string_view(text).substr(0, text.size() - std::string_view("[]\n}").size()) << "[\n";
  for (std::size_t i = 0; i < count; ++i) {
    // An element of a member sits two levels deep: each of its lines is indented four more spaces.
    std::string indented = "    ";
    for (char const c : element(i).dump(2)) {
      indented += c;
      if (c == '\n') indented += "    ";
    }
    out << indented << (i + 1 < count ? ",\n" : "\n");
  }
  out << "  ]\n}";
}

ordered_json summary_to_json(Summary const& summary) {
  ordered_json out = summary_head(summary);
  ordered_json records = ordered_json::array();
  for (RunRecord const& run : summary.runs) records.push_back(record_to_json(run));
  out["records"] = std::move(records);
  return out;
}

void write_summary_json(Summary const& summary, std::ostream& out) {
  dump_with_array(out, summary_head(summary), "records", summary.runs.size(),
                  [&](std::size_t i) { return record_to_json(summary.runs[i]); });
}

Summary summary_from_json(json const& in) {
  try {
    Summary summary;
    summary.brokersim_version = in.at("brokersim_version").get<std::string>();
    for (json const& f : in.at("scenario_files")) {
      std::string const hash = f.at("content_hash").get<std::string>();
      std::uint64_t value = 0;
      auto const [end, error] = std::from_chars(hash.data(), hash.data() + hash.size(), value, 16);
      if (error != std::errc() || end != hash.data() + hash.size() || hash.size() != 16) {
        throw std::runtime_error("not a brokersim summary.json: content_hash \"" + hash + "\" is not 16 hex digits");
      }
      summary.scenario_files.push_back(ScenarioFile{f.at("file").get<std::string>(), value});
    }
    summary.seeds = in.at("seeds").get<std::string>();
    summary.planned_runs = in.at("planned_runs").get<std::uint64_t>();
    for (json const& r : in.at("records")) {
      RunRecord run;
      run.file = r.at("file").get<std::string>();
      run.scenario = r.at("scenario").get<std::string>();
      run.seed = r.at("seed").get<std::uint64_t>();
      run.passed = r.at("passed").get<bool>();
      run.broken = r.at("broken").get<std::vector<std::string>>();
      run.violations = violations_from(r.at("violations"));
      run.events = r.at("events").get<std::uint64_t>();
      run.produced = r.at("produced").get<std::uint64_t>();
      run.p99_latency_ms = r.at("p99_latency_ms").get<double>();
      if (r.contains("error")) run.error = r.at("error").get<std::string>();
      summary.runs.push_back(std::move(run));
    }
    return summary;
  } catch (nlohmann::json::exception const& error) {
    throw std::runtime_error(std::string("not a brokersim summary.json: ") + error.what());
  }
}

std::string summary_markdown(Summary const& summary) {
  sim::TextStream out;
  std::uint64_t const failed = summary.failed();
  out << "# brokersim batch: " << (failed == 0 ? "PASS" : "FAIL") << "\n\n"
      << summary.runs.size() << " runs (" << summary.seeds << "), " << failed << " broke an expectation.\n\n";
  out << "## Scenarios\n\n| scenario | file | runs | pass | fail | lost | skipped | unprocessed | dead-lettered | dropped | duplicate | reordered |\n"
      << "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (auto const& [file, t] : per_scenario(summary)) {
    auto const& v = t.violations;
    out << "| " << t.name << " | `" << file << "` | " << t.runs << " | " << t.runs - t.failed << " | " << t.failed << " | "
        << v.lost << " | " << v.skipped << " | " << v.unprocessed << " | " << v.dead_lettered << " | " << v.dropped << " | " << v.duplicate << " | "
        << v.reordered << " |\n";
  }
  if (failed > 0) {
    out << "\n## Failing runs\n\n| scenario | seed | broken | replay |\n|---|---:|---|---|\n";
    for (RunRecord const& run : summary.runs) {
      if (!run.passed) out << "| " << run.scenario << " | " << run.seed << " | " << failure_text(run) << " | `" << replay_command(run.file, run.seed) << "` |\n";
    }
  }
  out << "\n## Heaviest runs\n\n| scenario | seed | simulated events |\n|---|---:|---:|\n";
  for (RunRecord const* run : heaviest(summary)) out << "| " << run->scenario << " | " << run->seed << " | " << run->events << " |\n";
  return out.str();
}

std::string summary_html(Summary const& summary) {
  sim::TextStream out;
  std::uint64_t const failed = summary.failed();
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>brokersim batch</title>\n"
      << "<style>body{font:15px/1.45 system-ui,sans-serif;max-width:72em;margin:2em auto;padding:0 1em;color:#222}"
         "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
         "td.n{text-align:right}.pass{color:#17692b}.fail{color:#b3261e}code{background:#f3f3f3;padding:0 .2em}</style>"
         "</head><body>\n";
  out << "<h1>brokersim batch: <span class=\"" << (failed == 0 ? "pass\">PASS" : "fail\">FAIL") << "</span></h1>\n<p>"
      << summary.runs.size() << " runs (" << escape_markup(summary.seeds) << "), " << failed << " broke an expectation.</p>\n";
  out << "<h2>Scenarios</h2>\n<table><tr><th>scenario</th><th>file</th><th>runs</th><th>pass</th><th>fail</th><th>lost</th>"
         "<th>skipped</th><th>unprocessed</th><th>dead-lettered</th><th>dropped</th><th>duplicate</th><th>reordered</th></tr>\n";
  for (auto const& [file, t] : per_scenario(summary)) {
    auto const& v = t.violations;
    out << "<tr><td>" << escape_markup(t.name) << "</td><td><code>" << escape_markup(file) << "</code></td><td class=\"n\">" << t.runs
        << "</td><td class=\"n\">" << t.runs - t.failed << "</td><td class=\"n\">" << t.failed << "</td><td class=\"n\">" << v.lost
        << "</td><td class=\"n\">" << v.skipped << "</td><td class=\"n\">" << v.unprocessed << "</td><td class=\"n\">"
        << v.dead_lettered << "</td><td class=\"n\">" << v.dropped << "</td><td class=\"n\">" << v.duplicate << "</td><td class=\"n\">" << v.reordered << "</td></tr>\n";
  }
  out << "</table>\n";
  if (failed > 0) {
    out << "<h2>Failing runs</h2>\n<table><tr><th>scenario</th><th>seed</th><th>broken</th><th>replay</th></tr>\n";
    for (RunRecord const& run : summary.runs) {
      if (run.passed) continue;
      out << "<tr><td>" << escape_markup(run.scenario) << "</td><td class=\"n\">" << run.seed << "</td><td>"
          << escape_markup(failure_text(run)) << "</td><td><code>" << escape_markup(replay_command(run.file, run.seed))
          << "</code></td></tr>\n";
    }
    out << "</table>\n";
  }
  out << "</body></html>\n";
  return out.str();
}

std::string summary_junit(Summary const& summary) {
  sim::TextStream out;
  auto const totals = per_scenario(summary);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"brokersim\" tests=\"" << summary.runs.size()
      << "\" failures=\"" << summary.failed() << "\">\n";
  for (auto const& [file, t] : totals) {
    out << "  <testsuite name=\"" << escape_markup(file) << "\" tests=\"" << t.runs << "\" failures=\"" << t.failed << "\">\n";
    for (RunRecord const& run : summary.runs) {
      if (run.file != file) continue;
      out << "    <testcase classname=\"brokersim." << escape_markup(run.scenario) << "\" name=\""
          << escape_markup(run.scenario + " seed " + std::to_string(run.seed)) << "\"";
      if (run.passed) {
        out << "/>\n";
        continue;
      }
      if (!run.error.empty()) {
        // JUnit's <error>: the test itself could not complete, as opposed to a <failure> of what it checks.
        std::string const text = "error: " + run.error + "\nreplay: " + replay_command(run.file, run.seed);
        out << ">\n      <error type=\"internal\" message=\"" << escape_markup(run.error) << "\">" << escape_markup(text)
            << "</error>\n    </testcase>\n";
        continue;
      }
      std::string const text = "broken expectations: " + broken_text(run.broken) + "\nreplay: " + replay_command(run.file, run.seed);
      out << ">\n      <failure type=\"expectation\" message=\"broken: " << escape_markup(broken_text(run.broken)) << "\">"
          << escape_markup(text) << "</failure>\n    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

}  // namespace brokersim::reports
