// "partition": cuts the connections between two sides of nodes (or between one side and every other node)
// for duration_ms; one_way cuts only traffic from the first side.
#include <algorithm>

#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct Partition {
  std::vector<std::vector<NodeSelector>> sides;  // One side: cut off from every other node.
  Time duration = 0;
  bool one_way = false;  // Only traffic from the first side to the others is cut.
};

Partition read(jsonio::Value const& entry, Reading const& reading) {
  Partition partition;
  for (jsonio::Value const& side : entry.at("sides").array(1, 2)) {
    std::vector<NodeSelector> selectors;
    for (jsonio::Value const& element : side.array(1)) selectors.push_back(reading.selector(element));
    partition.sides.push_back(std::move(selectors));
  }
  partition.duration = entry.at("duration_ms").duration_ms();
  if (auto one_way = entry.get("one_way")) partition.one_way = one_way->boolean();
  return partition;
}

void write(Partition const& partition, nlohmann::ordered_json& out) {
  nlohmann::ordered_json sides = nlohmann::ordered_json::array();
  for (auto const& side : partition.sides) sides.push_back(selectors_to_json(side));
  out["sides"] = sides;
  out["duration_ms"] = jsonio::ms(partition.duration);
  out["one_way"] = partition.one_way;
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  using nlohmann::json;
  return fault_object(kind,
                      {{"sides", json{{"type", "array"}, {"minItems", 1}, {"maxItems", 2},
                                      {"items", json{{"type", "array"}, {"minItems", 1}, {"items", ref("selector")}}}}},
                       {"duration_ms", duration("how long it lasts")},
                       {"one_way", described(json{{"type", "boolean"}}, "only traffic from the first side is cut")}},
                      {"sides", "duration_ms"});
}

// A partition in force: the directed connections it cut, restored by its follow-up or the drain.
class Cut : public Ending {
 public:
  std::vector<std::pair<model::NodeId, model::NodeId>> connections;

 private:
  void end(Injection& injection) override {
    for (auto const& [from, to] : connections) injection.world().network().restore_traffic(injection.simulation(), from, to);
    if (!connections.empty()) injection.record(connections.front().first, "heal", "partition healed");
    injection.world().controller().on_connectivity_change(injection.simulation());
  }
};

// Cuts every connection from the first side to the second (and back unless one_way); a single side is
// cut off from every other node.
void begin(Injection& injection, Partition const& partition) {
  model::World& world = injection.world();
  std::vector<model::NodeId> const first = injection.resolve_all(partition.sides[0]);
  std::vector<model::NodeId> second;
  if (partition.sides.size() > 1) {
    second = injection.resolve_all(partition.sides[1]);
  } else {
    for (model::NodeId node = 0; node < world.network().node_count(); ++node) {
      if (!std::binary_search(first.begin(), first.end(), node)) second.push_back(node);
    }
  }
  auto cut = std::make_unique<Cut>();
  for (model::NodeId a : first) {
    for (model::NodeId b : second) {
      if (a == b) continue;
      cut->connections.emplace_back(a, b);
      if (!partition.one_way) cut->connections.emplace_back(b, a);
    }
  }
  for (auto const& [from, to] : cut->connections) world.network().cut_traffic(from, to);
  std::size_t const handle = injection.keep(std::move(cut));
  std::string const detail = (partition.one_way ? "cannot send to " : "cut off from ") + node_list(world, second) + " for " +
                             milliseconds(partition.duration);
  for (model::NodeId node : first) injection.record(node, "partition", detail, injection.now() + partition.duration);
  world.controller().on_connectivity_change(injection.simulation());
  injection.follow_up(partition.duration, handle);
}

}  // namespace

FaultKind const& partition_kind() {
  static FaultKind const kind = define_kind<Partition>({.name = "partition", .keys = {"sides", "duration_ms", "one_way"}, .targets = &any_node(),
      .read = read, .write = write, .schema = schema, .begin = begin, .follow_up_event = 3, .heal_order = 1});
  return kind;
}

}  // namespace brokersim::faults
