#include "sim/simulation.h"

#include "sim/assert.h"

namespace brokersim::sim {

ActorId Simulation::add_actor(Actor* actor) {
  BROKERSIM_ASSERT(actor != nullptr);
  actors_.push_back(actor);
  return static_cast<ActorId>(actors_.size() - 1);
}

EventId Simulation::schedule(Time delay, ActorId actor, std::uint32_t kind, std::uint64_t arg0, std::uint64_t arg1) {
  BROKERSIM_ASSERT(delay >= 0);
  BROKERSIM_ASSERT(delay <= kTimeMax - now_);
  return schedule_at(now_ + delay, actor, kind, arg0, arg1);
}

EventId Simulation::schedule_at(Time at, ActorId actor, std::uint32_t kind, std::uint64_t arg0, std::uint64_t arg1) {
  BROKERSIM_ASSERT(at >= now_);
  BROKERSIM_ASSERT(actor < actors_.size());
  return queue_.push(at, actor, kind, arg0, arg1);
}

std::uint64_t Simulation::run_until(Time until, std::uint64_t events_max) {
  std::uint64_t const count = observer_ == nullptr ? run_loop<false>(until, events_max) : run_loop<true>(until, events_max);
  dispatched_ += count;
  if (!queue_.empty() && queue_.next_time() > until && until > now_) now_ = until;
  return count;
}

template <bool kObserved>
std::uint64_t Simulation::run_loop(Time until, std::uint64_t events_max) {
  std::uint64_t count = 0;
  while (count < events_max && !queue_.empty() && queue_.next_time() <= until) {
    Event const event = queue_.pop();
    BROKERSIM_ASSERT(event.at >= now_);
    now_ = event.at;
    digest_.add(event.at, event.kind);
    Actor& actor = *actors_[event.actor];
    if constexpr (kObserved) observer_->before_dispatch(*this, event, actor);
    actor.on_event(*this, event);
    if constexpr (kObserved) observer_->after_dispatch(*this, event);
    ++count;
  }
  return count;
}

}  // namespace brokersim::sim
