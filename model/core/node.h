// A simulated process: a broker, a client instance or a service. It can crash, restart and pause, and
// its events from a previous life are dropped.
#pragma once

#include <cstdint>
#include <string>

#include "model/core/clock.h"
#include "model/core/node_id.h"
#include "sim/assert.h"
#include "sim/simulation.h"

namespace brokersim::model {

using sim::Time;

class Network;
struct EnvelopeHeader;

// The base of every process. Events addressed to a node carry its incarnation in the upper half of the
// event kind: a crash bumps the incarnation, so timers and deliveries meant for the old process are
// dropped, as a real restart loses its timers and TCP connections. A paused node (GC, VM freeze) does
// nothing until the pause ends; events that arrive meanwhile wait and then run in their original order.
class Node : public sim::Actor {
 public:
  Node(NodeId id, NodeKind kind) : id_(id), kind_(kind) {}

  NodeId id() const { return id_; }
  NodeKind kind() const { return kind_; }
  sim::ActorId actor() const { return actor_; }
  bool alive() const { return alive_; }
  bool paused(Time now) const { return now < paused_until_; }
  bool responsive(Time now) const { return alive_ && !paused(now); }
  std::uint16_t incarnation() const { return incarnation_; }
  // The node's own clock (clock faults move it; timestamps read it).
  LocalClock& clock() { return clock_; }
  LocalClock const& clock() const { return clock_; }

  // Registers the node with the kernel and the network; called once by the World.
  void attach(sim::Simulation& simulation, Network& network);
  Network& network() const { return *network_; }

  // Schedules one of the node's own events (type < 2^16) `delay` from now, for this incarnation.
  sim::EventId schedule_self(sim::Simulation& simulation, Time delay, std::uint32_t type, std::uint64_t arg0 = 0,
                             std::uint64_t arg1 = 0) {
    BROKERSIM_ASSERT(type <= 0xFFFF);
    return simulation.schedule(delay, actor_, encode(type), arg0, arg1);
  }

  // The event kind that reaches this incarnation with `type`.
  std::uint32_t encode(std::uint32_t type) const { return (static_cast<std::uint32_t>(incarnation_) << 16) | type; }

  // Fault entry points. crash() is idempotent; restart() of a live node does nothing.
  void crash(sim::Simulation& simulation);
  void restart(sim::Simulation& simulation);
  void pause(sim::Simulation& simulation, Time duration);

  void on_event(sim::Simulation& simulation, sim::Event const& event) final;

 protected:
  // One event of the live, running process (its own timers).
  virtual void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) = 0;
  // A message that reached the live, running process; the envelope goes back to the pool afterwards.
  // Its header names its protocol: the node casts it to that protocol's envelope type.
  virtual void on_message(sim::Simulation& simulation, EnvelopeHeader const& envelope) = 0;
  // The process died: drop volatile state (in-memory queues, caches). Durable state stays.
  virtual void on_crash(sim::Simulation& simulation) = 0;
  // A new process starts from durable state.
  virtual void on_restart(sim::Simulation& simulation) = 0;
  // A pause ended; timers that fell due meanwhile run right after, in order.
  virtual void on_resume(sim::Simulation&) {}
  // The process `peer` died and its host reset our connections to it: requests awaiting its answer
  // have failed.
  virtual void on_peer_reset(sim::Simulation&, NodeId /*peer*/) {}

 public:
  // The event type that reports a peer's connection reset (arg0 = the peer).
  static constexpr std::uint32_t kPeerResetType = 0xFFFD;

 protected:

 private:
  static constexpr std::uint32_t kResumeType = 0xFFFF;

  NodeId id_;
  NodeKind kind_;
  Network* network_ = nullptr;
  sim::ActorId actor_ = 0;
  bool alive_ = true;
  std::uint16_t incarnation_ = 0;
  Time paused_until_ = 0;
  LocalClock clock_;
};

}  // namespace brokersim::model
