// The parts of loading that look across the document: names and what they refer to, faults and their
// targets, expectations.
#include <algorithm>
#include <map>
#include <set>

#include "faults/registry.h"
#include "jsonio/reader.h"
#include "scenarios/loader.h"
#include "scenarios/scenario_keys.h"

namespace brokersim::scenarios {

using jsonio::Value;

namespace {

using faults::NameKind;
using faults::Names;

void add_unique(Names& names, Value const& at, std::string const& name, NameKind kind) {
  if (!names.add(name, kind)) at.fail("the name \"" + name + "\" is already taken (names of brokers, controllers, RabbitMQ nodes, zones, producers, groups, services and their instances share one space)");
}

Names collect_names(Value const& root, model::WorldConfig const& world) {
  Names names(world);
  for (std::size_t i = 0; i < world.producers.size(); ++i) {
    auto const& producer = world.producers[i];
    Value const at = root.at("producers").array()[i].at("name");
    add_unique(names, at, producer.name, NameKind::producer);
    for (int k = 0; k < producer.instances; ++k) add_unique(names, at, producer.name + "-" + std::to_string(k), NameKind::producer_instance);
  }
  for (std::size_t i = 0; i < world.consumer_groups.size(); ++i) {
    auto const& group = world.consumer_groups[i];
    Value const at = root.at("consumer_groups").array()[i].at("name");
    add_unique(names, at, group.name, NameKind::group);
    for (int k = 0; k < group.instances_created(); ++k) {
      add_unique(names, at, group.name + "-" + std::to_string(k), NameKind::group_instance);
    }
  }
  for (std::size_t i = 0; i < world.services.size(); ++i) {
    add_unique(names, root.at("services").array()[i].at("name"), world.services[i].name, NameKind::service);
  }
  return names;
}

bool topic_exists(model::WorldConfig const& world, std::string const& name) {
  return std::any_of(world.topics.begin(), world.topics.end(), [&](auto const& topic) { return topic.name == name; });
}

// What a destination name is: a Kafka topic, a RabbitMQ exchange or queue (names are unique across the scenario).
std::string destination_kind(model::WorldConfig const& world, std::string const& name) {
  if (topic_exists(world, name)) return "a Kafka topic";
  auto const& rabbit = world.rabbitmq;
  if (std::any_of(rabbit.exchanges.begin(), rabbit.exchanges.end(), [&](auto const& e) { return e.name == name; })) return "a RabbitMQ exchange";
  if (std::any_of(rabbit.queues.begin(), rabbit.queues.end(), [&](auto const& q) { return q.name == name; })) return "a RabbitMQ queue";
  return "";
}

// `at` names a `what` ("topic", "exchange", "queue") that must exist among `declared` (listed at `where`).
void require_named(Value const& at, model::WorldConfig const& world, std::string const& what, std::vector<std::string> const& declared,
                   std::string const& where) {
  std::string const name = at.string();
  if (std::find(declared.begin(), declared.end(), name) != declared.end()) return;
  std::string message = what + " \"" + name + "\" is not defined in " + where;
  std::string const other = destination_kind(world, name);
  std::string const suggestion = jsonio::closest_match(name, declared);
  if (!other.empty()) message += "; \"" + name + "\" is " + other;
  else if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
  else if (what != "topic" && !world.rabbitmq.present()) message += " (the scenario has no \"rabbitmq\" section)";
  at.fail(message);
}

void require_topic(Value const& at, model::WorldConfig const& world) {
  std::vector<std::string> topics;
  for (auto const& topic : world.topics) topics.push_back(topic.name);
  require_named(at, world, "topic", topics, "/topics");
}

void require_exchange(Value const& at, model::WorldConfig const& world) {
  std::vector<std::string> exchanges;
  for (auto const& exchange : world.rabbitmq.exchanges) exchanges.push_back(exchange.name);
  require_named(at, world, "exchange", exchanges, "/rabbitmq/exchanges");
}

void require_queue(Value const& at, model::WorldConfig const& world) {
  std::vector<std::string> queues;
  for (auto const& queue : world.rabbitmq.queues) queues.push_back(queue.name);
  require_named(at, world, "queue", queues, "/rabbitmq/queues");
}

// Every Kafka topic, RabbitMQ exchange and queue name is unique across the scenario.
void check_destinations_unique(Value const& root, model::WorldConfig const& world) {
  std::map<std::string, std::pair<std::string, std::string>> seen;  // name -> what it is, where it was first defined
  auto add = [&](std::string const& name, std::string const& what, Value const& at) {
    auto const [first, inserted] = seen.emplace(name, std::pair{what, at.pointer()});
    if (inserted) return;
    auto const& [other, where] = first->second;
    if (other == "Kafka topic" && what == other) at.fail("topic \"" + name + "\" is defined twice");
    at.fail("the name \"" + name + "\" is already taken by the " + other + " at " + where +
            " (Kafka topic, RabbitMQ exchange and queue names are unique across the scenario)");
  };
  for (std::size_t i = 0; i < world.topics.size(); ++i) add(world.topics[i].name, "Kafka topic", root.at("topics").array()[i].at("name"));
  if (!world.rabbitmq.present()) return;
  Value const rabbit = root.at("rabbitmq");
  for (std::size_t i = 0; i < world.rabbitmq.exchanges.size(); ++i) {
    add(world.rabbitmq.exchanges[i].name, "RabbitMQ exchange", rabbit.at("exchanges").array()[i].at("name"));
  }
  for (std::size_t i = 0; i < world.rabbitmq.queues.size(); ++i) {
    add(world.rabbitmq.queues[i].name, "RabbitMQ queue", rabbit.at("queues").array()[i].at("name"));
  }
}

// A queue is read by at most one group (competing consumers are one group's instances), and the routing
// table accepts the cluster's definitions (the loader's own checks come first, with their pointers).
void check_rabbitmq(Value const& root, model::WorldConfig const& world) {
  std::map<std::string, std::size_t> readers;
  for (std::size_t i = 0; i < world.consumer_groups.size(); ++i) {
    auto const& group = world.consumer_groups[i];
    if (!group.queue) continue;
    auto const [first, inserted] = readers.emplace(*group.queue, i);
    if (!inserted) {
      root.at("consumer_groups").array()[i].at("queue").fail(
          "queue \"" + *group.queue + "\" is already read by group \"" + world.consumer_groups[first->second].name +
          "\"; a queue is read by at most one group (competing consumers are one group's instances)");
    }
  }
  if (!world.rabbitmq.present()) return;
  std::vector<std::string> const errors = model::rabbitmq::validate_routing_config(world.rabbitmq.routing());
  if (!errors.empty()) root.at("rabbitmq").fail(errors.front());
}

}  // namespace

// The most instances group `name` will run: `instances`, or more when a fault (a scale) asks for more. Read from
// the raw document, before the faults are read (they need the names); read_faults then validates them.
int scaled_instances_max(Value const& root, std::string const& name, int instances) {
  return faults::group_instances_max(root.json().contains("faults") ? root.json()["faults"] : nlohmann::json(), name, instances);
}

void check_references(Value const& root, model::WorldConfig const& world) {
  check_destinations_unique(root, world);
  for (std::size_t i = 0; i < world.producers.size(); ++i) {
    Value const producer = root.at("producers").array()[i];
    if (world.producers[i].exchange) require_exchange(producer.at("exchange"), world);
    else if (world.producers[i].queue) require_queue(producer.at("queue"), world);
    else require_topic(producer.at("topic"), world);
  }
  for (std::size_t i = 0; i < world.consumer_groups.size(); ++i) {
    Value const group = root.at("consumer_groups").array()[i];
    if (world.consumer_groups[i].queue) require_queue(group.at("queue"), world);
    else require_topic(group.at("topic"), world);
    if (auto emits = group.get("emits")) require_topic(emits->at("topic"), world);
    if (auto calls = group.get("calls")) {
      std::string const service = calls->string();
      bool const found = std::any_of(world.services.begin(), world.services.end(), [&](auto const& s) { return s.name == service; });
      if (!found) calls->fail("service \"" + service + "\" is not defined in /services");
    }
  }
  check_rabbitmq(root, world);
  Names const names = collect_names(root, world);
  if (auto network = root.get("network")) {
    if (auto links = network->get("links")) {
      for (Value const& link : links->array()) {
        for (Value const& end : link.at("between").array()) {
          auto const kind = names.find(end.string());
          if (!kind) end.fail("\"" + end.string() + "\" is neither a zone nor a node");
        }
      }
    }
  }
}

std::vector<faults::Fault> read_faults(Value const& root, model::WorldConfig const& world) {
  std::vector<faults::Fault> list;
  auto const value = root.get("faults");
  if (!value) return list;
  Names const names = collect_names(root, world);
  for (Value const& entry : value->array()) list.push_back(faults::read_fault(entry, names, world));
  return list;
}

Expectations read_expectations(std::optional<Value> const& value) {
  Expectations expect;
  if (!value) return expect;
  value->require_keys_among(keys::kExpect);
  if (auto delivery = value->get("delivery")) {
    expect.delivery = std::array{DeliveryExpectation::at_most_once, DeliveryExpectation::at_least_once,
                                 DeliveryExpectation::exactly_once}[delivery->one_of({"at-most-once", "at-least-once", "exactly-once"})];
  }
  if (auto ordering = value->get("ordering")) {
    expect.ordering = std::array{OrderingExpectation::per_key, OrderingExpectation::per_partition,
                                 OrderingExpectation::none}[ordering->one_of({"per-key", "per-partition", "none"})];
  }
  for (auto const& [key, member] : kThresholds) {
    if (auto limit = value->get(key)) expect.*member = limit->number_at_least(0.0);
  }
  return expect;
}

}  // namespace brokersim::scenarios
