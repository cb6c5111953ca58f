#include "scenarios/writer.h"

#include "faults/registry.h"
#include "jsonio/writer.h"

namespace brokersim::scenarios {

namespace {

using nlohmann::ordered_json;

using jsonio::distribution;
using jsonio::ms;
using jsonio::optional;

ordered_json producer(model::ProducerConfig const& p) {
  ordered_json out{{"name", p.name}, {"instances", p.instances}, {"topic", p.topic}};
  out["rate_per_s"] = optional(p.rate_per_s);
  out["messages"] = optional(p.messages);
  out["arrivals"] = p.arrivals == model::Arrivals::poisson ? "poisson" : "uniform";
  out["keys"] = p.keys.count == 0 ? ordered_json(nullptr)
                                  : ordered_json{{"count", p.keys.count}, {"dist", p.keys.dist == model::KeyDist::zipf ? "zipf" : "uniform"},
                                                 {"s", p.keys.zipf_s}};
  out["acks"] = p.acks == model::Acks::all ? ordered_json("all") : ordered_json(p.acks == model::Acks::leader ? 1 : 0);
  out["idempotent"] = p.idempotent;
  out["retries"] = p.retries;
  out["retry_backoff_ms"] = ms(p.retry_backoff);
  out["request_timeout_ms"] = ms(p.request_timeout);
  out["delivery_timeout_ms"] = ms(p.delivery_timeout);
  out["max_in_flight"] = p.max_in_flight;
  out["linger_ms"] = ms(p.linger);
  out["timestamps"] = p.timestamps == model::Timestamps::lamport ? "lamport" : "local-clock";
  out["zone"] = optional(p.zone);
  return out;
}

ordered_json group(model::ConsumerGroupConfig const& g) {
  static char const* const assignors[] = {"range", "round-robin", "sticky"};
  static char const* const commits[] = {"after-processing", "before-processing", "auto"};
  static char const* const dedups[] = {"none", "memory", "durable"};
  static char const* const jitters[] = {"none", "full", "equal", "decorrelated"};
  static char const* const thens[] = {"dead-letter", "skip", "block"};
  ordered_json out{{"name", g.name}, {"topic", g.topic}, {"instances", g.instances}};
  out["assignor"] = assignors[static_cast<int>(g.assignor)];
  out["commit"] = commits[static_cast<int>(g.commit)];
  out["auto_commit_interval_ms"] = ms(g.auto_commit_interval);
  out["processing_ms"] = distribution(g.processing);
  out["dedup"] = dedups[static_cast<int>(g.dedup)];
  out["calls"] = optional(g.calls);
  if (g.circuit_breaker) {
    auto const& b = *g.circuit_breaker;
    out["circuit_breaker"] = ordered_json{{"failure_rate_threshold", b.failure_rate_threshold}, {"sliding_window", b.sliding_window},
                                          {"minimum_calls", b.minimum_calls}, {"wait_in_open_ms", ms(b.wait_in_open)},
                                          {"half_open_calls", b.half_open_calls}};
  } else {
    out["circuit_breaker"] = nullptr;
  }
  out["on_failure"] = ordered_json{{"max_attempts", g.on_failure.max_attempts},
                                   {"backoff", ordered_json{{"initial_ms", ms(g.on_failure.backoff.initial)},
                                                            {"multiplier", g.on_failure.backoff.multiplier},
                                                            {"max_ms", ms(g.on_failure.backoff.max)},
                                                            {"jitter", jitters[static_cast<int>(g.on_failure.backoff.jitter)]}}},
                                   {"then", thens[static_cast<int>(g.on_failure.then)]},
                                   {"non_blocking", g.on_failure.non_blocking}};
  out["emits"] = g.emits_topic ? ordered_json{{"topic", *g.emits_topic}} : ordered_json(nullptr);
  out["order_by"] = g.order_by == model::OrderBy::offset ? "offset" : "timestamp";
  out["schema_versions"] = g.schema_versions;
  out["on_unknown_schema"] = g.on_unknown_schema == model::OnUnknownSchema::fail ? "fail" : "ignore";
  out["max_poll_records"] = g.max_poll_records;
  out["session_timeout_ms"] = ms(g.session_timeout);
  out["heartbeat_interval_ms"] = ms(g.heartbeat_interval);
  out["timestamps"] = g.timestamps == model::Timestamps::lamport ? "lamport" : "local-clock";
  out["zone"] = optional(g.zone);
  return out;
}

ordered_json expectations(Expectations const& e) {
  static char const* const deliveries[] = {"at-most-once", "at-least-once", "exactly-once"};
  static char const* const orderings[] = {"per-key", "per-partition", "none"};
  ordered_json out = ordered_json::object();
  if (e.delivery) out["delivery"] = deliveries[static_cast<int>(*e.delivery)];
  if (e.ordering) out["ordering"] = orderings[static_cast<int>(*e.ordering)];
  for (auto const& [key, member] : kThresholds) {
    if (e.*member) out[key] = *(e.*member);
  }
  return out;
}

}  // namespace

ordered_json scenario_to_json(Scenario const& s) {
  model::WorldConfig const& w = s.world;
  ordered_json out{{"name", s.name}, {"description", s.description}, {"seed", s.seed}, {"duration_ms", ms(s.duration)},
                   {"drain_ms", ms(s.drain)}, {"heal_at_drain", s.heal_at_drain}};
  ordered_json links = ordered_json::array();
  for (auto const& l : w.network.links) {
    ordered_json link{{"between", l.between}};
    if (l.latency) link["latency_ms"] = distribution(*l.latency);
    link["loss"] = l.loss;
    link["duplicate"] = l.duplicate;
    link["reorder"] = l.reorder;
    links.push_back(std::move(link));
  }
  out["network"] = ordered_json{{"latency_ms", distribution(w.network.latency)}, {"zones", w.network.zones}, {"links", links}};
  ordered_json brokers{{"count", w.brokers.count}};
  if (!w.brokers.zones.empty()) brokers["zones"] = w.brokers.zones;
  brokers["flush_interval_ms"] = w.brokers.flush_interval ? ms(*w.brokers.flush_interval) : ordered_json(nullptr);
  brokers["replica_lag_time_max_ms"] = ms(w.brokers.replica_lag_time_max);
  brokers["controller_failover_ms"] = ms(w.brokers.controller_failover);
  out["brokers"] = brokers;
  if (w.controllers.placement == model::ControllerPlacement::brokers) {
    out["controllers"] = ordered_json{{"placement", "brokers"}};
  } else {
    ordered_json controllers{{"placement", "dedicated"}, {"count", w.controllers.count}};
    if (!w.controllers.zones.empty()) controllers["zones"] = w.controllers.zones;
    out["controllers"] = controllers;
  }
  ordered_json topics = ordered_json::array();
  for (auto const& t : w.topics) {
    topics.push_back(ordered_json{{"name", t.name}, {"partitions", t.partitions}, {"replication_factor", t.replication_factor},
                                  {"min_insync_replicas", t.min_insync_replicas}, {"unclean_leader_election", t.unclean_leader_election}});
  }
  out["topics"] = topics;
  out["producers"] = ordered_json::array();
  for (auto const& p : w.producers) out["producers"].push_back(producer(p));
  out["consumer_groups"] = ordered_json::array();
  for (auto const& g : w.consumer_groups) out["consumer_groups"].push_back(group(g));
  out["services"] = ordered_json::array();
  for (auto const& sv : w.services) {
    out["services"].push_back(ordered_json{{"name", sv.name}, {"capacity_per_s", optional(sv.capacity_per_s)},
                                           {"latency_ms", distribution(sv.latency)}, {"zone", optional(sv.zone)}});
  }
  out["faults"] = ordered_json::array();
  for (auto const& f : s.faults) out["faults"].push_back(faults::fault_to_json(f));
  out["expect"] = expectations(s.expect);
  return out;
}

}  // namespace brokersim::scenarios
