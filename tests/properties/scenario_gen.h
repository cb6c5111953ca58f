// RapidCheck generators of whole, valid scenarios: a topology, topics, producers, consumer groups and a
// fault schedule, written as scenario JSON so every generated case is also a file one can save. Every
// choice is a RapidCheck draw, so shrinking stays valid and goes towards fewer faults, fewer instances,
// fewer partitions, fewer messages and shorter windows.
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/loader.h"

namespace brokersim::testing {

// What a property fixes about the generated system; the rest is drawn.
struct GenOptions {
  std::string acks = "any";          // "any", "0", "1" or "all".
  bool idempotent_only = false;      // Producers idempotent (acks all).
  std::string commit = "any";        // "any" or a commit mode.
  std::string dedup = "any";         // "any" or a dedup mode.
  bool safe_replication = false;     // RF 3, min.insync 2, clean election.
  std::vector<std::string> fault_kinds = {"crash", "pause", "partition", "link", "clock", "poison", "outage", "slowdown",
                                          "schema_change", "dlq_replay", "scale"};
  bool failure_handling = true;      // A service to call, failure handling and schema versions are drawn too.
  bool one_fault_at_a_time = false;  // Each fault healed, failed over and caught up before the next begins.
  bool brokers_only = false;         // Faults only on brokers (and links between brokers and clients).
  bool with_faults = true;           // false: no fault at all.
  // Processing fast enough that one consumer could take the whole production alone (below 80 % busy).
  bool below_capacity = false;
  // The first fault crashes a consumer instance (restarting it): for properties about what a group does
  // through a member's crash, which a fault drawn among every node and kind would rarely exercise.
  bool consumer_crash_first = false;
  // The first fault drops packets between the brokers and the producers, during production: for
  // properties about what producers do when requests or their answers are lost.
  bool lossy_link_first = false;
  // The first fault crashes the leader of partition 0: for properties about what an election keeps.
  // (RabbitMQ: the node that first leads the first queue.)
  bool leader_crash_first = false;
  // The messaging system: "kafka" (drawn exactly as before the other systems came), "rabbitmq", or
  // "any" (a coin decides, then either is drawn as alone).
  std::string system = "kafka";
  // RabbitMQ only: the queues' type ("any", "classic" or "quorum") and the publishers' confirms ("any",
  // "true" or "false").
  std::string queue_type = "any";
  std::string confirms = "any";
};

// The faults drawn alike for every system: on `node` (pause, partition, clock), on the producer "p"
// (poison, schema_change), the service "db" (outage), or `group` or "db" (slowdown). False for another kind.
inline bool draw_common_fault(std::string const& kind, std::string const& node, int length, std::string const& group,
                              nlohmann::ordered_json& fault) {
  using nlohmann::ordered_json;
  if (kind == "pause") {
    fault["target"] = node;
    fault["duration_ms"] = length;
  } else if (kind == "partition") {
    fault["sides"] = ordered_json::array({ordered_json::array({node})});
    fault["duration_ms"] = length;
    fault["one_way"] = *rc::gen::arbitrary<bool>();
  } else if (kind == "clock") {
    fault["target"] = node;
    fault["offset_ms"] = *rc::gen::inRange(-60000, 60000);
    fault["duration_ms"] = length;
  } else if (kind == "poison") {
    fault["target"] = "p";
    fault["count"] = *rc::gen::inRange(1, 4);
  } else if (kind == "outage") {
    fault["target"] = "db";
    fault["duration_ms"] = length;
  } else if (kind == "slowdown") {
    fault["target"] = *rc::gen::element<std::string>(std::string(group), "db");
    fault["factor"] = *rc::gen::inRange(2, 10);
    fault["duration_ms"] = length;
  } else if (kind == "schema_change") {
    fault["target"] = "p";
    fault["version"] = *rc::gen::inRange(1, 4);  // 3 is unknown to the group: an attempt failure.
  } else {
    return false;
  }
  return true;
}

inline nlohmann::ordered_json gen_rabbitmq_scenario_json(GenOptions const& options);

inline nlohmann::ordered_json gen_scenario_json(GenOptions const& options) {
  using nlohmann::ordered_json;
  // A Kafka system draws first what it always drew: "kafka" makes no draw of its own here.
  if (options.system == "rabbitmq" || (options.system == "any" && *rc::gen::arbitrary<bool>())) {
    return gen_rabbitmq_scenario_json(options);
  }
  int const brokers = options.safe_replication ? *rc::gen::inRange(3, 5) : *rc::gen::inRange(1, 5);
  int const partitions = *rc::gen::inRange(1, 5);
  int const rf = options.safe_replication ? 3 : *rc::gen::inRange(1, brokers + 1);
  int const min_isr = options.safe_replication ? 2 : *rc::gen::inRange(1, rf + 1);
  int const duration = *rc::gen::inRange(500, 5000);
  ordered_json s{{"name", "generated"}, {"duration_ms", duration}, {"drain_ms", 60000}};
  s["network"] = {{"latency_ms", {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.2 + *rc::gen::inRange(0, 50) / 10.0}}}};
  int const failover = *rc::gen::inRange(100, 2000);
  s["brokers"] = {{"count", brokers}, {"controller_failover_ms", failover}};
  // The KRaft quorum: mostly dedicated controllers (which faults may hit too), sometimes on the brokers.
  bool const dedicated_controllers = *rc::gen::inRange(0, 5) > 0;
  s["controllers"] = dedicated_controllers ? ordered_json{{"count", *rc::gen::element(1, 3, 5)}} : ordered_json{{"placement", "brokers"}};
  s["topics"] = ordered_json::array({ordered_json{{"name", "t"}, {"partitions", partitions}, {"replication_factor", rf},
                                                  {"min_insync_replicas", min_isr},
                                                  {"unclean_leader_election", options.safe_replication ? false : *rc::gen::arbitrary<bool>()}}});
  std::string acks = options.acks;
  if (options.idempotent_only) acks = "all";
  if (acks == "any") acks = *rc::gen::element<std::string>("0", "1", "all");
  ordered_json producer{{"name", "p"}, {"topic", "t"}, {"instances", *rc::gen::inRange(1, 3)},
                        {"rate_per_s", *rc::gen::inRange(50, 1500)}, {"keys", *rc::gen::inRange(1, 30)},
                        {"max_in_flight", *rc::gen::inRange(1, 6)}, {"request_timeout_ms", *rc::gen::inRange(200, 3000)},
                        {"retry_backoff_ms", *rc::gen::inRange(10, 200)}};
  producer["acks"] = acks == "all" ? ordered_json("all") : ordered_json(std::stoi(acks));
  producer["idempotent"] = acks == "all" && (options.idempotent_only || *rc::gen::arbitrary<bool>());
  s["producers"] = ordered_json::array({producer});
  std::string commit = options.commit == "any" ? *rc::gen::element<std::string>("after-processing", "before-processing", "auto") : options.commit;
  std::string dedup = options.dedup == "any" ? *rc::gen::element<std::string>("none", "memory", "durable") : options.dedup;
  double processing_mean = *rc::gen::inRange(0, 30) / 10.0;
  if (options.below_capacity) {
    double const total_rate = producer["rate_per_s"].get<double>() * producer["instances"].get<double>();
    processing_mean = std::min(processing_mean, std::floor(800.0 / total_rate * 1000.0) / 1000.0);
  }
  ordered_json group{
      {"name", "g"}, {"topic", "t"}, {"instances", *rc::gen::inRange(1, 4)}, {"commit", commit}, {"dedup", dedup},
      {"assignor", *rc::gen::element<std::string>("range", "round-robin", "sticky")},
      {"processing_ms", {{"dist", "exponential"}, {"mean", processing_mean}}},
      {"max_poll_records", *rc::gen::inRange(1, 200)}, {"session_timeout_ms", 6000}, {"heartbeat_interval_ms", 1000}};
  s["services"] = ordered_json::array({ordered_json{{"name", "db"}, {"capacity_per_s", *rc::gen::inRange(100, 5000)},
                                                   {"latency_ms", *rc::gen::inRange(0, 5)}}});
  if (options.failure_handling) {
    if (*rc::gen::arbitrary<bool>()) group["calls"] = "db";
    group["on_failure"] = {{"max_attempts", *rc::gen::inRange(1, 6)},
                           {"backoff", {{"initial_ms", *rc::gen::inRange(0, 200)}, {"multiplier", *rc::gen::inRange(1, 3)},
                                        {"max_ms", 2000}, {"jitter", *rc::gen::element<std::string>("none", "full", "equal", "decorrelated")}}},
                           {"then", *rc::gen::element<std::string>("dead-letter", "skip")},
                           {"non_blocking", *rc::gen::arbitrary<bool>()}};
    group["schema_versions"] = ordered_json::array({1, 2});
  }
  s["consumer_groups"] = ordered_json::array({group});
  std::vector<std::string> nodes;
  for (int b = 0; b < brokers; ++b) nodes.push_back("broker-" + std::to_string(b));
  if (dedicated_controllers) {
    for (int c = 0; c < s["controllers"]["count"].get<int>(); ++c) nodes.push_back("controller-" + std::to_string(c));
  }
  if (!options.brokers_only) {
    for (int i = 0; i < s["producers"][0]["instances"].get<int>(); ++i) nodes.push_back("p-" + std::to_string(i));
    for (int i = 0; i < s["consumer_groups"][0]["instances"].get<int>(); ++i) nodes.push_back("g-" + std::to_string(i));
  }
  std::vector<std::string> consumers;
  for (int i = 0; i < s["consumer_groups"][0]["instances"].get<int>(); ++i) consumers.push_back("g-" + std::to_string(i));
  ordered_json faults = ordered_json::array();
  int at = *rc::gen::inRange(0, duration);
  int const first_count = options.consumer_crash_first || options.lossy_link_first || options.leader_crash_first ? 1 : 0;
  for (int count = options.with_faults ? *rc::gen::inRange(first_count, 4) : 0; count > 0 && at < duration; --count) {
    bool const consumer_crash = options.consumer_crash_first && faults.empty();
    bool const lossy_link = options.lossy_link_first && faults.empty();
    bool const leader_crash = options.leader_crash_first && faults.empty();
    std::string const kind = consumer_crash || leader_crash ? std::string("crash")
                             : lossy_link                   ? std::string("link")
                                                            : *rc::gen::elementOf(options.fault_kinds);
    int const length = *rc::gen::inRange(1, 3000);
    std::string const node = *rc::gen::elementOf(consumer_crash ? consumers : nodes);
    ordered_json fault{{"kind", kind}, {"at_ms", at}};
    if (kind == "crash") {
      fault["target"] = leader_crash ? ordered_json{{"leader_of", "t/0"}} : ordered_json(node);
      fault["restart_after_ms"] = length;
      fault["lose_unflushed"] = *rc::gen::arbitrary<bool>();
    } else if (kind == "link") {
      fault["between"] = ordered_json::array({"brokers", "p"});
      fault["duration_ms"] = length;
      fault["loss"] = *rc::gen::inRange(0, 50) / 100.0;
    } else if (kind == "dlq_replay") {
      fault["target"] = "g";
      if (*rc::gen::arbitrary<bool>()) fault["rate_per_s"] = *rc::gen::inRange(1, 500);
    } else if (kind == "scale") {
      fault["target"] = "g";
      fault["instances"] = *rc::gen::inRange(0, 5);  // Down to none, or up to more than were deployed.
    } else {
      draw_common_fault(kind, node, length, "g", fault);
    }
    faults.push_back(fault);
    // One at a time means healed, failed over and caught up: a second broker failure inside the first's
    // failover window is a correlated failure (with a power loss, Kafka before KIP-966 can lose data then,
    // and so does the model). A fault that took the controller quorum's leader adds its election (up to
    // 3 s), after which the new leader fences the dead a failover later.
    constexpr int kQuorumElectionMaxMs = 3000;
    at += options.one_fault_at_a_time ? length + failover + kQuorumElectionMaxMs + *rc::gen::inRange(1000, 3000)
                                      : *rc::gen::inRange(0, 2000);
  }
  s["faults"] = faults;
  return s;
}

