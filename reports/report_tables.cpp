#include "reports/report_tables.h"

#include <algorithm>
#include <cmath>

#include "reports/report_json.h"
#include "sim/format.h"

namespace brokersim::reports {

std::string escape_markup(std::string const& text) {
  std::string escaped;
  for (char const c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&#39;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string format_number(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15) return sim::format_fixed(value, 0);
  return sim::format_trimmed(value, 3);
}

std::string ms_text(sim::Time at) { return format_number(sim::time_to_ms(at)) + " ms"; }

std::vector<Row> violation_rows(Violations const& v) {
  auto count = [](std::uint64_t n) { return std::to_string(n); };
  return {{"lost", count(v.lost)},
          {"skipped", count(v.skipped)},
          {"unprocessed", count(v.unprocessed)},
          {"dead_lettered", count(v.dead_lettered)},
          {"dropped", count(v.dropped)},
          {"duplicate", count(v.duplicate)},
          {"reordered", count(v.reordered)},
          {"timestamp_inversion", count(v.timestamp_inversion)}};
}

std::vector<Row> metric_rows(Metrics const& m) {
  auto count = [](std::uint64_t n) { return std::to_string(n); };
  std::vector<Row> rows{{"produced", count(m.produced)},
          {"acked", count(m.acked)},
          {"send_failed", count(m.send_failed)},
          {"processed", count(m.processed)},
          {"effects", count(m.effects)},
          {"redeliveries", count(m.redeliveries)},
          {"log_duplicates", count(m.log_duplicates)},
          {"phantom_effects", count(m.phantom_effects)},
          {"attempts", count(m.attempts)},
          {"retry_amplification", format_number(m.retry_amplification)},
          {"poison", count(m.poison)},
          {"poison_dead_lettered", count(m.poison_dead_lettered)},
          {"latency mean / p50 / p99 / max (ms)", format_number(m.latency.mean_ms) + " / " +
                                                      format_number(m.latency.p50_ms) + " / " +
                                                      format_number(m.latency.p99_ms) + " / " +
                                                      format_number(m.latency.max_ms)},
          {"max_consumer_lag", count(m.max_consumer_lag)},
          {"downstream_peak_load", format_number(m.downstream_peak_load)},
          {"rebalances", count(m.rebalances)},
          {"members_left", count(m.members_left)},
          {"deduplicated", count(m.deduplicated)},
          {"truncation_resets", count(m.truncation_resets)},
          {"leader_elections", count(m.leader_elections)},
          {"unclean_leader_elections", count(m.unclean_leader_elections)},
          {"offline_partitions", count(m.offline_partitions)},
          {"produce_retries", count(m.produce_retries)},
          {"sequence_duplicates", count(m.sequence_duplicates)},
          {"out_of_order_sequences", count(m.out_of_order_sequences)},
          {"controller_elections", count(m.controller_elections)},
          {"read_model_divergent_keys", count(m.read_model_divergent_keys)},
          {"events", count(m.events)},
          {"sim_time_ms", format_number(sim::time_to_ms(m.sim_time))}};
  if (m.rabbitmq) {  // Only in scenarios with RabbitMQ: Kafka reports are as before.
    auto const at = rows.end() - 2;  // Before events and sim_time_ms, as report.json orders them.
    rows.insert(at, {{"publish_nacks", count(m.publish_nacks)}, {"publish_retries", count(m.publish_retries)}});
  }
  if (m.reports_queue_depth) {
    auto const lag = std::find_if(rows.begin(), rows.end(), [](Row const& row) { return row.label == "max_consumer_lag"; });
    rows.insert(lag + 1, Row{"max_queue_depth", count(m.max_queue_depth)});
  }
  return rows;
}

std::string example_location(Example const& example) {
  if (example.offset >= 0) return "on " + example.partition + " at offset " + std::to_string(example.offset);
  if (example.appended_offset >= 0) {
    return "on " + example.partition + ", in no log any more (it was appended at offset " + std::to_string(example.appended_offset) + ")";
  }
  return "on " + example.partition + ", never appended to its log";
}

std::vector<Row> expectation_rows(Report const& report) {
  std::vector<Row> rows;
  for (DeclaredExpectation const& declared : declared_expectations(report.expect)) {
    bool const broken = std::find(report.broken.begin(), report.broken.end(), declared.key) != report.broken.end();
    std::string const value = declared.name.empty() ? format_number(declared.threshold) : declared.name;
    rows.push_back({declared.key + " = " + value, broken ? "broken" : "held"});
  }
  return rows;
}

}  // namespace brokersim::reports
