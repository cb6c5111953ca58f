// "clock": a node's local clock jumps by offset_ms and/or drifts by drift_ppm, for duration_ms or until
// the drain; then it is set right again (an NTP step back to true time) and stops drifting.
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct ClockFault {
  NodeSelector target;
  Time offset = 0;         // Signed jump of the local clock.
  double drift_ppm = 0.0;  // Signed rate error from then on (or for `duration`).
  std::optional<Time> duration;
};

ClockFault read(jsonio::Value const& entry, Reading const& reading) {
  ClockFault clock{reading.target(entry), 0, 0.0, std::nullopt};
  if (auto offset = entry.get("offset_ms")) clock.offset = offset->signed_duration_ms();
  if (auto drift = entry.get("drift_ppm")) clock.drift_ppm = drift->number();
  if (auto lasting = entry.get("duration_ms")) clock.duration = lasting->duration_ms();
  if (clock.offset == 0 && clock.drift_ppm == 0.0) entry.fail("a clock fault needs a non-zero \"offset_ms\" or \"drift_ppm\"");
  return clock;
}

void write(ClockFault const& clock, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(clock.target);
  out["offset_ms"] = jsonio::ms(clock.offset);
  out["drift_ppm"] = clock.drift_ppm;
  out["duration_ms"] = clock.duration ? jsonio::ms(*clock.duration) : nlohmann::ordered_json(nullptr);
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  using nlohmann::json;
  return fault_object(kind,
                      {{"target", ref("selector")},
                       {"offset_ms", described(json{{"type", "number"}, {"minimum", -sim::time_ms_max()}, {"maximum", sim::time_ms_max()}},
                                               "clock jump")},
                       {"drift_ppm", described(json{{"type", "number"}}, "clock rate error")},
                       {"duration_ms", duration("how long it lasts")}},
                      {"target"});
}

// A clock fault in force: the nodes whose clocks it moved, set right by its follow-up or the drain.
class Skew : public Ending {
 public:
  explicit Skew(std::vector<model::NodeId> nodes) : nodes_(std::move(nodes)) {}

 private:
  void end(Injection& injection) override {
    for (model::NodeId node : nodes_) {
      model::LocalClock& local = injection.world().network().node(node).clock();
      local.set_drift(injection.now(), 0.0);
      local.jump(injection.now() - local.read(injection.now()));
    }
  }

  std::vector<model::NodeId> nodes_;
};

void begin(Injection& injection, ClockFault const& clock) {
  std::vector<model::NodeId> nodes = injection.resolve(clock.target);
  for (model::NodeId node : nodes) {
    model::LocalClock& local = injection.world().network().node(node).clock();
    if (clock.offset != 0) local.jump(clock.offset);
    if (clock.drift_ppm != 0.0) local.set_drift(injection.now(), clock.drift_ppm);
    injection.record(node, "clock",
                     (clock.offset != 0 ? "jumped " + milliseconds(clock.offset) : std::string()) +
                         (clock.drift_ppm != 0.0
                              ? (clock.offset != 0 ? ", " : "") + std::string("drifting ") + decimal(clock.drift_ppm) + " ppm"
                              : std::string()));
  }
  std::size_t const handle = injection.keep(std::make_unique<Skew>(std::move(nodes)));
  if (clock.duration) injection.follow_up(*clock.duration, handle);
}

}  // namespace

FaultKind const& clock_kind() {
  static FaultKind const kind = define_kind<ClockFault>({.name = "clock", .keys = {"target", "offset_ms", "drift_ppm", "duration_ms"}, .targets = &any_node(),
      .read = read, .write = write, .schema = schema, .begin = begin, .follow_up_event = 5, .heal_order = 3});
  return kind;
}

}  // namespace brokersim::faults
