// Fault injection: turns the scenario's fault list into events on the model, at their times.
#pragma once

#include <cstdint>
#include <vector>

#include "faults/fault.h"
#include "model/world/world.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::faults {

// An ordinary actor: each fault begins (and, where it lasts, ends) as an event; nothing in the kernel
// knows about faults. Selectors are resolved when the fault fires (`leader_of` names whoever leads
// then; `random` draws from the injector's own stream). With heal_at_drain, everything still broken when
// the drain begins is healed then (crashed nodes restart), so that what is missing at the end is lost,
// not merely unavailable.
class FaultInjector : public sim::Actor {
 public:
  FaultInjector(std::vector<Fault> const& faults, model::World& world, std::uint64_t seed);

  // Schedules every fault, and the healing at `drain_start` when `heal_at_drain`.
  void start(sim::Simulation& simulation, Time drain_start, bool heal_at_drain);
  void on_event(sim::Simulation& simulation, sim::Event const& event) override;

 private:
  enum EventType : std::uint32_t {
    kBegin = 0, kRestart = 1, kHeal = 2, kEndPartition = 3, kEndLink = 4, kEndClock = 5, kEndSlowdown = 6,
    kReplayNext = 7,  // arg0 = replay index: republish its next message.
  };

  // A dlq_replay at a rate: the messages still to republish, and who republishes them.
  struct Replay {
    model::ProducerInstance* replayer = nullptr;
    std::vector<std::uint32_t> messages;
    std::size_t next = 0;
    Time gap = 0;
  };

  // A partition in force: the directed connections it cut.
  struct Cut {
    std::vector<std::pair<model::NodeId, model::NodeId>> connections;
    bool active = false;
  };
  // A link fault in force: its handle in the network.
  struct Link {
    std::size_t handle = 0;
    bool active = false;
  };
  // A clock fault in force: the nodes whose clocks it moved.
  struct Skew {
    std::vector<model::NodeId> nodes;
    bool active = false;
  };

  std::vector<model::NodeId> resolve(NodeSelector const& selector);
  void begin(sim::Simulation& simulation, std::size_t index);

  // One function per fault kind: what happens when it begins.
  void apply(sim::Simulation& simulation, Crash const& crash);
  void apply(sim::Simulation& simulation, Pause const& pause);
  void apply(sim::Simulation& simulation, Partition const& partition);
  void apply(sim::Simulation& simulation, LinkFault const& link);
  void apply(sim::Simulation& simulation, ClockFault const& clock);
  void apply(sim::Simulation& simulation, Poison const& poison);
  void apply(sim::Simulation& simulation, Outage const& outage);
  void apply(sim::Simulation& simulation, Slowdown const& slowdown);
  void apply(sim::Simulation& simulation, SchemaChange const& change);
  void apply(sim::Simulation& simulation, DlqReplay const& replay);
  void apply(sim::Simulation& simulation, Scale const& scale);

  // Ends of lasting faults.
  void end_partition(sim::Simulation& simulation, std::size_t cut);
  void end_link(sim::Simulation& simulation, std::size_t link);
  void end_clock(sim::Simulation& simulation, std::size_t clock);
  void heal_services_and_processing(sim::Simulation& simulation);
  std::vector<model::NodeId> resolve_all(std::vector<NodeSelector> const& selectors);
  void record(sim::Simulation& simulation, model::NodeId node, char const* kind, std::string detail, Time until = model::kNever);
  // A lasting fault on `node` of `kind` ended now (a crash by a restart).
  void record_end(sim::Simulation& simulation, model::NodeId node, char const* kind);

  std::vector<Fault> const& faults_;
  model::World& world_;
  sim::RandomStream random_;
  sim::ActorId self_ = 0;
  std::vector<model::NodeId> crashed_;  // Nodes this injector crashed (restarted or not), for healing.
  std::vector<Cut> cuts_;
  std::vector<Link> links_;
  std::vector<Skew> skews_;
  std::vector<std::vector<model::NodeId>> slowed_;  // Consumer instances a slowdown fault slowed.
  // Outages and slowdowns, to end those still going on when the drain begins.
  struct Degraded {
    model::NodeId node = 0;
    Time until = 0;
    std::size_t record = 0;  // Its FaultEvent in the ground truth.
  };
  std::vector<Degraded> degraded_;
  std::vector<Replay> replays_;
};

}  // namespace brokersim::faults
