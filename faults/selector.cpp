#include "faults/selector.h"

#include <algorithm>

#include "jsonio/schema.h"

namespace brokersim::faults {

using jsonio::Value;

Names::Names(model::WorldConfig const& world) {
  for (int b = 0; b < world.brokers.count; ++b) names_["broker-" + std::to_string(b)] = NameKind::broker;
  names_["brokers"] = NameKind::brokers;
  if (world.controllers.placement == model::ControllerPlacement::dedicated) {
    for (int c = 0; c < world.controllers.count; ++c) names_["controller-" + std::to_string(c)] = NameKind::controller;
    names_["controllers"] = NameKind::controllers;
  }
  for (int n = 0; n < world.rabbitmq.nodes; ++n) names_["rabbit-" + std::to_string(n)] = NameKind::rabbit_node;
  for (auto const& zone : world.network.zones) names_[zone] = NameKind::zone;
}

std::optional<NameKind> Names::find(std::string const& name) const {
  auto const found = names_.find(name);
  if (found == names_.end()) return std::nullopt;
  return found->second;
}

std::vector<std::string> Names::all() const {
  std::vector<std::string> list;
  for (auto const& [name, kind] : names_) list.push_back(name);
  return list;
}

bool TargetRule::allows(NameKind kind) const { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); }

TargetRule const& any_node() {
  static TargetRule const rule{{NameKind::broker, NameKind::brokers, NameKind::controller, NameKind::controllers, NameKind::producer,
                                NameKind::producer_instance, NameKind::group, NameKind::group_instance, NameKind::service, NameKind::zone,
                                NameKind::rabbit_node},
                               "a node, a set of nodes or a selector"};
  return rule;
}
TargetRule const& producers() {
  static TargetRule const rule{{NameKind::producer, NameKind::producer_instance}, "a producer or producer instance"};
  return rule;
}
TargetRule const& services() {
  static TargetRule const rule{{NameKind::service}, "a service"};
  return rule;
}
TargetRule const& groups() {
  static TargetRule const rule{{NameKind::group}, "a consumer group"};
  return rule;
}
TargetRule const& processing() {
  static TargetRule const rule{{NameKind::group, NameKind::group_instance, NameKind::service}, "a consumer group, consumer instance or service"};
  return rule;
}

namespace {

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

}  // namespace

NodeSelector read_selector(Value const& value, Names const& names, model::WorldConfig const& world, std::string const& kind,
                           TargetRule const& rule) {
  if (value.json().is_string()) {
    std::string const name = value.string();
    auto const found = names.find(name);
    if (!found) {
      std::string message = "no node, zone or set of nodes is named \"" + name + "\"";
      std::string const suggestion = jsonio::closest_match(name, names.all());
      if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
      value.fail(message);
    }
    if (!rule.allows(*found)) value.fail("a fault of kind \"" + kind + "\" needs " + rule.described + ", and \"" + name + "\" is not one");
    return NodeSelector{NodeSelector::Kind::name, name, "", 0};
  }
  if (!value.json().is_object() || value.json().size() != 1) {
    value.expected("a node name or a selector object ({\"leader_of\": \"topic/p\"}, {\"random\": ...} or {\"group\": ...})");
  }
  value.require_keys_among(kSelectorKeys);
  if (auto leader = value.get("leader_of")) {
    if (!rule.allows(NameKind::broker)) value.fail("a fault of kind \"" + kind + "\" needs " + rule.described + ", not a broker");
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
                       (pool == "controller" && world.controllers.placement == model::ControllerPlacement::dedicated) ||
                       (pool == "rabbit" && world.rabbitmq.present());
  auto const found = names.find(pool);
  if (!generic && (!found || (*found != NameKind::producer && *found != NameKind::group && *found != NameKind::zone))) {
    random.expected(world.rabbitmq.present()
                        ? "\"broker\", \"controller\", \"rabbit\", \"producer\", \"consumer\", \"service\", or a producer, group or zone name"
                        : "\"broker\", \"controller\", \"producer\", \"consumer\", \"service\", or a producer, group or zone name");
  }
  return NodeSelector{NodeSelector::Kind::random, pool, "", 0};
}

nlohmann::ordered_json selector_to_json(NodeSelector const& s) {
  switch (s.kind) {
    case NodeSelector::Kind::name:
      return s.name;
    case NodeSelector::Kind::leader_of:
      return nlohmann::ordered_json{{"leader_of", s.topic + "/" + std::to_string(s.partition)}};
    case NodeSelector::Kind::random:
      return nlohmann::ordered_json{{"random", s.name}};
    case NodeSelector::Kind::group:
      return nlohmann::ordered_json{{"group", s.name}};
  }
  return nullptr;
}

nlohmann::ordered_json selectors_to_json(std::vector<NodeSelector> const& list) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (auto const& s : list) out.push_back(selector_to_json(s));
  return out;
}

nlohmann::json selector_schema() {
  using jsonio::schema::name;
  using jsonio::schema::object;
  using nlohmann::json;
  json options = json::array();
  options.push_back(name("a node (broker-0, rabbit-0, order-service-1, ...), a producer, group or service name (all its instances), "
                         "\"brokers\", \"controllers\", or a zone"));
  options.push_back(object({"leader_of"}, {{"leader_of", json{{"type", "string"}, {"pattern", "^.+/[0-9]+$"}}}}, {"leader_of"}));
  options.push_back(object({"random"}, {{"random", name("\"broker\", \"controller\", \"rabbit\", \"producer\", \"consumer\", \"service\", or a set name")}},
                           {"random"}));
  options.push_back(object({"group"}, {{"group", name("a consumer group: all its instances")}}, {"group"}));
  return json{{"oneOf", options}};
}

}  // namespace brokersim::faults
