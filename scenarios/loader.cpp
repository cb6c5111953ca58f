#include "scenarios/loader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "model/world/world.h"
#include "jsonio/reader.h"
#include "scenarios/scenario_keys.h"
#include "sim/digest.h"
#include "sim/format.h"

namespace brokersim::scenarios {

using jsonio::Value;

namespace {

using model::Acks;
using sim::Time;

// Files larger than this are refused before reading: no scenario needs them.
constexpr std::uintmax_t kFileBytesMax = 64ULL << 20;

// Upper bounds that keep a run within memory; far above what scenarios use.
constexpr std::int64_t kBrokersMax = 1000;
constexpr std::int64_t kControllersMax = 15;  // KRaft runs 3 or 5 voters; more only slows commits.
constexpr std::int64_t kPartitionsMax = 100000;
constexpr std::int64_t kInstancesMax = 1000;
constexpr std::int64_t kKeysMax = 10000000;

// --- The system ----------------------------------------------------------------------------------------

model::LinkConfig read_link(Value const& value) {
  value.require_keys_among(keys::kLink);
  model::LinkConfig link;
  for (Value const& name : value.at("between").array(2, 2)) link.between.push_back(name.name());
  if (auto latency = value.get("latency_ms")) link.latency = latency->distribution_ms();
  if (auto loss = value.get("loss")) link.loss = loss->probability();
  if (auto duplicate = value.get("duplicate")) link.duplicate = duplicate->probability();
  if (auto reorder = value.get("reorder")) link.reorder = reorder->probability();
  return link;
}

model::NetworkConfig read_network(std::optional<Value> const& value) {
  model::NetworkConfig network;
  if (!value) return network;
  value->require_keys_among(keys::kNetwork);
  if (auto latency = value->get("latency_ms")) network.latency = latency->distribution_ms();
  if (auto zones = value->get("zones")) {
    for (Value const& zone : zones->array()) {
      std::string name = zone.name();
      if (std::find(network.zones.begin(), network.zones.end(), name) != network.zones.end()) zone.fail("duplicate zone \"" + name + "\"");
      network.zones.push_back(std::move(name));
    }
  }
  if (auto links = value->get("links")) {
    for (Value const& link : links->array()) network.links.push_back(read_link(link));
  }
  return network;
}

std::optional<std::string> read_zone(Value const& object, model::NetworkConfig const& network) {
  auto zone = object.get("zone");
  if (!zone) return std::nullopt;
  std::string name = zone->name();
  if (std::find(network.zones.begin(), network.zones.end(), name) == network.zones.end()) {
    zone->fail("zone \"" + name + "\" is not one of network.zones");
  }
  return name;
}

}  // namespace

// `zones`: one zone of network.zones per node, `count` in all.
std::vector<std::string> read_zone_list(Value const& zones, int count, model::NetworkConfig const& network) {
  std::vector<std::string> names;
  for (Value const& zone : zones.array(static_cast<std::size_t>(count), static_cast<std::size_t>(count))) {
    std::string name = zone.name();
    if (std::find(network.zones.begin(), network.zones.end(), name) == network.zones.end()) {
      zone.fail("zone \"" + name + "\" is not one of network.zones");
    }
    names.push_back(std::move(name));
  }
  return names;
}

namespace {

model::BrokersConfig read_brokers(Value const& value, model::NetworkConfig const& network) {
  value.require_keys_among(keys::kBrokers);
  model::BrokersConfig brokers;
  brokers.count = static_cast<int>(value.at("count").integer(1, kBrokersMax));
  if (auto zones = value.get("zones")) brokers.zones = read_zone_list(*zones, brokers.count, network);
  if (auto flush = value.get("flush_interval_ms")) brokers.flush_interval = flush->duration_ms();
  if (brokers.flush_interval && *brokers.flush_interval == 0) value.at("flush_interval_ms").expected("a duration > 0 or null");
  if (auto lag = value.get("replica_lag_time_max_ms")) brokers.replica_lag_time_max = lag->duration_ms();
  if (brokers.replica_lag_time_max < 2) value.at("replica_lag_time_max_ms").expected("a duration >= 0.002");
  if (auto failover = value.get("controller_failover_ms")) brokers.controller_failover = failover->duration_ms();
  return brokers;
}

// The KRaft quorum: dedicated controller nodes (the default, three of them in no zone), or the brokers.
model::ControllersConfig read_controllers(std::optional<Value> const& value, model::NetworkConfig const& network) {
  model::ControllersConfig controllers;
  if (!value) return controllers;
  value->require_keys_among(keys::kControllers);
  if (auto placement = value->get("placement")) {
    controllers.placement = placement->one_of({"dedicated", "brokers"}) == 0 ? model::ControllerPlacement::dedicated
                                                                             : model::ControllerPlacement::brokers;
  }
  if (controllers.placement == model::ControllerPlacement::brokers) {
    for (char const* key : {"count", "zones"}) {
      if (auto given = value->get(key)) given->fail("with \"placement\": \"brokers\" the brokers are the quorum; remove \"" + std::string(key) + "\"");
    }
    return controllers;
  }
  if (auto count = value->get("count")) controllers.count = static_cast<int>(count->integer(1, kControllersMax));
  if (auto zones = value->get("zones")) controllers.zones = read_zone_list(*zones, controllers.count, network);
  return controllers;
}

model::TopicConfig read_topic(Value const& value, model::BrokersConfig const& brokers) {
  value.require_keys_among(keys::kTopic);
  model::TopicConfig topic;
  topic.name = value.at("name").name();
  if (auto partitions = value.get("partitions")) topic.partitions = static_cast<int>(partitions->integer(1, kPartitionsMax));
  if (auto rf = value.get("replication_factor")) {
    topic.replication_factor = static_cast<int>(rf->integer(1, kBrokersMax));
    if (topic.replication_factor > brokers.count) {
      rf->fail("replication_factor " + std::to_string(topic.replication_factor) + " is more than the " +
               std::to_string(brokers.count) + " broker(s)");
    }
  }
  if (auto min_isr = value.get("min_insync_replicas")) {
    topic.min_insync_replicas = static_cast<int>(min_isr->integer(1, kBrokersMax));
    if (topic.min_insync_replicas > topic.replication_factor) {
      min_isr->fail("min_insync_replicas " + std::to_string(topic.min_insync_replicas) + " is more than replication_factor " +
                    std::to_string(topic.replication_factor) + ": no produce with acks=all could ever succeed");
    }
  }
  if (auto unclean = value.get("unclean_leader_election")) topic.unclean_leader_election = unclean->boolean();
  return topic;
}

model::KeysConfig read_keys(std::optional<Value> const& value) {
  model::KeysConfig keys;
  if (!value) return keys;
  if (value->json().is_number()) {
    keys.count = static_cast<std::uint64_t>(value->integer(1, kKeysMax));
    return keys;
  }
  if (!value->json().is_object()) value->expected("a number of keys, {\"count\": N, \"dist\": \"zipf\", \"s\": S} or null");
  value->require_keys_among(keys::kKeys);
  keys.count = static_cast<std::uint64_t>(value->at("count").integer(1, kKeysMax));
  if (auto dist = value->get("dist")) keys.dist = dist->one_of({"uniform", "zipf"}) == 0 ? model::KeyDist::uniform : model::KeyDist::zipf;
  if (auto s = value->get("s")) {
    keys.zipf_s = s->number_at_least(0.0);
    if (keys.zipf_s <= 0.0) s->expected("an exponent s > 0");
  }
  return keys;
}

model::Timestamps read_timestamps(Value const& object) {
  auto value = object.get("timestamps");
  if (!value) return model::Timestamps::local_clock;
  return value->one_of({"local-clock", "lamport"}) == 0 ? model::Timestamps::local_clock : model::Timestamps::lamport;
}

// Retries of a send that failed or went unanswered: Kafka's produce requests, RabbitMQ's unconfirmed publishes.
void read_producer_retries(Value const& value, model::ProducerConfig& producer) {
  if (auto retries = value.get("retries")) producer.retries = retries->integer(0, 2147483647);
  if (auto backoff = value.get("retry_backoff_ms")) producer.retry_backoff = backoff->duration_ms();
  if (auto timeout = value.get("request_timeout_ms")) producer.request_timeout = timeout->duration_ms();
  if (producer.request_timeout == 0) value.at("request_timeout_ms").expected("a duration > 0");
}

void read_producer_delivery(Value const& value, model::ProducerConfig& producer) {
  if (auto acks = value.get("acks")) producer.acks = std::array{Acks::none, Acks::leader, Acks::all}[acks->one_of({"#0", "#1", "all"})];
  producer.idempotent = producer.acks == Acks::all;
  if (auto idempotent = value.get("idempotent")) {
    producer.idempotent = idempotent->boolean();
    if (producer.idempotent && producer.acks != Acks::all) {
      idempotent->fail("idempotence requires acks \"all\" (Kafka refuses enable.idempotence=true with acks=0 or 1)");
    }
  }
  read_producer_retries(value, producer);
  if (auto timeout = value.get("delivery_timeout_ms")) producer.delivery_timeout = timeout->duration_ms();
  if (auto in_flight = value.get("max_in_flight")) producer.max_in_flight = static_cast<int>(in_flight->integer(1, 1000));
  if (producer.idempotent && producer.max_in_flight > 5) {
    value.at("max_in_flight").fail("an idempotent producer allows at most 5 requests in flight (Kafka's rule), got " +
                                   std::to_string(producer.max_in_flight));
  }
  if (auto linger = value.get("linger_ms")) producer.linger = linger->duration_ms();
  if (producer.delivery_timeout < producer.linger + producer.request_timeout) {
    Value const at = value.has("delivery_timeout_ms") ? value.at("delivery_timeout_ms") : value;
    at.fail("delivery_timeout_ms must be at least linger_ms + request_timeout_ms (Kafka's rule)");
  }
}

// `attributes`: {"name": value | [values...]}, headers every message carries.
std::vector<model::AttributeConfig> read_attributes(std::optional<Value> const& value) {
  std::vector<model::AttributeConfig> attributes;
  if (!value) return attributes;
  value->require_object();
  for (auto const& [name, json] : value->json().items()) {
    Value const item(json, value->file(), value->pointer() + "/" + jsonio::pointer_token(name));
    if (name.empty()) item.fail("an attribute needs a non-empty name");
    model::AttributeConfig attribute{name, {}};
    if (json.is_array()) {
      for (Value const& one : item.array(1)) attribute.values.push_back(one.string());
    } else {
      if (!json.is_string()) item.expected("a string or a non-empty array of strings");
      attribute.values.push_back(item.string());
    }
    attributes.push_back(std::move(attribute));
  }
  return attributes;
}

// A setting of one system's client given to another's.
[[noreturn]] void refuse_setting(Value const& at, std::string const& key, char const* owner, std::string const& client) {
  at.fail("\"" + key + "\" is a " + owner + " setting; " + client + " does not take it");
}

// The destination: exactly one of `topic` (Kafka), `exchange` or `queue` (RabbitMQ). True for RabbitMQ.
bool read_producer_destination(Value const& value, model::ProducerConfig& producer, model::WorldConfig const& world) {
  std::vector<std::string> given;
  for (char const* key : {"topic", "exchange", "queue"}) {
    if (value.get(key)) given.push_back(key);
  }
  if (given.empty()) {
    // Without RabbitMQ, a missing topic is reported as before.
    if (value.has("topic") || !world.rabbitmq.present()) producer.topic = value.at("topic").name();
    value.fail("a producer needs one destination: \"topic\" (Kafka), \"exchange\" or \"queue\" (RabbitMQ)");
  }
  if (given.size() > 1) {
    value.at(given[1]).fail("a producer has one destination: \"" + given[0] + "\" or \"" + given[1] + "\", not both");
  }
  if (given[0] == "topic") {
    producer.topic = value.at("topic").name();
    for (std::string const& key : keys::kRabbitOnlyProducer) {
      if (auto setting = value.get(key)) refuse_setting(*setting, key, "RabbitMQ publisher", "a Kafka producer (to topic \"" + producer.topic + "\")");
    }
    return false;
  }
  if (given[0] == "exchange") {
    producer.exchange = value.at("exchange").name();
    if (auto keys = value.get("routing_key")) {
      if (keys->json().is_array()) {
        for (Value const& key : keys->array(1)) producer.routing_keys.push_back(key.string());
      } else {
        if (!keys->json().is_string()) keys->expected("a routing key or a non-empty array of routing keys");
        producer.routing_keys.push_back(keys->string());
      }
    }
  } else {
    producer.queue = value.at("queue").name();
    if (auto key = value.get("routing_key")) {
      key->fail("a publish to a queue goes through the default exchange, with the queue's name as its routing key; remove \"routing_key\" "
                "(or publish to an \"exchange\")");
    }
  }
  std::string const client = "a RabbitMQ publisher (to " + given[0] + " \"" + value.at(given[0]).string() + "\")";
  for (std::string const& key : keys::kKafkaOnlyProducer) {
    if (auto setting = value.get(key)) refuse_setting(*setting, key, "Kafka producer", client);
  }
  if (auto idempotent = value.get("idempotent"); idempotent && idempotent->boolean()) {
    idempotent->fail("RabbitMQ has no broker-side deduplication: " + client + " cannot be idempotent (remove \"idempotent\")");
  }
  return true;
}

void read_publisher(Value const& value, model::ProducerConfig& producer) {
  producer.idempotent = false;
  if (auto confirms = value.get("confirms")) producer.confirms = confirms->boolean();
  if (auto mandatory = value.get("mandatory")) producer.mandatory = mandatory->boolean();
  if (auto persistent = value.get("persistent")) producer.persistent = persistent->boolean();
  read_producer_retries(value, producer);
}

model::ProducerConfig read_producer(Value const& value, model::WorldConfig const& world) {
  value.require_keys_among(keys::kProducer);
  model::ProducerConfig producer;
  producer.name = value.at("name").name();
  bool const rabbit = read_producer_destination(value, producer, world);
  if (auto instances = value.get("instances")) producer.instances = static_cast<int>(instances->integer(1, kInstancesMax));
  if (auto rate = value.get("rate_per_s")) {
    producer.rate_per_s = rate->number_at_least(0.0);
    if (*producer.rate_per_s <= 0.0) rate->expected("a rate > 0");
  }
  if (auto messages = value.get("messages")) producer.messages = static_cast<std::uint64_t>(messages->integer(0, 1000000000));
  if (!producer.rate_per_s && !producer.messages) value.fail("a producer needs \"rate_per_s\", \"messages\" or both");
  if (auto arrivals = value.get("arrivals")) {
    producer.arrivals = arrivals->one_of({"poisson", "uniform"}) == 0 ? model::Arrivals::poisson : model::Arrivals::uniform;
  }
  producer.keys = read_keys(value.get("keys"));
  producer.attributes = read_attributes(value.get("attributes"));
  if (rabbit) read_publisher(value, producer);
  else read_producer_delivery(value, producer);
  producer.timestamps = read_timestamps(value);
  producer.zone = read_zone(value, world.network);
  return producer;
}

model::FailureConfig read_on_failure(std::optional<Value> const& value, bool queue_group) {
  model::FailureConfig failure;
  if (!value) return failure;
  value->require_keys_among(keys::kOnFailure);
  if (auto attempts = value->get("max_attempts")) failure.max_attempts = static_cast<int>(attempts->integer(1, 1000000));
  if (auto backoff = value->get("backoff")) {
    backoff->require_keys_among(keys::kBackoff);
    if (auto initial = backoff->get("initial_ms")) failure.backoff.initial = initial->duration_ms();
    if (auto multiplier = backoff->get("multiplier")) failure.backoff.multiplier = multiplier->number_at_least(1.0);
    if (auto max = backoff->get("max_ms")) failure.backoff.max = max->duration_ms();
    if (auto jitter = backoff->get("jitter")) {
      failure.backoff.jitter = std::array{model::Jitter::none, model::Jitter::full, model::Jitter::equal,
                                          model::Jitter::decorrelated}[jitter->one_of({"none", "full", "equal", "decorrelated"})];
    }
  }
  if (auto then = value->get("then")) {
    failure.then = std::array{model::AfterFailure::dead_letter, model::AfterFailure::skip, model::AfterFailure::block,
                              model::AfterFailure::requeue}[then->one_of({"dead-letter", "skip", "block", "requeue"})];
    if (failure.then == model::AfterFailure::requeue && !queue_group) {
      then->fail("\"requeue\" (nack with requeue) is for groups reading a RabbitMQ queue; a Kafka group cannot put a record back "
                 "(\"block\" attempts it again)");
    }
  }
  if (auto non_blocking = value->get("non_blocking")) {
    if (queue_group) {
      refuse_setting(*non_blocking, "non_blocking", "Kafka consumer",
                     "a group reading a RabbitMQ queue (no retry topics: a failed message is requeued or dead-lettered)");
    }
    failure.non_blocking = non_blocking->boolean();
    if (failure.non_blocking && failure.then == model::AfterFailure::block) {
      non_blocking->fail("non-blocking retries end in \"dead-letter\" or \"skip\", not \"block\" (a retry topic never blocks its partition)");
    }
  }
  return failure;
}

void read_group_processing(Value const& value, model::ConsumerGroupConfig& group) {
  if (auto commit = value.get("commit")) {
    group.commit = std::array{model::CommitMode::after_processing, model::CommitMode::before_processing,
                              model::CommitMode::auto_commit}[commit->one_of({"after-processing", "before-processing", "auto"})];
  }
  if (auto interval = value.get("auto_commit_interval_ms")) group.auto_commit_interval = interval->duration_ms();
  if (group.auto_commit_interval == 0) value.at("auto_commit_interval_ms").expected("a duration > 0");
  if (auto processing = value.get("processing_ms")) group.processing = processing->distribution_ms();
  if (auto dedup = value.get("dedup")) {
    group.dedup = std::array{model::Dedup::none, model::Dedup::memory, model::Dedup::durable}[dedup->one_of({"none", "memory", "durable"})];
  }
  if (auto assignor = value.get("assignor")) {
    group.assignor = std::array{model::Assignor::range, model::Assignor::round_robin,
                                model::Assignor::sticky}[assignor->one_of({"range", "round-robin", "sticky"})];
  }
  group.on_failure = read_on_failure(value.get("on_failure"), group.queue.has_value());
  if (auto order_by = value.get("order_by")) {
    group.order_by = order_by->one_of({"offset", "timestamp"}) == 0 ? model::OrderBy::offset : model::OrderBy::timestamp;
  }
  if (auto versions = value.get("schema_versions")) {
    group.schema_versions.clear();
    for (Value const& version : versions->array(1)) group.schema_versions.push_back(static_cast<int>(version.integer(1, 255)));
  }
  if (auto unknown = value.get("on_unknown_schema")) {
    group.on_unknown_schema = unknown->one_of({"fail", "ignore"}) == 0 ? model::OnUnknownSchema::fail : model::OnUnknownSchema::ignore;
  }
  if (auto records = value.get("max_poll_records")) group.max_poll_records = static_cast<int>(records->integer(1, 1000000));
}

model::ConsumerGroupConfig read_group(Value const& value, model::WorldConfig const& world) {
  value.require_keys_among(keys::kConsumerGroup);
  model::ConsumerGroupConfig group;
  group.name = value.at("name").name();
  auto const queue = value.get("queue");
  if (queue) {
    if (auto topic = value.get("topic")) topic->fail("a consumer group reads one \"topic\" (Kafka) or one \"queue\" (RabbitMQ), not both");
    group.queue = queue->name();
    std::string const client = "a group reading a RabbitMQ queue (\"" + *group.queue + "\")";
    for (std::string const& key : keys::kKafkaOnlyGroup) {
      if (auto setting = value.get(key)) refuse_setting(*setting, key, "Kafka consumer", client);
    }
    if (auto prefetch = value.get("prefetch")) group.prefetch = static_cast<int>(prefetch->integer(0, 65535));
  } else {
    if (!value.has("topic") && world.rabbitmq.present()) value.fail("a consumer group reads a \"topic\" (Kafka) or a \"queue\" (RabbitMQ)");
    group.topic = value.at("topic").name();
    for (std::string const& key : keys::kRabbitOnlyGroup) {
      if (auto setting = value.get(key)) refuse_setting(*setting, key, "RabbitMQ consumer", "a group reading a Kafka topic (\"" + group.topic + "\")");
    }
  }
  if (auto instances = value.get("instances")) group.instances = static_cast<int>(instances->integer(1, kInstancesMax));
  read_group_processing(value, group);
  if (auto calls = value.get("calls")) group.calls = calls->name();
  if (auto breaker = value.get("circuit_breaker")) {
    breaker->require_keys_among(keys::kCircuitBreaker);
    model::CircuitBreakerConfig config;
    if (auto rate = breaker->get("failure_rate_threshold")) {
      config.failure_rate_threshold = rate->number_at_least(0.0);
      if (config.failure_rate_threshold > 100.0) rate->expected("a percentage from 0 to 100");
    }
    if (auto window = breaker->get("sliding_window")) config.sliding_window = static_cast<int>(window->integer(1, 100000));
    config.minimum_calls = config.sliding_window;
    if (auto minimum = breaker->get("minimum_calls")) config.minimum_calls = static_cast<int>(minimum->integer(1, 100000));
    if (auto wait = breaker->get("wait_in_open_ms")) config.wait_in_open = wait->duration_ms();
    if (auto probes = breaker->get("half_open_calls")) config.half_open_calls = static_cast<int>(probes->integer(1, 100000));
    group.circuit_breaker = config;
  }
  if (auto emits = value.get("emits")) {
    emits->require_keys_among(keys::kEmits);
    group.emits_topic = emits->at("topic").name();
  }
  if (auto session = value.get("session_timeout_ms")) group.session_timeout = session->duration_ms();
  if (auto heartbeat = value.get("heartbeat_interval_ms")) group.heartbeat_interval = heartbeat->duration_ms();
  if (group.heartbeat_interval == 0) value.at("heartbeat_interval_ms").expected("a duration > 0");
  if (group.heartbeat_interval >= group.session_timeout) {
    Value const at = value.has("heartbeat_interval_ms") ? value.at("heartbeat_interval_ms") : value;
    at.fail("heartbeat_interval_ms must be lower than session_timeout_ms (Kafka's rule)");
  }
  group.timestamps = read_timestamps(value);
  group.zone = read_zone(value, world.network);
  return group;
}

model::ServiceConfig read_service(Value const& value, model::WorldConfig const& world) {
  value.require_keys_among(keys::kService);
  model::ServiceConfig service;
  service.name = value.at("name").name();
  if (auto capacity = value.get("capacity_per_s")) {
    service.capacity_per_s = capacity->number_at_least(0.0);
    if (*service.capacity_per_s <= 0.0) capacity->expected("a capacity > 0 or null");
  }
  if (auto latency = value.get("latency_ms")) service.latency = latency->distribution_ms();
  service.zone = read_zone(value, world.network);
  return service;
}

}  // namespace

// Parts that need the whole document (names, faults, cross-references) are in loader_checks.cpp; the
// `rabbitmq` section is in loader_rabbitmq.cpp.
model::WorldConfig read_world(Value const& root);
model::rabbitmq::RabbitConfig read_rabbitmq(std::optional<Value> const& value, model::NetworkConfig const& network);
std::vector<faults::Fault> read_faults(Value const& root, model::WorldConfig const& world);
Expectations read_expectations(std::optional<Value> const& value);
void check_references(Value const& root, model::WorldConfig const& world);
int scaled_instances_max(Value const& root, std::string const& group, int instances);

// One run's network holds at most model::kNodesMax nodes (a table per pair of nodes): a larger scenario
// is bad input, refused before anything runs.
void check_node_count(Value const& root, model::WorldConfig const& world) {
  std::size_t const nodes = model::node_count(world);
  if (nodes <= model::kNodesMax) return;
  root.fail("expected at most " + std::to_string(model::kNodesMax) +
            " network nodes (brokers, dedicated controllers, producer, consumer and service instances, and the producers inside consumer "
            "instances that emit or dead-letter), got " + std::to_string(nodes));
}

model::WorldConfig read_world(Value const& root) {
  model::WorldConfig world;
  world.network = read_network(root.get("network"));
  world.brokers = read_brokers(root.at("brokers"), world.network);
  world.controllers = read_controllers(root.get("controllers"), world.network);
  world.rabbitmq = read_rabbitmq(root.get("rabbitmq"), world.network);
  if (auto topics = root.get("topics")) {
    for (Value const& topic : topics->array()) world.topics.push_back(read_topic(topic, world.brokers));
  }
  if (auto producers = root.get("producers")) {
    for (Value const& producer : producers->array()) world.producers.push_back(read_producer(producer, world));
  }
  if (auto groups = root.get("consumer_groups")) {
    for (Value const& group : groups->array()) world.consumer_groups.push_back(read_group(group, world));
  }
  if (auto services = root.get("services")) {
    for (Value const& service : services->array()) world.services.push_back(read_service(service, world));
  }
  // A group runs instances up to the most any scale fault asks for; those beyond `instances` start
  // undeployed, but their names exist from the start, so that faults may name them.
  for (model::ConsumerGroupConfig& group : world.consumer_groups) {
    group.instances_max = scaled_instances_max(root, group.name, group.instances);
  }
  check_references(root, world);
  check_node_count(root, world);
  return world;
}

Scenario load_scenario_json(nlohmann::json const& document, std::string const& file) {
  Value const root(document, file, "/");
  root.require_keys_among(keys::kTop);
  for (char const* annotation : {"$schema", "$comment"}) {
    if (auto text = root.get(annotation)) text->string();
  }
  Scenario scenario;
  scenario.file = file;
  scenario.name = root.at("name").name();
  if (auto description = root.get("description")) scenario.description = description->string();
  if (auto seed = root.get("seed")) scenario.seed = seed->unsigned_integer();
  scenario.duration = root.at("duration_ms").duration_ms();
  if (scenario.duration == 0) root.at("duration_ms").expected("a duration > 0");
  scenario.drain = scenario.duration;
  if (auto drain = root.get("drain_ms")) scenario.drain = drain->duration_ms();
  // The ground truth keeps times in 48 bits (model::MessageRecord).
  constexpr auto kRunLimit = static_cast<sim::Time>(model::MessageRecord::kTimeLimit) - 1;
  if (scenario.duration > kRunLimit || scenario.drain > kRunLimit - scenario.duration) {
    root.fail("duration_ms + drain_ms must be at most " + std::to_string(kRunLimit / sim::kMicrosPerMilli) +
              " ms (2^48 microseconds, about 8.9 years)");
  }
  if (auto heal = root.get("heal_at_drain")) scenario.heal_at_drain = heal->boolean();
  scenario.world = read_world(root);
  scenario.faults = read_faults(root, scenario.world);
  scenario.expect = read_expectations(root.get("expect"));
  return scenario;
}

Scenario load_scenario_text(std::string_view text, std::string const& file) {
  Scenario scenario = load_scenario_json(jsonio::parse_scenario_text(text, file), file);
  scenario.content_hash = sim::content_hash(text);
  return scenario;
}

Scenario load_scenario_file(std::string const& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw ScenarioError(path + ": cannot read: " + std::strerror(errno));
  if (S_ISDIR(info.st_mode)) throw ScenarioError(path + ": cannot read: is a directory");
  if (!S_ISREG(info.st_mode)) throw ScenarioError(path + ": cannot read: not a regular file");
  if (static_cast<std::uintmax_t>(info.st_size) > kFileBytesMax) {
    throw ScenarioError(path + ": cannot read: larger than " + std::to_string(kFileBytesMax >> 20) + " MiB");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path + ": cannot read: " + std::strerror(errno));
  sim::TextStream text;
  text << in.rdbuf();
  return load_scenario_text(text.str(), path);
}

}  // namespace brokersim::scenarios
