#include "reports/time_series.h"

namespace brokersim::reports {

namespace {

void count_at(std::vector<std::uint64_t>& series, sim::Time at) {
  if (at < 0) return;
  auto const second = static_cast<std::size_t>(at / sim::kMicrosPerSecond);
  if (second < series.size()) ++series[second];
}

}  // namespace

TimeSeries time_series_of(model::World const& world, sim::Time end) {
  TimeSeries series;
  series.seconds = static_cast<std::size_t>((end + sim::kMicrosPerSecond - 1) / sim::kMicrosPerSecond);
  for (auto* vector : {&series.produced, &series.acked, &series.processed, &series.attempts, &series.leader_elections}) {
    vector->assign(series.seconds, 0);
  }
  model::GroundTruth const& truth = world.truth();
  for (model::MessageRecord const& message : truth.messages) {
    count_at(series.produced, message.sent_at());
    if (message.acked_at() != model::kNever) count_at(series.acked, message.acked_at());
  }
  for (std::size_t g = 0; g < truth.groups.size(); ++g) {
    model::GroupTruth const& group = truth.groups[g];
    for (std::uint32_t id = 0; id < truth.messages.size(); ++id) {
      sim::Time const first = truth.first_effect_at(g, id);
      if (first != model::kNever) count_at(series.processed, first);
    }
    for (std::size_t s = 0; s < group.attempts_per_second.size() && s < series.seconds; ++s) {
      series.attempts[s] += group.attempts_per_second[s];
    }
    series.groups.push_back(group.name);
    std::vector<std::uint64_t> lag = group.lag_samples;
    lag.resize(series.seconds, lag.empty() ? 0 : lag.back());
    series.lag.push_back(std::move(lag));
  }
  for (model::QueueTruth const& queue : truth.queues) {
    series.queues.push_back(queue.name);
    // After its last change a queue holds what it held then, to the end of the run.
    std::vector<std::uint64_t> ready = queue.ready_per_second;
    std::vector<std::uint64_t> unacked = queue.unacked_per_second;
    ready.resize(series.seconds, queue.ready);
    unacked.resize(series.seconds, queue.unacked);
    series.queue_ready.push_back(std::move(ready));
    series.queue_unacked.push_back(std::move(unacked));
  }
  for (model::ServiceTruth const& service : truth.services) {
    series.services.push_back(service.name);
    series.service_capacity.push_back(service.capacity_per_s.value_or(0.0));
    std::vector<std::uint64_t> calls(series.seconds, 0);
    std::vector<std::uint64_t> failures(series.seconds, 0);
    for (std::size_t s = 0; s < series.seconds; ++s) {
      if (s < service.calls_per_second.size()) calls[s] = service.calls_per_second[s];
      if (s < service.failures_per_second.size()) failures[s] = service.failures_per_second[s];
    }
    series.service_calls.push_back(std::move(calls));
    series.service_failures.push_back(std::move(failures));
  }
  for (model::ElectionEvent const& election : truth.elections) {
    if (election.leader >= 0) count_at(series.leader_elections, election.at);
  }
  for (model::FaultEvent const& fault : truth.faults) {
    if (fault.kind == "restart" || fault.kind == "heal") continue;
    double const from = sim::time_to_ms(fault.at);
    double const to = fault.until == model::kNever ? (fault.kind == "crash" ? sim::time_to_ms(end) : from)
                                                   : sim::time_to_ms(std::min(fault.until, end));
    std::string const node = fault.node == model::kNoNode ? "" : world.network().name(fault.node);
    series.faults.push_back(FaultWindow{fault.kind, node, from, to});
  }
  return series;
}

nlohmann::ordered_json time_series_to_json(TimeSeries const& series) {
  nlohmann::ordered_json json;
  json["window_ms"] = 1000;
  json["produced"] = series.produced;
  json["acked"] = series.acked;
  json["processed"] = series.processed;
  json["attempts"] = series.attempts;
  json["leader_elections"] = series.leader_elections;
  nlohmann::ordered_json lag = nlohmann::ordered_json::object();
  for (std::size_t g = 0; g < series.groups.size(); ++g) lag[series.groups[g]] = series.lag[g];
  json["consumer_lag"] = std::move(lag);
  if (!series.queues.empty()) {  // RabbitMQ queues only: a Kafka-only report stays as it was.
    nlohmann::ordered_json depth = nlohmann::ordered_json::object();
    for (std::size_t q = 0; q < series.queues.size(); ++q) {
      depth[series.queues[q]] = {{"ready", series.queue_ready[q]}, {"unacked", series.queue_unacked[q]}};
    }
    json["queue_depth"] = std::move(depth);
  }
  nlohmann::ordered_json services = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < series.services.size(); ++i) {
    services[series.services[i]] = {{"capacity_per_s", series.service_capacity[i]}, {"calls", series.service_calls[i]},
                                    {"failures", series.service_failures[i]}};
  }
  json["services"] = std::move(services);
  nlohmann::ordered_json faults = nlohmann::ordered_json::array();
  for (FaultWindow const& fault : series.faults) {
    faults.push_back({{"kind", fault.kind}, {"node", fault.node}, {"from_ms", fault.from_ms}, {"to_ms", fault.to_ms}});
  }
  json["faults"] = std::move(faults);
  return json;
}

}  // namespace brokersim::reports
