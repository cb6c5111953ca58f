// Counts a run's dispatched events by actor class and event type (brokersim_scenario_bench --events): how
// many of each, how many changed nothing the kernel sees (scheduled no event), and how long each kind
// waited in the queue, from which Little's law gives its share of the pending set.
//
// A timeout that schedules nothing when it pops found the request it guarded already answered (or its
// membership, fetch or commit superseded): it is a dead timer, pushed, sifted and popped for nothing. In a
// run without faults every timeout is one; with faults a timeout that fails a request without retrying it
// also schedules nothing and is counted with them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/simulation.h"

namespace brokersim::bench {

class EventCensus final : public sim::DispatchObserver {
 public:
  void before_dispatch(sim::Simulation const& simulation, sim::Event const& event, sim::Actor& actor) override;
  void after_dispatch(sim::Simulation const& simulation, sim::Event const& event) override;

  // A Markdown table, most frequent kind first, and a summary of the dead timers.
  std::string table() const;

  // Timeouts that scheduled nothing (dead timers), and their share of the time-average pending set.
  std::uint64_t dead_timers() const;
  std::uint64_t events() const { return events_; }

 private:
  struct Tally {
    std::uint64_t events = 0;
    std::uint64_t idle = 0;               // Dispatches that scheduled no event.
    std::int64_t queued_us = 0;           // Summed time from schedule to dispatch.
    std::int64_t idle_queued_us = 0;      // The same, of the idle ones.
  };

  // (actor class << 24) | (stale << 23) | type; a delivery's type is kDelivery | its message type.
  static constexpr std::uint32_t kDelivery = 0x10000;
  static std::string actor_label(std::uint32_t key);
  static std::string event_label(std::uint32_t key);
  static bool is_timeout(std::uint32_t key);

  std::map<std::uint32_t, Tally> tallies_;
  std::vector<sim::Time> scheduled_at_;  // By sequence: when each event was scheduled.
  sim::Time last_dispatch_ = 0;
  std::uint32_t key_ = 0;                // Of the event being dispatched.
  std::uint64_t scheduled_before_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t pending_peak_ = 0;
  std::uint64_t pending_after_ = 0;      // Live events pending after the last dispatch.
};

}  // namespace brokersim::bench
