// "pause": a node stops for duration_ms (a GC pause or a stopped VM) and then goes on where it was.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct Pause {
  NodeSelector target;
  Time duration = 0;
};

Pause read(jsonio::Value const& entry, Reading const& reading) {
  return Pause{reading.target(entry), entry.at("duration_ms").duration_ms()};
}

void write(Pause const& pause, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(pause.target);
  out["duration_ms"] = jsonio::ms(pause.duration);
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind, {{"target", ref("selector")}, {"duration_ms", duration("how long it lasts")}}, {"target", "duration_ms"});
}

void begin(Injection& injection, Pause const& pause) {
  for (model::NodeId node : injection.resolve(pause.target)) {
    injection.world().pause(injection.simulation(), node, pause.duration);
    injection.record(node, "pause", "for " + milliseconds(pause.duration), injection.now() + pause.duration);
  }
}

}  // namespace

FaultKind const& pause_kind() {
  static FaultKind const kind = define_kind<Pause>({.name = "pause",
                                                    .keys = {"target", "duration_ms"},
                                                    .targets = &any_node(),
                                                    .read = read,
                                                    .write = write,
                                                    .schema = schema,
                                                    .begin = begin});
  return kind;
}

}  // namespace brokersim::faults
