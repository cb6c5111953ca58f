// "outage": every call to a service fails for duration_ms.
#include "faults/injector.h"
#include "faults/kind.h"

namespace brokersim::faults {

namespace {

void begin(Injection& injection, TargetFor const& outage) {
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
  static FaultKind const kind = define_kind<TargetFor>({.name = "outage", .keys = {"target", "duration_ms"}, .targets = &services(),
      .read = read_target_for, .write = write_target_for, .schema = target_for_schema, .begin = begin, .heal_order = 4});
  return kind;
}

}  // namespace brokersim::faults
