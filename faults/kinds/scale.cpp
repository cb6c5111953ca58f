// "scale": a consumer group's deployment changes to `instances` members: new instances start and join,
// surplus ones (the highest-numbered, as a StatefulSet scales down) close cleanly and leave; either way
// the group rebalances. A group runs instances up to the most any scale fault asks for (see
// group_instances); those beyond its `instances` start undeployed.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "sim/assert.h"

namespace brokersim::faults {

namespace {

// The most members a scale fault may ask for: the bound of a group's `instances` (scenarios/loader.cpp).
constexpr std::int64_t kInstancesMax = 1000;

struct Scale {
  NodeSelector target;  // A group.
  int instances = 1;
};

Scale read(jsonio::Value const& entry, Reading const& reading) {
  return Scale{reading.target(entry), static_cast<int>(entry.at("instances").integer(0, kInstancesMax))};
}

void write(Scale const& scale, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(scale.target);
  out["instances"] = scale.instances;
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind, {{"target", ref("selector")}, {"instances", integer(0, kInstancesMax, "the new number of members")}},
                      {"target", "instances"});
}

void begin(Injection& injection, Scale const& scale) {
  model::World& world = injection.world();
  std::size_t const group = world.group_index(scale.target.name);
  BROKERSIM_ASSERT(group != SIZE_MAX);  // The loader allows only groups as targets.
  int const before = world.deployed_instances(group);
  world.scale(injection.simulation(), group, scale.instances);
  std::vector<model::NodeId> const instances = world.nodes_named(scale.target.name);
  BROKERSIM_ASSERT(!instances.empty());
  injection.record(instances.front(), "scale",
                   "group " + scale.target.name + " from " + std::to_string(before) + " to " + std::to_string(scale.instances) +
                       " instance(s)");
}

// Read from the raw entry, before the faults are read (they need the names); read() then validates it.
int group_instances(nlohmann::json const& entry, std::string const& name, int instances) {
  auto const target = entry.value("target", nlohmann::json());
  bool const names_group = target == name || (target.is_object() && target.value("group", nlohmann::json()) == name);
  auto const count = entry.value("instances", nlohmann::json());
  if (names_group && count.is_number_integer() && count.get<std::int64_t>() > instances && count.get<std::int64_t>() <= kInstancesMax) {
    return static_cast<int>(count.get<std::int64_t>());
  }
  return instances;
}

}  // namespace

FaultKind const& scale_kind() {
  static FaultKind const kind = define_kind<Scale>({.name = "scale", .keys = {"target", "instances"}, .targets = &groups(),
      .read = read, .write = write, .schema = schema, .begin = begin, .group_instances = group_instances});
  return kind;
}

}  // namespace brokersim::faults
