// "outage": every call to a service fails for duration_ms.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct Outage {
  NodeSelector target;  // A service.
  Time duration = 0;
};

Outage read(jsonio::Value const& entry, Reading const& reading) {
  return Outage{reading.target(entry), entry.at("duration_ms").duration_ms()};
}

void write(Outage const& outage, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(outage.target);
  out["duration_ms"] = jsonio::ms(outage.duration);
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind, {{"target", ref("selector")}, {"duration_ms", duration("how long it lasts")}}, {"target", "duration_ms"});
}

void begin(Injection& injection, Outage const& outage) {
  model::World& world = injection.world();
  auto degradation = std::make_unique<Degradation>();
  Time const until = injection.now() + outage.duration;
  for (model::NodeId node : injection.resolve(outage.target)) {
    model::ServiceNode* service = world.service_named(world.network().name(node));
    if (service == nullptr) continue;
    service->start_outage(until);
    degradation->add(node, until, injection.record(node, "outage", "every call fails for " + milliseconds(outage.duration), until));
  }
  injection.keep(std::move(degradation));
}

}  // namespace

FaultKind const& outage_kind() {
  static FaultKind const kind = define_kind<Outage>({.name = "outage",
                                                     .keys = {"target", "duration_ms"},
                                                     .targets = &services(),
                                                     .read = read,
                                                     .write = write,
                                                     .schema = schema,
                                                     .begin = begin,
                                                     .heal_order = 4});
  return kind;
}

}  // namespace brokersim::faults
