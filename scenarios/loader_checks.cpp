// The parts of loading that look across the document: names and what they refer to, faults and their
// targets, expectations.
#include <algorithm>
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
  if (!names.add(name, kind)) at.fail("the name \"" + name + "\" is already taken (names of brokers, controllers, zones, producers, groups, services and their instances share one space)");
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

void require_topic(Value const& at, model::WorldConfig const& world) {
  std::string const name = at.string();
  if (topic_exists(world, name)) return;
  std::vector<std::string> topics;
  for (auto const& topic : world.topics) topics.push_back(topic.name);
  std::string message = "topic \"" + name + "\" is not defined in /topics";
  std::string const suggestion = jsonio::closest_match(name, topics);
  if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
  at.fail(message);
}

void check_topics_unique(Value const& root, model::WorldConfig const& world) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < world.topics.size(); ++i) {
    if (!seen.insert(world.topics[i].name).second) {
      root.at("topics").array()[i].at("name").fail("topic \"" + world.topics[i].name + "\" is defined twice");
    }
  }
}

}  // namespace

// The most instances group `name` will run: `instances`, or more when a fault (a scale) asks for more. Read from
// the raw document, before the faults are read (they need the names); read_faults then validates them.
int scaled_instances_max(Value const& root, std::string const& name, int instances) {
  return faults::group_instances_max(root.json().contains("faults") ? root.json()["faults"] : nlohmann::json(), name, instances);
}

void check_references(Value const& root, model::WorldConfig const& world) {
  check_topics_unique(root, world);
  for (std::size_t i = 0; i < world.producers.size(); ++i) require_topic(root.at("producers").array()[i].at("topic"), world);
  for (std::size_t i = 0; i < world.consumer_groups.size(); ++i) {
    Value const group = root.at("consumer_groups").array()[i];
    require_topic(group.at("topic"), world);
    if (auto emits = group.get("emits")) require_topic(emits->at("topic"), world);
    if (auto calls = group.get("calls")) {
      std::string const service = calls->string();
      bool const found = std::any_of(world.services.begin(), world.services.end(), [&](auto const& s) { return s.name == service; });
      if (!found) calls->fail("service \"" + service + "\" is not defined in /services");
    }
  }
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
