// The parts of loading that look across the document: names and what they refer to, faults and their
// targets, expectations.
#include <algorithm>
#include <map>
#include <set>

#include "scenarios/json_reader.h"
#include "scenarios/loader.h"
#include "scenarios/scenario_keys.h"

namespace brokersim::scenarios {

namespace {

using faults::NodeSelector;

// The most members a scale fault may ask for: the bound of a group's `instances` (loader.cpp).
constexpr std::int64_t kScaleInstancesMax = 1000;

// What a name in a fault or link can stand for.
enum class NameKind { broker, brokers, controller, controllers, producer, producer_instance, group, group_instance, service, zone };

// Every name a scenario defines, with what it is. Built once, after the system is read.
class Names {
 public:
  explicit Names(model::WorldConfig const& world) {
    for (int b = 0; b < world.brokers.count; ++b) names_["broker-" + std::to_string(b)] = NameKind::broker;
    names_["brokers"] = NameKind::brokers;
    if (world.controllers.placement == model::ControllerPlacement::dedicated) {
      for (int c = 0; c < world.controllers.count; ++c) names_["controller-" + std::to_string(c)] = NameKind::controller;
      names_["controllers"] = NameKind::controllers;
    }
    for (auto const& zone : world.network.zones) names_[zone] = NameKind::zone;
  }
  // Adds `name`; false when it is already taken.
  bool add(std::string const& name, NameKind kind) { return names_.emplace(name, kind).second; }
  std::optional<NameKind> find(std::string const& name) const {
    auto const found = names_.find(name);
    if (found == names_.end()) return std::nullopt;
    return found->second;
  }
  std::vector<std::string> all() const {
    std::vector<std::string> list;
    for (auto const& [name, kind] : names_) list.push_back(name);
    return list;
  }

