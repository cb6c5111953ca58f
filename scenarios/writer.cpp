#include "scenarios/writer.h"

#include <algorithm>

#include "faults/registry.h"
#include "jsonio/writer.h"

namespace brokersim::scenarios {

namespace {

using nlohmann::ordered_json;

using jsonio::distribution;
using jsonio::ms;
using jsonio::optional;

namespace rmq = model::rabbitmq;

// One value as a string, several as a list (a list of one reads back the same).
ordered_json one_or_list(std::vector<std::string> const& values) {
  return values.size() == 1 ? ordered_json(values.front()) : ordered_json(values);
}

ordered_json publisher(model::ProducerConfig const& p, ordered_json out) {
  out["confirms"] = p.confirms;
  out["mandatory"] = p.mandatory;
  out["persistent"] = p.persistent;
  out["retries"] = p.retries;
  out["retry_backoff_ms"] = ms(p.retry_backoff);
  out["request_timeout_ms"] = ms(p.request_timeout);
  out["timestamps"] = p.timestamps == model::Timestamps::lamport ? "lamport" : "local-clock";
  out["zone"] = optional(p.zone);
  return out;
}

ordered_json producer(model::ProducerConfig const& p) {
  ordered_json out{{"name", p.name}, {"instances", p.instances}};
  if (p.exchange) {
    out["exchange"] = *p.exchange;
    if (!p.routing_keys.empty()) out["routing_key"] = one_or_list(p.routing_keys);
  } else if (p.queue) {
    out["queue"] = *p.queue;
  } else {
    out["topic"] = p.topic;
  }
  out["rate_per_s"] = optional(p.rate_per_s);
  out["messages"] = optional(p.messages);
  out["arrivals"] = p.arrivals == model::Arrivals::poisson ? "poisson" : "uniform";
  out["keys"] = p.keys.count == 0 ? ordered_json(nullptr)
                                  : ordered_json{{"count", p.keys.count}, {"dist", p.keys.dist == model::KeyDist::zipf ? "zipf" : "uniform"},
                                                 {"s", p.keys.zipf_s}};
  if (!p.attributes.empty()) {
    ordered_json attributes = ordered_json::object();
    for (auto const& attribute : p.attributes) attributes[attribute.name] = one_or_list(attribute.values);
    out["attributes"] = attributes;
  }
  if (p.exchange || p.queue) return publisher(p, std::move(out));
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
  static char const* const thens[] = {"dead-letter", "skip", "block", "requeue"};
  bool const kafka = !g.queue;
  ordered_json out{{"name", g.name}};
  if (kafka) out["topic"] = g.topic;
  else out["queue"] = *g.queue;
  out["instances"] = g.instances;
  if (kafka) out["assignor"] = assignors[static_cast<int>(g.assignor)];
  out["commit"] = commits[static_cast<int>(g.commit)];
  if (kafka) out["auto_commit_interval_ms"] = ms(g.auto_commit_interval);
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
                                   {"then", thens[static_cast<int>(g.on_failure.then)]}};
  if (kafka) out["on_failure"]["non_blocking"] = g.on_failure.non_blocking;
  out["emits"] = g.emits_topic ? ordered_json{{"topic", *g.emits_topic}} : ordered_json(nullptr);
  out["order_by"] = g.order_by == model::OrderBy::offset ? "offset" : "timestamp";
  out["schema_versions"] = g.schema_versions;
  out["on_unknown_schema"] = g.on_unknown_schema == model::OnUnknownSchema::fail ? "fail" : "ignore";
  if (kafka) {
    out["max_poll_records"] = g.max_poll_records;
    out["session_timeout_ms"] = ms(g.session_timeout);
    out["heartbeat_interval_ms"] = ms(g.heartbeat_interval);
  } else {
    out["prefetch"] = g.prefetch;
  }
  out["timestamps"] = g.timestamps == model::Timestamps::lamport ? "lamport" : "local-clock";
  out["zone"] = optional(g.zone);
  return out;
}

ordered_json rabbitmq(rmq::RabbitConfig const& r) {
  static char const* const exchange_types[] = {"direct", "fanout", "topic", "headers"};
  ordered_json out{{"nodes", r.nodes}};
  if (!r.zones.empty()) out["zones"] = r.zones;
  out["exchanges"] = ordered_json::array();
  for (auto const& e : r.exchanges) {
    out["exchanges"].push_back(ordered_json{{"name", e.name}, {"type", exchange_types[static_cast<int>(e.type)]},
                                            {"alternate_exchange", optional(e.alternate_exchange)}});
  }
  out["queues"] = ordered_json::array();
  for (auto const& q : r.queues) {
    bool const quorum = q.type == rmq::QueueKind::quorum;
    ordered_json queue{{"name", q.name}, {"type", quorum ? "quorum" : "classic"}, {"node", optional(q.node)}};
    if (quorum) queue["replicas"] = optional(q.replicas);
    queue["durable"] = q.durable;
    queue["dead_letter_exchange"] = optional(q.dead_letter_exchange);
    if (q.dead_letter_exchange) queue["dead_letter_routing_key"] = optional(q.dead_letter_routing_key);
    if (quorum) queue["delivery_limit"] = optional(q.delivery_limit);
    queue["message_ttl_ms"] = q.message_ttl ? ms(*q.message_ttl) : ordered_json(nullptr);
    queue["max_length"] = optional(q.max_length);
    queue["overflow"] = q.overflow == rmq::Overflow::drop_head ? "drop-head" : "reject-publish";
    queue["consumer_timeout_ms"] = ms(q.consumer_timeout);
    out["queues"].push_back(std::move(queue));
  }
  out["bindings"] = ordered_json::array();
  for (auto const& b : r.bindings) {
    ordered_json binding{{"exchange", b.exchange}, {"queue", b.queue}};
    auto const exchange = std::find_if(r.exchanges.begin(), r.exchanges.end(), [&](auto const& e) { return e.name == b.exchange; });
    rmq::ExchangeType const type = exchange == r.exchanges.end() ? rmq::ExchangeType::direct : exchange->type;
    if (type == rmq::ExchangeType::headers) {
      ordered_json headers = ordered_json::object();
      for (auto const& pair : b.headers) headers[pair.name] = pair.value;
      binding["headers"] = headers;
      binding["x_match"] = b.match == rmq::HeadersMatch::any || b.match == rmq::HeadersMatch::any_with_x ? "any" : "all";
    } else if (type != rmq::ExchangeType::fanout) {
      binding["routing_key"] = b.routing_key;
    }
    out["bindings"].push_back(std::move(binding));
  }
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
  // Only scenarios with RabbitMQ have the section, so that Kafka scenarios are written as before.
  if (w.rabbitmq.present()) out["rabbitmq"] = rabbitmq(w.rabbitmq);
  out["faults"] = ordered_json::array();
  for (auto const& f : s.faults) out["faults"].push_back(faults::fault_to_json(f));
  out["expect"] = expectations(s.expect);
  return out;
}

}  // namespace brokersim::scenarios