// A RabbitMQ system: 1-5 nodes (3-5 with quorum queues only), one exchange of a drawn type routing every
// key the producer publishes to one or two queues (each read by its own group), classic or quorum, with
// sometimes a dead-letter exchange, a TTL, a length limit or a delivery limit when failure handling is
// drawn; a publisher with or without confirms; faults on rabbit-N nodes and the clients. The Kafka part is
// the smallest the loader takes (one broker, its controller on it), and no fault names it.
inline nlohmann::ordered_json gen_rabbitmq_scenario_json(GenOptions const& options) {
  using nlohmann::ordered_json;
  bool const quorum_only = options.queue_type == "quorum";
  int const nodes = quorum_only || options.safe_replication ? *rc::gen::inRange(3, 6) : *rc::gen::inRange(1, 6);
  int const duration = *rc::gen::inRange(500, 5000);
  // One at a time: time for the last fault's silent cut to be noticed by heartbeats (60-90 s), the
  // clients to reconnect and the backlog to drain.
  ordered_json s{{"name", "generated"}, {"duration_ms", duration}, {"drain_ms", options.one_fault_at_a_time ? 150000 : 30000}};
  s["network"] = {{"latency_ms", {{"dist", "uniform"}, {"min", 0.2}, {"max", 0.2 + *rc::gen::inRange(0, 50) / 10.0}}}};
  s["brokers"] = {{"count", 1}};
  s["controllers"] = {{"placement", "brokers"}};
  std::string const type = *rc::gen::element<std::string>("direct", "fanout", "topic", "headers");
  int const queue_count = *rc::gen::inRange(1, 3);
  ordered_json exchanges = ordered_json::array({ordered_json{{"name", "x"}, {"type", type}}});
  ordered_json queues = ordered_json::array();
  ordered_json bindings = ordered_json::array();
  // What the producer publishes with, and the bindings that route all of it to every queue.
  std::vector<std::string> const values = *rc::gen::element(std::vector<std::string>{"new"}, std::vector<std::string>{"new", "paid"});
  bool dead_letter_exchange = false;
  for (int q = 0; q < queue_count; ++q) {
    std::string const name = "q" + std::to_string(q);
    bool const quorum = options.queue_type == "any" ? *rc::gen::arbitrary<bool>() : quorum_only;
    ordered_json queue{{"name", name}, {"type", quorum ? "quorum" : "classic"}, {"node", *rc::gen::inRange(0, nodes)}};
    if (!quorum) queue["durable"] = *rc::gen::element(true, true, false);
    if (options.failure_handling) {
      if (*rc::gen::element(false, false, true)) {
        queue["dead_letter_exchange"] = "dlx";
        dead_letter_exchange = true;
      }
      if (*rc::gen::element(false, false, false, true)) queue["message_ttl_ms"] = *rc::gen::inRange(100, 5000);
      if (*rc::gen::element(false, false, false, true)) {
        queue["max_length"] = *rc::gen::inRange(10, 1000);
        queue["overflow"] = *rc::gen::element<std::string>("drop-head", "reject-publish");
      }
      if (quorum && *rc::gen::element(false, false, true)) queue["delivery_limit"] = *rc::gen::inRange(0, 10);
    }
    queues.push_back(queue);
    if (type == "fanout") {
      bindings.push_back({{"exchange", "x"}, {"queue", name}});
    } else if (type == "direct") {
      for (std::string const& value : values) bindings.push_back({{"exchange", "x"}, {"queue", name}, {"routing_key", value}});
    } else if (type == "topic") {
      bindings.push_back({{"exchange", "x"}, {"queue", name}, {"routing_key", *rc::gen::element<std::string>("order.*", "order.#", "#", "*.*")}});
    } else {
      std::string const match = *rc::gen::element<std::string>("all", "any");
      for (std::string const& value : values) {
        bindings.push_back({{"exchange", "x"}, {"queue", name}, {"headers", {{"kind", value}}}, {"x_match", match}});
      }
    }
  }
  if (dead_letter_exchange) {
    exchanges.push_back({{"name", "dlx"}, {"type", "fanout"}});
    queues.push_back({{"name", "parked"}, {"type", quorum_only ? "quorum" : "classic"}});
    bindings.push_back({{"exchange", "dlx"}, {"queue", "parked"}});
  }
  s["rabbitmq"] = {{"nodes", nodes}, {"exchanges", exchanges}, {"queues", queues}, {"bindings", bindings}};
  ordered_json producer{{"name", "p"}};
  // One queue: sometimes published to directly, through the default exchange.
  if (queue_count == 1 && *rc::gen::element(false, false, false, true)) {
    producer["queue"] = "q0";
  } else {
    producer["exchange"] = "x";
    if (type == "topic") {
      ordered_json keys = ordered_json::array();
      for (std::string const& value : values) keys.push_back("order." + value);
      producer["routing_key"] = keys;
    } else if (type != "headers") {
      producer["routing_key"] = values.size() == 1 ? ordered_json(values[0]) : ordered_json(values);
    }
  }
  if (type == "headers" && producer.contains("exchange")) producer["attributes"] = {{"kind", values}};
  producer["instances"] = *rc::gen::inRange(1, 3);
  producer["rate_per_s"] = *rc::gen::inRange(50, 1500);
  producer["keys"] = *rc::gen::inRange(1, 30);
  producer["request_timeout_ms"] = *rc::gen::inRange(200, 3000);
  producer["retry_backoff_ms"] = *rc::gen::inRange(10, 200);
  producer["confirms"] = options.confirms == "any" ? *rc::gen::arbitrary<bool>() : options.confirms == "true";
  producer["mandatory"] = *rc::gen::arbitrary<bool>();
  producer["persistent"] = *rc::gen::element(true, true, false);
  s["producers"] = ordered_json::array({producer});
  double const total_rate = producer["rate_per_s"].get<double>() * producer["instances"].get<double>();
  s["services"] = ordered_json::array({ordered_json{{"name", "db"}, {"capacity_per_s", *rc::gen::inRange(100, 5000)},
                                                   {"latency_ms", *rc::gen::inRange(0, 5)}}});
  ordered_json groups = ordered_json::array();
  std::vector<std::string> consumers;
  for (int q = 0; q < queue_count; ++q) {
    std::string const name = "g" + std::to_string(q);
    std::string const commit = options.commit == "any" ? *rc::gen::element<std::string>("after-processing", "before-processing", "auto") : options.commit;
    std::string const dedup = options.dedup == "any" ? *rc::gen::element<std::string>("none", "memory", "durable") : options.dedup;
    double processing_mean = *rc::gen::inRange(0, 30) / 10.0;
    if (options.below_capacity) processing_mean = std::min(processing_mean, std::floor(800.0 / total_rate * 1000.0) / 1000.0);
    ordered_json group{{"name", name}, {"queue", "q" + std::to_string(q)}, {"instances", *rc::gen::inRange(1, 4)},
                       {"commit", commit}, {"dedup", dedup}, {"prefetch", *rc::gen::element(0, 1, 10, 50, 250)},
                       {"processing_ms", {{"dist", "exponential"}, {"mean", processing_mean}}}};
    if (options.failure_handling) {
      if (*rc::gen::arbitrary<bool>()) group["calls"] = "db";
      group["on_failure"] = {{"max_attempts", *rc::gen::inRange(1, 6)},
                             {"backoff", {{"initial_ms", *rc::gen::inRange(0, 200)}, {"multiplier", *rc::gen::inRange(1, 3)},
                                          {"max_ms", 2000}, {"jitter", *rc::gen::element<std::string>("none", "full", "equal", "decorrelated")}}},
                             {"then", *rc::gen::element<std::string>("dead-letter", "skip", "requeue")}};
      group["schema_versions"] = ordered_json::array({1, 2});
    }
    for (int i = 0; i < group["instances"].get<int>(); ++i) consumers.push_back(name + "-" + std::to_string(i));
    groups.push_back(group);
  }
  s["consumer_groups"] = groups;
  std::vector<std::string> rabbit_nodes;
  for (int n = 0; n < nodes; ++n) rabbit_nodes.push_back("rabbit-" + std::to_string(n));
  std::vector<std::string> targets = rabbit_nodes;
  if (!options.brokers_only) {
    for (int i = 0; i < producer["instances"].get<int>(); ++i) targets.push_back("p-" + std::to_string(i));
    targets.insert(targets.end(), consumers.begin(), consumers.end());
  }
  // Scale faults on a queue group are refused by the runner, and dead-letter replay is Kafka's.
  std::vector<std::string> kinds;
  for (std::string const& kind : options.fault_kinds) {
    if (kind != "scale" && kind != "dlq_replay") kinds.push_back(kind);
  }
  if (kinds.empty()) kinds.push_back("crash");
  ordered_json faults = ordered_json::array();
  int at = *rc::gen::inRange(0, duration);
  int const first_count = options.consumer_crash_first || options.lossy_link_first || options.leader_crash_first ? 1 : 0;
  for (int count = options.with_faults ? *rc::gen::inRange(first_count, 4) : 0; count > 0 && at < duration; --count) {
    bool const consumer_crash = options.consumer_crash_first && faults.empty();
    bool const lossy_link = options.lossy_link_first && faults.empty();
    bool const leader_crash = options.leader_crash_first && faults.empty();
    std::string const kind = consumer_crash || leader_crash ? std::string("crash") : lossy_link ? std::string("link") : *rc::gen::elementOf(kinds);
    int const length = *rc::gen::inRange(1, 3000);
    std::string const node = *rc::gen::elementOf(consumer_crash ? consumers : targets);
    ordered_json fault{{"kind", kind}, {"at_ms", at}};
    if (kind == "crash") {
      fault["target"] = leader_crash ? "rabbit-" + std::to_string(queues[0]["node"].get<int>()) : node;
      fault["restart_after_ms"] = length;
      fault["lose_unflushed"] = *rc::gen::arbitrary<bool>();
    } else if (kind == "link") {
      fault["between"] = ordered_json::array({*rc::gen::elementOf(rabbit_nodes), *rc::gen::element<std::string>("p", "g0")});
      fault["duration_ms"] = length;
      fault["loss"] = *rc::gen::inRange(0, 50) / 100.0;
    } else {
      draw_common_fault(kind, node, length, "g0", fault);
    }
    faults.push_back(fault);
    // One at a time means healed and recovered: a crashed node restarted, its queues' leaders elected
    // (2-4 s of silence, then a pre-vote and a vote), the clients reconnected (5 s), and a cut that
    // left both ends alive noticed by the heartbeats (60-90 s) before the next fault begins.
    constexpr int kElectionMaxMs = 5000;
    constexpr int kReconnectMs = 5000;
    constexpr int kHeartbeatDetectionMaxMs = 90000;
    int const detection = kind == "partition" || kind == "link" || kind == "pause" ? kHeartbeatDetectionMaxMs : 0;
    at += options.one_fault_at_a_time ? length + kElectionMaxMs + kReconnectMs + detection + *rc::gen::inRange(1000, 3000)
                                      : *rc::gen::inRange(0, 2000);
  }
  s["faults"] = faults;
  return s;
}

// Loads the generated JSON (it is valid by construction: a loader error here is a generator bug).
inline scenarios::Scenario load_generated(nlohmann::ordered_json const& json) {
  return scenarios::load_scenario_text(json.dump(), "generated.json");
}

}  // namespace brokersim::testing
