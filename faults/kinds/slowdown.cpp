// "slowdown": a consumer group's processing (or a service's calls) takes `factor` times longer for
// duration_ms.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct Slowdown {
  NodeSelector target;  // A group, instance or service.
  double factor = 1.0;
  Time duration = 0;
};

Slowdown read(jsonio::Value const& entry, Reading const& reading) {
  Slowdown slowdown{reading.target(entry), entry.at("factor").number_at_least(0.0), entry.at("duration_ms").duration_ms()};
  if (slowdown.factor <= 0.0) entry.at("factor").expected("a factor > 0");
  return slowdown;
}

void write(Slowdown const& slowdown, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(slowdown.target);
  out["factor"] = slowdown.factor;
  out["duration_ms"] = jsonio::ms(slowdown.duration);
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind,
                      {{"target", ref("selector")}, {"factor", positive("how many times slower (> 0)")}, {"duration_ms", duration("how long it lasts")}},
                      {"target", "factor", "duration_ms"});
}

// The slowed nodes; its follow-up gives the consumer instances their speed back (services keep their
// own end time).
class Slowed : public Degradation {
 public:
  std::vector<model::NodeId> consumers;

  void follow_up(Injection& injection, std::uint64_t) override {
    for (model::NodeId node : consumers) {
      injection.world().set_processing_slowdown(node, 1.0);
    }
  }
};

void begin(Injection& injection, Slowdown const& slowdown) {
  model::World& world = injection.world();
  auto slowed = std::make_unique<Slowed>();
  Time const until = injection.now() + slowdown.duration;
  for (model::NodeId node : injection.resolve(slowdown.target)) {
    std::string const detail = decimal(slowdown.factor) + " times slower for " + milliseconds(slowdown.duration);
    if (model::ServiceNode* service = world.service_named(world.network().name(node))) {
      service->set_slowdown(slowdown.factor, until);
    } else if (world.set_processing_slowdown(node, slowdown.factor)) {  // A Kafka or RabbitMQ consumer instance.
      slowed->consumers.push_back(node);
    } else {
      continue;
    }
    slowed->add(node, until, injection.record(node, "slowdown", detail, until));
  }
  std::size_t const handle = injection.keep(std::move(slowed));
  injection.follow_up(slowdown.duration, handle);
}

}  // namespace

FaultKind const& slowdown_kind() {
  static FaultKind const kind = define_kind<Slowdown>({.name = "slowdown", .keys = {"target", "factor", "duration_ms"}, .targets = &processing(),
      .read = read, .write = write, .schema = schema, .begin = begin, .follow_up_event = 6, .heal_order = 4});
  return kind;
}

}  // namespace brokersim::faults