 private:
  std::map<std::string, NameKind> names_;
};

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
  std::string const suggestion = closest_match(name, topics);
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

// The most instances group `name` will run: `instances`, or more when a scale fault asks for more. Read from
// the raw document, before the faults are read (they need the names); read_faults then validates them.
int scaled_instances_max(Value const& root, std::string const& name, int instances) {
  auto const& faults = root.json().contains("faults") ? root.json()["faults"] : nlohmann::json();
  if (!faults.is_array()) return instances;
  for (auto const& fault : faults) {
    if (!fault.is_object() || fault.value("kind", nlohmann::json()) != "scale") continue;
    auto const target = fault.value("target", nlohmann::json());
    bool const names_group = target == name || (target.is_object() && target.value("group", nlohmann::json()) == name);
    auto const count = fault.value("instances", nlohmann::json());
    if (names_group && count.is_number_integer() && count.get<std::int64_t>() > instances && count.get<std::int64_t>() <= kScaleInstancesMax) {
      instances = static_cast<int>(count.get<std::int64_t>());
    }
  }
  return instances;
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

// --- Faults --------------------------------------------------------------------------------------------

namespace {

// The kinds of node a fault kind may act on.
std::set<NameKind> const& targets_of(std::string const& kind) {
  static std::set<NameKind> const any = {NameKind::broker, NameKind::brokers, NameKind::controller, NameKind::controllers,
                                         NameKind::producer, NameKind::producer_instance,
                                         NameKind::group, NameKind::group_instance, NameKind::service, NameKind::zone};
  static std::set<NameKind> const producers = {NameKind::producer, NameKind::producer_instance};
  static std::set<NameKind> const services = {NameKind::service};
  static std::set<NameKind> const groups = {NameKind::group};
  static std::set<NameKind> const processing = {NameKind::group, NameKind::group_instance, NameKind::service};
  if (kind == "poison" || kind == "schema_change") return producers;
  if (kind == "outage") return services;
  if (kind == "dlq_replay" || kind == "scale") return groups;
  if (kind == "slowdown") return processing;
  return any;
}

char const* described(std::string const& kind) {
  if (kind == "poison" || kind == "schema_change") return "a producer or producer instance";
  if (kind == "outage") return "a service";
  if (kind == "dlq_replay" || kind == "scale") return "a consumer group";
  if (kind == "slowdown") return "a consumer group, consumer instance or service";
  return "a node, a set of nodes or a selector";
}

NodeSelector read_leader_of(Value const& value, model::WorldConfig const& world) {
  std::string const text = value.string();
  std::size_t const slash = text.rfind('/');
  NodeSelector selector;
  selector.kind = NodeSelector::Kind::leader_of;
  if (slash == std::string::npos || slash + 1 >= text.size() ||
      text.find_first_not_of("0123456789", slash + 1) != std::string::npos || slash + 7 < text.size()) {
    value.expected("\"TOPIC/PARTITION\", e.g. \"orders/0\"");
  }
  selector.topic = text.substr(0, slash);
  selector.partition = std::stoi(text.substr(slash + 1));
  auto const topic = std::find_if(world.topics.begin(), world.topics.end(), [&](auto const& t) { return t.name == selector.topic; });
  if (topic == world.topics.end()) value.fail("topic \"" + selector.topic + "\" is not defined in /topics");
  if (selector.partition >= topic->partitions) {
    value.fail("partition " + std::to_string(selector.partition) + " does not exist: topic \"" + selector.topic + "\" has " +
               std::to_string(topic->partitions) + " partition(s)");
  }
  return selector;
}

NodeSelector read_selector(Value const& value, Names const& names, model::WorldConfig const& world, std::string const& kind) {
  std::set<NameKind> const& allowed = targets_of(kind);
  if (value.json().is_string()) {
    std::string const name = value.string();
    auto const found = names.find(name);
    if (!found) {
      std::string message = "no node, zone or set of nodes is named \"" + name + "\"";
      std::string const suggestion = closest_match(name, names.all());
      if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
      value.fail(message);
    }
    if (allowed.count(*found) == 0) value.fail("a fault of kind \"" + kind + "\" needs " + described(kind) + ", and \"" + name + "\" is not one");
    return NodeSelector{NodeSelector::Kind::name, name, "", 0};
  }
  if (!value.json().is_object() || value.json().size() != 1) {
    value.expected("a node name or a selector object ({\"leader_of\": \"topic/p\"}, {\"random\": ...} or {\"group\": ...})");
  }
  value.require_keys_among(keys::kSelector);
  if (auto leader = value.get("leader_of")) {
    if (allowed.count(NameKind::broker) == 0) value.fail("a fault of kind \"" + kind + "\" needs " + described(kind) + ", not a broker");
    return read_leader_of(*leader, world);
  }
  if (auto group = value.get("group")) {
    std::string const name = group->string();
    if (names.find(name) != NameKind::group) group->fail("\"" + name + "\" is not a consumer group");
    return NodeSelector{NodeSelector::Kind::group, name, "", 0};
  }
  Value const random = value.at("random");
  std::string const pool = random.string();
  bool const generic = pool == "broker" || pool == "producer" || pool == "consumer" || pool == "service" ||
                       (pool == "controller" && world.controllers.placement == model::ControllerPlacement::dedicated);
  auto const found = names.find(pool);
  if (!generic && (!found || (*found != NameKind::producer && *found != NameKind::group && *found != NameKind::zone))) {
    random.expected("\"broker\", \"controller\", \"producer\", \"consumer\", \"service\", or a producer, group or zone name");
  }
  return NodeSelector{NodeSelector::Kind::random, pool, "", 0};
}

std::vector<NodeSelector> read_side(Value const& value, Names const& names, model::WorldConfig const& world) {
  std::vector<NodeSelector> side;
  for (Value const& element : value.array(1)) side.push_back(read_selector(element, names, world, "partition"));
  return side;
}

faults::FaultAction read_action(Value const& value, std::size_t kind, Names const& names, model::WorldConfig const& world) {
  std::string const& name = keys::kFaultKinds[kind];
  auto target = [&] { return read_selector(value.at("target"), names, world, name); };
  auto duration = [&] { return value.at("duration_ms").duration_ms(); };
  auto probability = [&](char const* key) { return value.get(key) ? value.get(key)->probability() : 0.0; };
  switch (kind) {
    case 0: {
      faults::Crash crash{target(), std::nullopt, false};
      if (auto restart = value.get("restart_after_ms")) crash.restart_after = restart->duration_ms();
      if (auto lose = value.get("lose_unflushed")) crash.lose_unflushed = lose->boolean();
      return crash;
    }
    case 1: {
      faults::Partition partition;
      for (Value const& side : value.at("sides").array(1, 2)) partition.sides.push_back(read_side(side, names, world));
      partition.duration = duration();
      if (auto one_way = value.get("one_way")) partition.one_way = one_way->boolean();
      return partition;
    }
    case 2: {
      faults::LinkFault link;
      for (Value const& end : value.at("between").array(2, 2)) link.between.push_back(read_selector(end, names, world, name));
      link.duration = duration();
      if (auto latency = value.get("latency_ms")) link.latency = latency->distribution_ms();
      link.loss = probability("loss");
      link.duplicate = probability("duplicate");
      link.reorder = probability("reorder");
      return link;
    }
    case 3: {
      faults::ClockFault clock{target(), 0, 0.0, std::nullopt};
      if (auto offset = value.get("offset_ms")) clock.offset = offset->signed_duration_ms();
      if (auto drift = value.get("drift_ppm")) clock.drift_ppm = drift->number();
      if (auto lasting = value.get("duration_ms")) clock.duration = lasting->duration_ms();
      if (clock.offset == 0 && clock.drift_ppm == 0.0) value.fail("a clock fault needs a non-zero \"offset_ms\" or \"drift_ppm\"");
      return clock;
    }
    case 4:
      return faults::Pause{target(), duration()};
    case 5: {
      faults::Poison poison{target(), std::nullopt, std::nullopt};
      if (auto count = value.get("count")) poison.count = static_cast<std::uint64_t>(count->integer(1, 1000000000));
      if (auto every = value.get("every")) poison.every = static_cast<std::uint64_t>(every->integer(1, 1000000000));
      if (poison.count.has_value() == poison.every.has_value()) value.fail("a poison fault needs exactly one of \"count\" and \"every\"");
      return poison;
    }
    case 6:
      return faults::Outage{target(), duration()};
    case 7: {
      faults::Slowdown slowdown{target(), value.at("factor").number_at_least(0.0), duration()};
      if (slowdown.factor <= 0.0) value.at("factor").expected("a factor > 0");
      return slowdown;
    }
    case 8: {
      faults::DlqReplay replay{target(), std::nullopt};
      if (auto rate = value.get("rate_per_s")) {
        replay.rate_per_s = rate->number_at_least(0.0);
        if (*replay.rate_per_s <= 0.0) rate->expected("a rate > 0 or null (all at once)");
      }
      return replay;
    }
    case 9:
      return faults::SchemaChange{target(), static_cast<int>(value.at("version").integer(1, 255))};
    default:
      return faults::Scale{target(), static_cast<int>(value.at("instances").integer(0, kScaleInstancesMax))};
  }
}

// A key of another fault kind (restart_after_ms on a pause) is unknown here, and the message says whose it is.
void check_keys_of_other_kinds(Value const& entry, std::size_t kind, std::vector<std::string> const& allowed) {
  for (auto const& [key, member] : entry.json().items()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::vector<std::string> owners;
    for (std::size_t other = 0; other < keys::kFaultKinds.size(); ++other) {
      auto const& other_keys = keys::kFaultKeys[other];
      if (std::find(other_keys.begin(), other_keys.end(), key) != other_keys.end()) owners.push_back("\"" + keys::kFaultKinds[other] + "\"");
    }
    if (owners.empty()) continue;
    std::string list;
    for (std::size_t i = 0; i < owners.size(); ++i) list += (i == 0 ? "" : i + 1 == owners.size() ? " and " : ", ") + owners[i];
    entry.at(key).fail("unknown key \"" + key + "\" for a fault of kind \"" + keys::kFaultKinds[kind] + "\" (only " + list +
                       " faults have it)");
  }
}

}  // namespace

std::vector<faults::Fault> read_faults(Value const& root, model::WorldConfig const& world) {
  std::vector<faults::Fault> list;
  auto const value = root.get("faults");
  if (!value) return list;
  Names const names = collect_names(root, world);
  for (Value const& entry : value->array()) {
    entry.require_object();
    std::size_t const kind = entry.at("kind").one_of(keys::kFaultKinds);
    std::vector<std::string> allowed = {"kind", "at_ms"};
    for (std::string const& key : keys::kFaultKeys[kind]) allowed.push_back(key);
    check_keys_of_other_kinds(entry, kind, allowed);
    entry.require_keys_among(allowed);
    faults::Fault fault;
    fault.at = entry.at("at_ms").duration_ms();
    fault.action = read_action(entry, kind, names, world);
    list.push_back(std::move(fault));
  }
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
