#include "scenarios/schema.h"

#include <algorithm>

#include "scenarios/scenario_keys.h"
#include "sim/time.h"

namespace brokersim::scenarios {

namespace {

using nlohmann::json;

json ref(char const* name) { return json{{"$ref", std::string("#/$defs/") + name}}; }

json described(json schema, char const* description) {
  schema["description"] = description;
  return schema;
}

json duration(char const* description) {
  return described(json{{"type", "number"}, {"minimum", 0}, {"maximum", sim::time_ms_max()}}, description);
}

json nullable(json schema) { return json{{"oneOf", json::array({std::move(schema), json{{"type", "null"}}})}}; }

// A number > 0 (the loader refuses 0), and the same for a duration.
json positive(char const* description) {
  return described(json{{"type", "number"}, {"exclusiveMinimum", 0}}, description);
}
json positive_duration(char const* description) {
  return described(json{{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", sim::time_ms_max()}}, description);
}

bool accepts_null(json const& schema) {
  for (char const* combinator : {"oneOf", "anyOf"}) {
    if (schema.contains(combinator)) {
      for (json const& option : schema[combinator]) {
        if (option == json{{"type", "null"}}) return true;
      }
    }
  }
  return false;
}

json enumeration(std::vector<json> values, char const* description) {
  return described(json{{"enum", values}}, description);
}

json integer(std::int64_t minimum, std::int64_t maximum, char const* description) {
  return described(json{{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}}, description);
}

json number_at_least(double minimum, char const* description) {
  return described(json{{"type", "number"}, {"minimum", minimum}}, description);
}

json probability(char const* description) {
  return described(json{{"type", "number"}, {"minimum", 0}, {"maximum", 1}}, description);
}

json name(char const* description) { return described(json{{"type", "string"}, {"minLength", 1}}, description); }

// An object with exactly the keys of `keys` (additionalProperties false), their schemas from `properties`.
// An optional key may also be null, which the loader reads as the key's default (as if it were absent).
json object(std::vector<std::string> const& keys, json properties, std::vector<std::string> required = {}) {
  json schema{{"type", "object"}, {"additionalProperties", false}, {"properties", json::object()}};
  for (std::string const& key : keys) {
    json property = properties.contains(key) ? properties[key] : json::object();
    bool const optional = std::find(required.begin(), required.end(), key) == required.end();
    if (optional && !property.empty() && !accepts_null(property)) property = json{{"anyOf", json::array({property, json{{"type", "null"}}})}};
    schema["properties"][key] = property;
  }
  if (!required.empty()) schema["required"] = required;
  return schema;
}

json distribution() {
  json const ms = duration("milliseconds");
  auto shape = [&](char const* dist, std::vector<std::string> keys, json properties, std::vector<std::string> required) {
    keys.insert(keys.begin(), "dist");
    properties["dist"] = json{{"const", dist}};
    required.insert(required.begin(), "dist");
    return object(keys, properties, required);
  };
  json options = json::array();
  options.push_back(duration("a constant, in milliseconds"));
  options.push_back(shape("constant", {"value"}, {{"value", ms}}, {"value"}));
  options.push_back(shape("uniform", {"min", "max"}, {{"min", ms}, {"max", ms}}, {"min", "max"}));
  options.push_back(shape("exponential", {"mean"}, {{"mean", ms}}, {"mean"}));
  options.push_back(shape("normal", {"mean", "stddev"}, {{"mean", ms}, {"stddev", ms}}, {"mean", "stddev"}));
  options.push_back(shape("lognormal", {"median", "p99"}, {{"median", positive_duration("milliseconds (> 0)")}, {"p99", ms}},
                          {"median", "p99"}));
  options.push_back(shape("lognormal", {"mu", "sigma"},
                          {{"mu", described(json{{"type", "number"}}, "mean of ln(milliseconds)")},
                           {"sigma", number_at_least(0, "standard deviation of ln(milliseconds)")}},
                          {"mu", "sigma"}));
  options.push_back(shape("pareto", {"scale", "shape"}, {{"scale", positive_duration("milliseconds (> 0)")}, {"shape", positive("shape (> 0)")}},
                          {"scale", "shape"}));
  return json{{"description", "a duration distribution in milliseconds: a number (constant) or {\"dist\": ...}"},
              {"oneOf", options}};
}

json selector() {
  json options = json::array();
  options.push_back(name("a node (broker-0, order-service-1, ...), a producer, group or service name (all its instances), "
                         "\"brokers\", \"controllers\", or a zone"));
  options.push_back(object({"leader_of"}, {{"leader_of", json{{"type", "string"}, {"pattern", "^.+/[0-9]+$"}}}}, {"leader_of"}));
  options.push_back(object({"random"}, {{"random", name("\"broker\", \"controller\", \"producer\", \"consumer\", \"service\", or a set name")}},
                           {"random"}));
  options.push_back(object({"group"}, {{"group", name("a consumer group: all its instances")}}, {"group"}));
  return json{{"oneOf", options}};
}

json fault_kind(std::size_t kind) {
  json properties = {
      {"kind", json{{"const", keys::kFaultKinds[kind]}}},
      {"at_ms", duration("when the fault begins")},
      {"target", ref("selector")},
      {"restart_after_ms", nullable(duration("restart this long after the crash"))},
      {"lose_unflushed", described(json{{"type", "boolean"}}, "also drop the log tail not yet flushed (power loss)")},
      {"sides", json{{"type", "array"}, {"minItems", 1}, {"maxItems", 2},
                     {"items", json{{"type", "array"}, {"minItems", 1}, {"items", ref("selector")}}}}},
      {"duration_ms", duration("how long it lasts")},
      {"one_way", described(json{{"type", "boolean"}}, "only traffic from the first side is cut")},
      {"between", json{{"type", "array"}, {"minItems", 2}, {"maxItems", 2}, {"items", ref("selector")}}},
      {"latency_ms", ref("distribution")},
      {"loss", probability("chance a message is dropped")},
      {"duplicate", probability("chance a message is delivered twice")},
      {"reorder", probability("chance a message is delayed behind later ones")},
      {"offset_ms", described(json{{"type", "number"}, {"minimum", -sim::time_ms_max()}, {"maximum", sim::time_ms_max()}},
                              "clock jump")},
      {"drift_ppm", described(json{{"type", "number"}}, "clock rate error")},
      {"count", integer(1, 1000000000, "how many poison messages")},
      {"every", integer(1, 1000000000, "every N-th message is poison")},
      {"factor", positive("how many times slower (> 0)")},
      {"rate_per_s", nullable(positive("replay rate (> 0); null: all at once"))},
      {"version", integer(1, 255, "the schema version emitted from at_ms")},
      {"instances", integer(0, 1000, "the new number of members")},
  };
  std::vector<std::string> keys = {"kind", "at_ms"};
  for (std::string const& key : keys::kFaultKeys[kind]) keys.push_back(key);
  std::vector<std::string> required = {"kind", "at_ms"};
  for (char const* key : {"target", "sides", "between", "version", "instances", "factor"}) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) required.emplace_back(key);
  }
  if (keys::kFaultKinds[kind] != "crash" && keys::kFaultKinds[kind] != "clock" &&
      std::find(keys.begin(), keys.end(), "duration_ms") != keys.end()) {
    required.emplace_back("duration_ms");
  }
  json schema = object(keys, properties, required);
  if (keys::kFaultKinds[kind] == "poison") {
    // Exactly one of them, not null.
    schema["oneOf"] = json::array({json{{"required", {"count"}}, {"properties", json{{"count", json{{"type", "integer"}}}}}},
                                   json{{"required", {"every"}}, {"properties", json{{"every", json{{"type", "integer"}}}}}}});
  }
  return json{{"if", json{{"properties", json{{"kind", json{{"const", keys::kFaultKinds[kind]}}}}}, {"required", {"kind"}}}},
              {"then", schema}};
}

json fault() {
  json all = json::array();
  for (std::size_t kind = 0; kind < keys::kFaultKinds.size(); ++kind) all.push_back(fault_kind(kind));
  json kinds = json::array();
  for (std::string const& kind : keys::kFaultKinds) kinds.push_back(kind);
  return json{{"type", "object"}, {"required", {"kind", "at_ms"}}, {"properties", json{{"kind", json{{"enum", kinds}}}}},
              {"allOf", all}};
}

json keys_schema() {
  return json{{"oneOf", json::array({integer(1, 10000000, "number of distinct keys k0..k(N-1), uniform"),
                                     object(keys::kKeys,
                                            {{"count", integer(1, 10000000, "number of distinct keys")},
                                             {"dist", enumeration({"uniform", "zipf"}, "key popularity")},
                                             {"s", positive("Zipf exponent (> 0)")}},
                                            {"count"}),
                                     json{{"type", "null"}}})},
              {"description", "keys: a count, {count, dist, s}, or null for keyless records (round-robin)"}};
}

json producer() {
  json const timestamps = enumeration({"local-clock", "lamport"}, "how message timestamps are made");
  return object(keys::kProducer,
                {{"name", name("producer name; instance i is NAME-i")},
                 {"instances", integer(1, 1000, "instances [1]")},
                 {"topic", name("topic it writes to")},
                 {"rate_per_s", positive("sends per second per instance (> 0)")},
                 {"messages", integer(0, 1000000000, "sends per instance")},
                 {"arrivals", enumeration({"poisson", "uniform"}, "arrival process [poisson]")},
                 {"keys", keys_schema()},
                 {"acks", enumeration({0, 1, "all"}, "acks [\"all\"]")},
                 {"idempotent", described(json{{"type", "boolean"}}, "idempotent producer [true when acks is \"all\"]")},
                 {"retries", integer(0, 2147483647, "retries [2147483647]")},
                 {"retry_backoff_ms", duration("backoff between retries [100]")},
                 {"request_timeout_ms", positive_duration("request timeout [30000]")},
                 {"delivery_timeout_ms", duration("give up on a send after this long [120000]")},
                 {"max_in_flight", integer(1, 1000, "requests in flight per partition [5]; at most 5 when idempotent")},
                 {"linger_ms", duration("batching delay [0]")},
                 {"timestamps", timestamps},
                 {"zone", name("the zone its instances run in")}},
                {"name", "topic"});
}

// A producer needs a rate, a message count, or both.
json producer_with_volume() {
  json schema = producer();
  schema["anyOf"] = json::array({json{{"required", {"rate_per_s"}}, {"properties", json{{"rate_per_s", json{{"type", "number"}}}}}},
                                 json{{"required", {"messages"}}, {"properties", json{{"messages", json{{"type", "integer"}}}}}}});
  return schema;
}

json consumer_group() {
  json const backoff = object(keys::kBackoff, {{"initial_ms", duration("first backoff [0]")},
                                               {"multiplier", number_at_least(1, "1: fixed; > 1: exponential [1]")},
                                               {"max_ms", duration("cap [30000]")},
                                               {"jitter", enumeration({"none", "full", "equal", "decorrelated"}, "jitter [none]")}});
  json const on_failure = object(keys::kOnFailure, {{"max_attempts", integer(1, 1000000, "attempts [10]")},
                                                    {"backoff", backoff},
                                                    {"then", enumeration({"dead-letter", "skip", "block"}, "after the last attempt [block]")},
                                                    {"non_blocking", described(json{{"type", "boolean"}}, "retry topics: the partition moves on while a failed record waits out its backoff [false]")}});
  return object(keys::kConsumerGroup,
                {{"name", name("group name; instance i is NAME-i")},
                 {"topic", name("topic it reads")},
                 {"instances", integer(1, 1000, "instances [1]")},
                 {"assignor", enumeration({"range", "round-robin", "sticky"}, "partition assignor [range]")},
                 {"commit", enumeration({"after-processing", "before-processing", "auto"}, "commit mode [after-processing]")},
                 {"auto_commit_interval_ms", positive_duration("auto-commit interval [5000]")},
                 {"processing_ms", ref("distribution")},
                 {"dedup", enumeration({"none", "memory", "durable"}, "idempotent consumer [none]")},
                 {"calls", nullable(name("a service called while processing"))},
                 {"circuit_breaker", nullable(object(keys::kCircuitBreaker,
                                                     {{"failure_rate_threshold", described(json{{"type", "number"}, {"minimum", 0}, {"maximum", 100}}, "[50] percent")},
                                                      {"sliding_window", integer(1, 100000, "[100] calls")},
                                                      {"minimum_calls", integer(1, 100000, "[= sliding_window]")},
                                                      {"wait_in_open_ms", duration("[60000]")},
                                                      {"half_open_calls", integer(1, 100000, "[10]")}}))},
                 {"on_failure", on_failure},
                 {"emits", nullable(object(keys::kEmits, {{"topic", name("topic of the follow-up message")}}, {"topic"}))},
                 {"order_by", enumeration({"offset", "timestamp"}, "read-model order [offset]")},
                 {"schema_versions", json{{"type", "array"}, {"minItems", 1}, {"items", integer(1, 255, "a schema version")}}},
                 {"on_unknown_schema", enumeration({"fail", "ignore"}, "[fail]")},
                 {"max_poll_records", integer(1, 1000000, "[500]")},
                 {"session_timeout_ms", duration("[45000]")},
                 {"heartbeat_interval_ms", positive_duration("[3000]; lower than session_timeout_ms")},
                 {"timestamps", enumeration({"local-clock", "lamport"}, "timestamps of what it emits")},
                 {"zone", name("the zone its instances run in")}},
                {"name", "topic"});
}

json system_sections(json& properties) {
  json const link = object(keys::kLink, {{"between", json{{"type", "array"}, {"minItems", 2}, {"maxItems", 2}, {"items", name("zone or node")}}},
                                          {"latency_ms", ref("distribution")},
                                          {"loss", probability("chance a message is dropped")},
                                          {"duplicate", probability("chance a message is duplicated")},
                                          {"reorder", probability("chance a message is reordered")}},
                           {"between"});
  properties["network"] = object(keys::kNetwork, {{"latency_ms", ref("distribution")},
                                                  {"zones", json{{"type", "array"}, {"uniqueItems", true}, {"items", name("zone")}}},
                                                  {"links", json{{"type", "array"}, {"items", link}}}});
  properties["brokers"] = object(keys::kBrokers, {{"count", integer(1, 1000, "number of brokers")},
                                                  {"zones", json{{"type", "array"}, {"items", name("zone of broker i")}}},
                                                  {"flush_interval_ms", nullable(positive_duration("fsync interval (> 0)"))},
                                                  {"replica_lag_time_max_ms", positive_duration("[30000]")},
                                                  {"controller_failover_ms", duration("[9000]")}},
                                 {"count"});
  properties["controllers"] = object(keys::kControllers,
                                     {{"placement", enumeration({"dedicated", "brokers"},
                                                                "[\"dedicated\"]: controller-0 ... of their own, or the KRaft quorum on the brokers")},
                                      {"count", integer(1, 15, "[3] voters of a dedicated quorum")},
                                      {"zones", json{{"type", "array"}, {"items", name("zone of controller i")}}}});
  json const topic = object(keys::kTopic, {{"name", name("topic name")},
                                           {"partitions", integer(1, 100000, "[1]")},
                                           {"replication_factor", integer(1, 1000, "[1]")},
                                           {"min_insync_replicas", integer(1, 1000, "[1]")},
                                           {"unclean_leader_election", described(json{{"type", "boolean"}}, "[false]")}},
                            {"name"});
  properties["topics"] = json{{"type", "array"}, {"items", topic}};
  properties["producers"] = json{{"type", "array"}, {"items", producer_with_volume()}};
  properties["consumer_groups"] = json{{"type", "array"}, {"items", consumer_group()}};
  json const service = object(keys::kService, {{"name", name("service name")},
                                               {"capacity_per_s", nullable(positive("calls per second it can take (> 0)"))},
                                               {"latency_ms", ref("distribution")},
                                               {"zone", name("zone")}},
                              {"name"});
  properties["services"] = json{{"type", "array"}, {"items", service}};
  return properties;
}

}  // namespace

nlohmann::json scenario_schema() {
  json properties = {
      {"$schema", json{{"type", "string"}}},
      {"$comment", json{{"type", "string"}}},
      {"name", name("scenario name")},
      {"description", described(json{{"type", "string"}}, "one sentence on what it shows")},
      {"seed", described(json{{"type", "integer"}, {"minimum", 0}, {"maximum", 18446744073709551615ULL}}, "default seed [1]")},
      {"duration_ms", positive_duration("producers stop at this time")},
      {"drain_ms", duration("then the run goes on at most this long [duration_ms]")},
      {"heal_at_drain", described(json{{"type", "boolean"}}, "end every fault when the drain begins [true]")},
  };
  system_sections(properties);
  properties["faults"] = json{{"type", "array"}, {"items", ref("fault")}};
  properties["expect"] = object(keys::kExpect, {{"delivery", enumeration({"at-most-once", "at-least-once", "exactly-once"}, "")},
                                                {"ordering", enumeration({"per-key", "per-partition", "none"}, "")},
                                                {"max_p99_latency_ms", number_at_least(0, "")},
                                                {"max_consumer_lag", number_at_least(0, "")},
                                                {"max_retry_amplification", number_at_least(0, "")},
                                                {"max_dead_lettered", number_at_least(0, "")},
                                                {"max_timestamp_inversions", number_at_least(0, "")},
                                                {"max_downstream_load", number_at_least(0, "")}});
  json schema = object(keys::kTop, properties, {"name", "duration_ms", "brokers"});
  schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  schema["$id"] = "https://brokersim.dev/schema/scenario.json";
  schema["title"] = "brokersim scenario";
  schema["$defs"] = json{{"distribution", distribution()}, {"selector", selector()}, {"fault", fault()}};
  return schema;
}

}  // namespace brokersim::scenarios
