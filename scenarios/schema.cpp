#include "scenarios/schema.h"

#include "faults/registry.h"
#include "jsonio/schema.h"
#include "scenarios/scenario_keys.h"
#include "sim/time.h"

namespace brokersim::scenarios {

namespace {

using nlohmann::json;

using namespace jsonio::schema;

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

json strings(char const* description) {
  return described(json{{"type", "array"}, {"minItems", 1}, {"items", json{{"type", "string"}}}}, description);
}

// Exactly one of `keys` is given as a string (a destination): the others are absent or null.
json one_destination(std::vector<char const*> const& keys) {
  json options = json::array();
  for (char const* key : keys) {
    options.push_back(json{{"required", {key}}, {"properties", json{{key, json{{"type", "string"}}}}}});
  }
  return options;
}

json producer() {
  json const timestamps = enumeration({"local-clock", "lamport"}, "how message timestamps are made");
  json const attribute = json{{"oneOf", json::array({json{{"type", "string"}}, strings("values, one drawn per message")})}};
  return object(keys::kProducer,
                {{"name", name("producer name; instance i is NAME-i")},
                 {"instances", integer(1, 1000, "instances [1]")},
                 {"topic", name("Kafka topic it writes to (one of topic, exchange, queue)")},
                 {"exchange", name("RabbitMQ exchange it publishes to (one of topic, exchange, queue)")},
                 {"routing_key", described(json{{"oneOf", json::array({json{{"type", "string"}}, strings("routing keys")})}},
                                           "with exchange: a routing key, or a list from which each message draws one [\"\"]")},
                 {"queue", name("RabbitMQ queue it publishes to through the default exchange (one of topic, exchange, queue)")},
                 {"attributes", described(json{{"type", "object"}, {"additionalProperties", attribute}},
                                          "headers every message carries: {\"name\": value | [values...]} [{}]")},
                 {"confirms", described(json{{"type", "boolean"}}, "RabbitMQ publisher confirms [true]")},
                 {"mandatory", described(json{{"type", "boolean"}}, "RabbitMQ: unroutable messages are returned [false]")},
                 {"persistent", described(json{{"type", "boolean"}}, "RabbitMQ delivery mode 2 [true]")},
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
                {"name"});
}

// A producer needs a rate, a message count, or both.
json producer_with_volume() {
  json schema = producer();
  schema["oneOf"] = one_destination({"topic", "exchange", "queue"});
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
                                                    {"then", enumeration({"dead-letter", "skip", "block", "requeue"},
                                                                         "after the last attempt [block]; requeue: RabbitMQ queues only")},
                                                    {"non_blocking", described(json{{"type", "boolean"}}, "retry topics: the partition moves on while a failed record waits out its backoff [false]")}});
  json schema = object(keys::kConsumerGroup,
                {{"name", name("group name; instance i is NAME-i")},
                 {"topic", name("Kafka topic it reads (one of topic, queue)")},
                 {"queue", name("RabbitMQ queue it reads, alone (one of topic, queue)")},
                 {"prefetch", integer(0, 65535, "RabbitMQ: unacknowledged deliveries per consumer [250]; 0: unlimited")},
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
                {"name"});
  schema["oneOf"] = one_destination({"topic", "queue"});
  return schema;
}

json rabbitmq() {
  json const exchange = object(keys::kExchange,
                               {{"name", name("exchange name")},
                                {"type", enumeration({"direct", "fanout", "topic", "headers"}, "[\"direct\"]")},
                                {"alternate_exchange", name("where messages no binding matches go [null]")}},
                               {"name"});
  json const queue = object(keys::kQueue,
                            {{"name", name("queue name")},
                             {"type", enumeration({"classic", "quorum"}, "[\"classic\"]: one node, not replicated")},
                             {"node", integer(0, 999, "its node (quorum: the first leader's) [spread over the nodes]")},
                             {"replicas", integer(1, 1000, "quorum members [min(3, nodes)]")},
                             {"durable", described(json{{"type", "boolean"}}, "[true]")},
                             {"dead_letter_exchange", name("[null]")},
                             {"dead_letter_routing_key", described(json{{"type", "string"}}, "[null: the message's own]")},
                             {"delivery_limit", integer(-1, 2147483647, "quorum only [20]; -1: unlimited")},
                             {"message_ttl_ms", duration("[null: none]")},
                             {"max_length", integer(0, 1000000000000, "ready messages [null: unlimited]")},
                             {"overflow", enumeration({"drop-head", "reject-publish"}, "at max_length [\"drop-head\"]")},
                             {"consumer_timeout_ms", positive_duration("[1800000]")}},
                            {"name"});
  json const binding = object(keys::kBinding,
                              {{"exchange", name("a declared exchange")},
                               {"queue", name("a declared queue")},
                               {"routing_key", described(json{{"type", "string"}}, "direct and topic exchanges [\"\"]")},
                               {"headers", described(json{{"type", "object"}, {"additionalProperties", json{{"type", "string"}}}},
                                                     "headers exchanges: the header values to match")},
                               {"x_match", enumeration({"all", "any"}, "headers exchanges [\"all\"]")}},
                              {"exchange", "queue"});
  return object(keys::kRabbitMQ, {{"nodes", integer(1, 1000, "RabbitMQ nodes rabbit-0 ... [1]")},
                                  {"zones", json{{"type", "array"}, {"items", name("zone of node i")}}},
                                  {"exchanges", json{{"type", "array"}, {"items", exchange}}},
                                  {"queues", json{{"type", "array"}, {"items", queue}}},
                                  {"bindings", json{{"type", "array"}, {"items", binding}}}});
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
  properties["rabbitmq"] = rabbitmq();
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
                                                {"max_downstream_load", number_at_least(0, "")},
                                                {"max_queue_depth", number_at_least(0, "")}});
  json schema = object(keys::kTop, properties, {"name", "duration_ms", "brokers"});
  schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  schema["$id"] = "https://brokersim.dev/schema/scenario.json";
  schema["title"] = "brokersim scenario";
  schema["$defs"] = json{{"distribution", distribution()}, {"selector", faults::selector_schema()}, {"fault", faults::fault_schema()}};
  return schema;
}

}  // namespace brokersim::scenarios
