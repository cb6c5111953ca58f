// "link": degrades the connections between two nodes or zones for duration_ms: extra latency, loss,
// duplication, reordering.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct LinkFault {
  std::vector<NodeSelector> between;  // Two nodes or zones.
  Time duration = 0;
  std::optional<sim::Distribution> latency;
  double loss = 0.0;
  double duplicate = 0.0;
  double reorder = 0.0;
};

LinkFault read(jsonio::Value const& entry, Reading const& reading) {
  auto probability = [&](char const* key) { return entry.get(key) ? entry.get(key)->probability() : 0.0; };
  LinkFault link;
  for (jsonio::Value const& end : entry.at("between").array(2, 2)) link.between.push_back(reading.selector(end));
  link.duration = entry.at("duration_ms").duration_ms();
  if (auto latency = entry.get("latency_ms")) link.latency = latency->distribution_ms();
  link.loss = probability("loss");
  link.duplicate = probability("duplicate");
  link.reorder = probability("reorder");
  return link;
}

void write(LinkFault const& link, nlohmann::ordered_json& out) {
  out["between"] = selectors_to_json(link.between);
  out["duration_ms"] = jsonio::ms(link.duration);
  if (link.latency) out["latency_ms"] = jsonio::distribution(*link.latency);
  out["loss"] = link.loss;
  out["duplicate"] = link.duplicate;
  out["reorder"] = link.reorder;
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  using nlohmann::json;
  return fault_object(kind,
                      {{"between", json{{"type", "array"}, {"minItems", 2}, {"maxItems", 2}, {"items", ref("selector")}}},
                       {"duration_ms", duration("how long it lasts")},
                       {"latency_ms", ref("distribution")},
                       {"loss", probability("chance a message is dropped")},
                       {"duplicate", probability("chance a message is delivered twice")},
                       {"reorder", probability("chance a message is delayed behind later ones")}},
                      {"between", "duration_ms"});
}

// A link fault in force: its handle in the network, cleared by its follow-up or the drain.
class Degraded : public Ending {
 public:
  explicit Degraded(std::size_t handle) : handle_(handle) {}

 private:
  void end(Injection& injection) override { injection.world().network().clear_link_fault(handle_); }

  std::size_t handle_;
};

void begin(Injection& injection, LinkFault const& link) {
  std::vector<model::NodeId> const a = injection.resolve(link.between[0]);
  std::vector<model::NodeId> const b = injection.resolve(link.between[1]);
  std::vector<std::pair<model::NodeId, model::NodeId>> pairs;
  for (model::NodeId x : a) {
    for (model::NodeId y : b) {
      if (x != y) pairs.emplace_back(x, y);
    }
  }
  model::LinkConfig behaviour;
  behaviour.latency = link.latency;
  behaviour.loss = link.loss;
  behaviour.duplicate = link.duplicate;
  behaviour.reorder = link.reorder;
  std::size_t const handle = injection.keep(std::make_unique<Degraded>(injection.world().network().add_link_fault(pairs, behaviour)));
  std::string detail = "link to " + node_list(injection.world(), b) + " degraded for " + milliseconds(link.duration);
  for (model::NodeId node : a) injection.record(node, "link", detail, injection.now() + link.duration);
  injection.follow_up(link.duration, handle);
}

}  // namespace

FaultKind const& link_kind() {
  static FaultKind const kind = define_kind<LinkFault>({.name = "link", .keys = {"between", "duration_ms", "latency_ms", "loss", "duplicate", "reorder"}, .targets = &any_node(),
      .read = read, .write = write, .schema = schema, .begin = begin, .follow_up_event = 4, .heal_order = 2});
  return kind;
}

}  // namespace brokersim::faults
