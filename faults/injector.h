// Fault injection: turns the scenario's fault list into events on the model, at their times.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "faults/fault.h"
#include "faults/kind.h"
#include "model/world/world.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::faults {

// An ordinary actor: each fault begins (and, where it lasts, ends) as an event; nothing in the kernel
// knows about faults. What a fault does is its kind's `begin` (faults/kinds/); the injector resolves
// selectors when the fault fires (`leader_of` names whoever leads then; `random` draws from the
// injector's own stream), keeps the faults in force (Lasting) and routes their follow-up events. With
// heal_at_drain, everything still broken when the drain begins is healed then (crashed nodes restart), so
// that what is missing at the end is lost, not merely unavailable.
class FaultInjector : public sim::Actor {
 public:
  FaultInjector(std::vector<Fault> const& faults, model::World& world, std::uint64_t seed);

  // Schedules every fault, and the healing at `drain_start` when `heal_at_drain`.
  void start(sim::Simulation& simulation, Time drain_start, bool heal_at_drain);
  void on_event(sim::Simulation& simulation, sim::Event const& event) override;

 private:
  friend class Injection;
  // The injector's own events; a kind's follow-ups have the kind's follow_up_event.
  enum EventType : std::uint32_t { kBegin = 0, kHeal = 2 };

  struct Kept {
    FaultKind const* kind = nullptr;
    std::unique_ptr<Lasting> lasting;
  };

  std::vector<model::NodeId> resolve(NodeSelector const& selector);
  void heal(sim::Simulation& simulation);

  std::vector<Fault> const& faults_;
  model::World& world_;
  sim::RandomStream random_;
  sim::ActorId self_ = 0;
  std::vector<Kept> kept_;  // Faults that lasted, in the order they began; a follow-up's arg0 indexes it.
};

// What a fault kind acts through when it begins (and its Lasting when it follows up or heals).
class Injection {
 public:
  Injection(FaultInjector& injector, sim::Simulation& simulation, FaultKind const& kind)
      : injector_(injector), simulation_(simulation), kind_(kind) {}

  sim::Simulation& simulation() const { return simulation_; }
  model::World& world() const { return injector_.world_; }
  Time now() const { return simulation_.now(); }

  std::vector<model::NodeId> resolve(NodeSelector const& selector) const { return injector_.resolve(selector); }
  // The producer instances among the nodes the selector names.
  std::vector<model::SendingApplication*> producers(NodeSelector const& selector) const;
  // Every node the selectors name, sorted, without repeats.
  std::vector<model::NodeId> resolve_all(std::vector<NodeSelector> const& selectors) const;

  // Adds a fault event to the ground truth (for the reports); returns its index there.
  std::size_t record(model::NodeId node, char const* kind, std::string detail, Time until = model::kNever) const;
  // A lasting fault on `node` of `kind` ended now (a crash by a restart).
  void record_end(model::NodeId node, char const* kind) const;

  // Keeps a fault in force; returns its handle for follow_up.
  std::size_t keep(std::unique_ptr<Lasting> lasting) const;
  // Calls kept `lasting`'s follow_up(arg) after `delay`.
  void follow_up(Time delay, std::size_t lasting, std::uint64_t arg = 0) const;

 private:
  FaultInjector& injector_;
  sim::Simulation& simulation_;
  FaultKind const& kind_;
};

// Outages and slowdowns in force (the nodes they degraded, until when, and their records in the ground
// truth): those still going on when the drain begins end then, as every other fault does.
class Degradation : public Lasting {
 public:
  void add(model::NodeId node, Time until, std::size_t record) { nodes_.push_back(Degraded{node, until, record}); }
  void heal(Injection& injection) override;

 private:
  struct Degraded {
    model::NodeId node = 0;
    Time until = 0;
    std::size_t record = 0;  // Its FaultEvent in the ground truth.
  };
  std::vector<Degraded> nodes_;
};

// Text for fault details: the shortest decimal that reads back as `value` (whatever the C locale says),
// a duration as "N ms", and a list of node names (the first six).
std::string decimal(double value);
std::string milliseconds(Time micros);
std::string node_list(model::World const& world, std::vector<model::NodeId> const& nodes);

}  // namespace brokersim::faults
