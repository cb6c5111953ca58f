// "crash": a node (or every node a selector names) stops; it restarts after restart_after_ms, or when the
// drain begins. lose_unflushed also drops the log tail not yet flushed (a power loss).
#include "faults/injector.h"
#include "faults/kind.h"
#include "jsonio/schema.h"
#include "jsonio/writer.h"

namespace brokersim::faults {

namespace {

struct Crash {
  NodeSelector target;
  std::optional<Time> restart_after;  // Unset: down until the drain heals it (if heal_at_drain).
  bool lose_unflushed = false;
};

Crash read(jsonio::Value const& entry, Reading const& reading) {
  Crash crash{reading.target(entry), std::nullopt, false};
  if (auto restart = entry.get("restart_after_ms")) crash.restart_after = restart->duration_ms();
  if (auto lose = entry.get("lose_unflushed")) crash.lose_unflushed = lose->boolean();
  return crash;
}

void write(Crash const& crash, nlohmann::ordered_json& out) {
  out["target"] = selector_to_json(crash.target);
  out["restart_after_ms"] = crash.restart_after ? jsonio::ms(*crash.restart_after) : nlohmann::ordered_json(nullptr);
  out["lose_unflushed"] = crash.lose_unflushed;
}

nlohmann::json schema(FaultKind const& kind) {
  using namespace jsonio::schema;
  return fault_object(kind,
                      {{"target", ref("selector")},
                       {"restart_after_ms", nullable(duration("restart this long after the crash"))},
                       {"lose_unflushed", described(nlohmann::json{{"type", "boolean"}}, "also drop the log tail not yet flushed (power loss)")}},
                      {"target"});
}

// The nodes one crash fault crashed: restarted by its follow-ups (arg: the node) or when the drain begins.
class Crashed : public Lasting {
 public:
  std::vector<model::NodeId> nodes;

  void follow_up(Injection& injection, std::uint64_t arg) override {
    auto const node = static_cast<model::NodeId>(arg);
    if (injection.world().network().node(node).alive()) return;
    bool const restarted = injection.world().restart(injection.simulation(), node);
    injection.record_end(node, "crash");
    if (restarted) injection.record(node, "restart", "");
  }

  void heal(Injection& injection) override {
    for (model::NodeId node : nodes) {
      if (injection.world().network().node(node).alive()) continue;
      bool const restarted = injection.world().restart(injection.simulation(), node);
      injection.record_end(node, "crash");
      if (restarted) injection.record(node, "restart", "healed when the drain began");
    }
  }
};

void begin(Injection& injection, Crash const& crash) {
  auto kept = std::make_unique<Crashed>();
  Crashed& crashed = *kept;
  std::size_t const handle = injection.keep(std::move(kept));
  for (model::NodeId node : injection.resolve(crash.target)) {
    if (!injection.world().network().node(node).alive()) continue;
    injection.world().crash(injection.simulation(), node, crash.lose_unflushed);
    crashed.nodes.push_back(node);
    injection.record(node, "crash", crash.lose_unflushed ? "lost its unflushed log tail" : "");
    if (crash.restart_after) injection.follow_up(*crash.restart_after, handle, node);
  }
}

}  // namespace

FaultKind const& crash_kind() {
  static FaultKind const kind = define_kind<Crash>({.name = "crash", .keys = {"target", "restart_after_ms", "lose_unflushed"}, .targets = &any_node(),
      .read = read, .write = write, .schema = schema, .begin = begin, .follow_up_event = 1, .heal_order = 0});
  return kind;
}

}  // namespace brokersim::faults
