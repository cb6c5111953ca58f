// The event loop: pops events in (time, sequence) order and hands each to the actor it is addressed to.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/digest.h"
#include "sim/event.h"
#include "sim/event_queue.h"

namespace brokersim::sim {

class Simulation;

// Anything that reacts to events: a broker, a client instance, the network, a fault. The kernel knows
// nothing else about it; `kind` and the two payload words mean what the actor says they mean.
class Actor {
 public:
  virtual ~Actor() = default;
  virtual void on_event(Simulation& simulation, Event const& event) = 0;
};

// Sees every event the loop dispatches: benchmarks count events by kind with it
// (bench/scenario_bench.cpp --events). It reads and never schedules, so an observed run goes through the
// same events as any other. Off by default: without one, run_until takes the plain instantiation of the
// loop (chosen once per call), so a normal run pays nothing per event for it.
class DispatchObserver {
 public:
  virtual ~DispatchObserver() = default;
  // Just before `event` reaches `actor`: what the event refers to (an envelope...) is still there.
  virtual void before_dispatch(Simulation const& simulation, Event const& event, Actor& actor) = 0;
  // Just after the actor has handled it.
  virtual void after_dispatch(Simulation const& simulation, Event const& event) = 0;
};

// Owns the clock and the pending events. Actors are registered by pointer and addressed by index, so
// their order is the order of registration, never of addresses.
class Simulation {
 public:
  ActorId add_actor(Actor* actor);

  Time now() const { return now_; }

  // Schedules an event `delay` from now (delay >= 0); same-time events run in scheduling order.
  EventId schedule(Time delay, ActorId actor, std::uint32_t kind, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0);
  EventId schedule_at(Time at, ActorId actor, std::uint32_t kind, std::uint64_t arg0 = 0, std::uint64_t arg1 = 0);
  void cancel(EventId id) { queue_.cancel(id); }
  // Whether `id` names an event still pending (not run, not cancelled).
  bool pending_event(EventId id) const { return queue_.pending(id); }

  // Runs events until none is pending, the next one is later than `until`, or `events_max` have run in
  // this call (a bound on every loop: a model bug that schedules forever ends instead of hanging).
  // Returns the number of events dispatched. The clock ends at the last event's time, or at `until`
  // when events later than `until` are still pending.
  std::uint64_t run_until(Time until, std::uint64_t events_max = UINT64_MAX);

  std::uint64_t events_dispatched() const { return dispatched_; }
  // Every event ever scheduled, dispatched or not.
  std::uint64_t events_scheduled() const { return queue_.pushed(); }
  // A hash of every event dispatched so far (its time and kind, in order): equal for equal runs.
  std::uint64_t trace_digest() const { return digest_.value(); }
  std::size_t pending() const { return queue_.size(); }
  bool idle() { return queue_.empty(); }
  // From now on `observer` (null: none) sees each dispatched event; it must outlive the runs it sees.
  void set_observer(DispatchObserver* observer) { observer_ = observer; }

 private:
  template <bool kObserved>
  std::uint64_t run_loop(Time until, std::uint64_t events_max);

  EventQueue queue_;
  std::vector<Actor*> actors_;
  Time now_ = 0;
  std::uint64_t dispatched_ = 0;
  TraceDigest digest_;
  DispatchObserver* observer_ = nullptr;
};

}  // namespace brokersim::sim
