// "pause": a node stops for duration_ms (a GC pause or a stopped VM) and then goes on where it was.
#include "faults/injector.h"
#include "faults/kind.h"

namespace brokersim::faults {

namespace {

void begin(Injection& injection, TargetFor const& pause) {
  for (model::NodeId node : injection.resolve(pause.target)) {
    injection.world().pause(injection.simulation(), node, pause.duration);
    injection.record(node, "pause", "for " + milliseconds(pause.duration), injection.now() + pause.duration);
  }
}

}  // namespace

FaultKind const& pause_kind() {
  static FaultKind const kind = define_kind<TargetFor>({.name = "pause", .keys = {"target", "duration_ms"}, .targets = &any_node(),
      .read = read_target_for, .write = write_target_for, .schema = target_for_schema, .begin = begin});
  return kind;
}

}  // namespace brokersim::faults
