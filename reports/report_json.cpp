#include "reports/report_json.h"

#include "brokersim_version.h"
#include "sim/digest.h"

namespace brokersim::reports {

namespace {

using nlohmann::ordered_json;

char const* delivery_name(scenarios::DeliveryExpectation delivery) {
  switch (delivery) {
    case scenarios::DeliveryExpectation::at_most_once:
      return "at-most-once";
    case scenarios::DeliveryExpectation::at_least_once:
      return "at-least-once";
    case scenarios::DeliveryExpectation::exactly_once:
      return "exactly-once";
  }
  return "";
}

char const* ordering_name(scenarios::OrderingExpectation ordering) {
  switch (ordering) {
    case scenarios::OrderingExpectation::per_key:
      return "per-key";
    case scenarios::OrderingExpectation::per_partition:
      return "per-partition";
    case scenarios::OrderingExpectation::none:
      return "none";
  }
  return "";
}

ordered_json metrics_to_json(Metrics const& m) {
  ordered_json json;
  json["produced"] = m.produced;
  json["acked"] = m.acked;
  json["send_failed"] = m.send_failed;
  json["processed"] = m.processed;
  json["effects"] = m.effects;
  json["redeliveries"] = m.redeliveries;
  json["log_duplicates"] = m.log_duplicates;
  json["phantom_effects"] = m.phantom_effects;
  json["attempts"] = m.attempts;
  json["retry_amplification"] = m.retry_amplification;
  json["poison"] = m.poison;
  json["poison_dead_lettered"] = m.poison_dead_lettered;
  json["latency_ms"] = ordered_json{{"mean", m.latency.mean_ms},
                                    {"p50", m.latency.p50_ms},
                                    {"p99", m.latency.p99_ms},
                                    {"max", m.latency.max_ms}};
  json["max_consumer_lag"] = m.max_consumer_lag;
  if (m.reports_queue_depth) json["max_queue_depth"] = m.max_queue_depth;
  json["downstream_peak_load"] = m.downstream_peak_load;
  json["rebalances"] = m.rebalances;
  json["members_left"] = m.members_left;
  json["deduplicated"] = m.deduplicated;
  json["truncation_resets"] = m.truncation_resets;
  json["leader_elections"] = m.leader_elections;
  json["unclean_leader_elections"] = m.unclean_leader_elections;
  json["offline_partitions"] = m.offline_partitions;
  json["produce_retries"] = m.produce_retries;
  json["sequence_duplicates"] = m.sequence_duplicates;
  json["out_of_order_sequences"] = m.out_of_order_sequences;
  json["controller_elections"] = m.controller_elections;
  json["read_model_divergent_keys"] = m.read_model_divergent_keys;
  if (m.rabbitmq) {  // Only in scenarios with RabbitMQ: Kafka reports are as before.
    json["publish_nacks"] = m.publish_nacks;
    json["publish_retries"] = m.publish_retries;
  }
  json["events"] = m.events;
  json["sim_time_ms"] = sim::time_to_ms(m.sim_time);
  return json;
}

ordered_json example_to_json(Example const& example) {
  ordered_json json;
  json["kind"] = example.kind;
  json["message"] = example.message;
  json["key"] = example.key.empty() ? ordered_json(nullptr) : ordered_json(example.key);
  json["partition"] = example.partition;
  json["offset"] = example.offset;
  if (example.offset < 0) json["appended_offset"] = example.appended_offset < 0 ? ordered_json(nullptr) : ordered_json(example.appended_offset);
  json["cause"] = example.cause;
  ordered_json timeline = ordered_json::array();
  for (TimelineEntry const& entry : example.timeline) {
    ordered_json step{{"t_ms", sim::time_to_ms(entry.at)}, {"node", entry.node}, {"event", entry.event}};
    if (!entry.detail.empty()) step["detail"] = entry.detail;
    timeline.push_back(std::move(step));
  }
  json["timeline"] = std::move(timeline);
  return json;
}

}  // namespace

ordered_json violations_to_json(Violations const& v) {
  return ordered_json{{"lost", v.lost},
                      {"skipped", v.skipped},
                      {"unprocessed", v.unprocessed},
                      {"dead_lettered", v.dead_lettered},
                      {"dropped", v.dropped},
                      {"duplicate", v.duplicate},
                      {"reordered", v.reordered},
                      {"timestamp_inversion", v.timestamp_inversion}};
}

std::vector<DeclaredExpectation> declared_expectations(scenarios::Expectations const& expect) {
  std::vector<DeclaredExpectation> declared;
  if (expect.delivery) declared.push_back({"delivery", delivery_name(*expect.delivery)});
  if (expect.ordering) declared.push_back({"ordering", ordering_name(*expect.ordering)});
  for (auto const& [key, member] : scenarios::kThresholds) {
    if (expect.*member) declared.push_back({key, "", *(expect.*member)});
  }
  return declared;
}

ordered_json expectations_to_json(scenarios::Expectations const& expect) {
  ordered_json json = ordered_json::object();
  for (DeclaredExpectation const& declared : declared_expectations(expect)) {
    if (declared.name.empty()) json[declared.key] = declared.threshold;
    else json[declared.key] = declared.name;
  }
  return json;
}

ordered_json report_to_json(Report const& report) {
  ordered_json json;
  json["brokersim_version"] = BROKERSIM_VERSION;
  json["scenario"] = ordered_json{{"name", report.scenario_name}, {"file", report.scenario_file}};
  json["seed"] = report.seed;
  json["digest"] = sim::hex64(report.digest);
  json["verdict"] = report.passed() ? "pass" : "fail";
  json["expect"] = expectations_to_json(report.expect);
  json["broken"] = report.broken;
  json["violations"] = violations_to_json(report.violations);
  json["metrics"] = metrics_to_json(report.metrics);
  ordered_json examples = ordered_json::array();
  for (Example const& example : report.examples) examples.push_back(example_to_json(example));
  json["examples"] = std::move(examples);
  json["time_series"] = time_series_to_json(report.series);
  return json;
}

std::string report_json_text(Report const& report) { return report_to_json(report).dump(2) + "\n"; }

}  // namespace brokersim::reports
