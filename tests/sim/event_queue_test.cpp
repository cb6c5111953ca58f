// The radix-heap event queue against a plain ordered set, and at the edges of its buckets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/event_queue.h"
#include "sim/simulation.h"

using namespace brokersim::sim;

namespace {

constexpr Time kLatest = std::numeric_limits<Time>::max();

// Drives an EventQueue and a std::set of (time, sequence) with the same random operations and checks
// after each that they agree: what pops, what is next, what is pending.
class Differential {
 public:
  Differential(std::uint64_t seed, std::size_t compact_min) : random_(seed), queue_(compact_min), compact_min_(compact_min) {}

  void run(int operations) {
    for (int i = 0; i < operations; ++i) {
      std::uint64_t const op = below(100);
      if (op < 45) {
        push(floor_ + delay());
      } else if (op < 47) {
        // As after run_until stopped short: a peek moved the queue on to the next event, and an event
        // is scheduled between the last popped time and that one.
        if (!reference_.empty()) {
          Time const next = reference_.begin()->first;
          REQUIRE(queue_.next_time() == next);
          Time const low = std::min(floor_, next);  // The next one is below the floor after a push back in time.
          push(low + static_cast<Time>(below(static_cast<std::uint64_t>(next - low) + 1)));
        }
      } else if (op < 48) {
        push(static_cast<Time>(below(static_cast<std::uint64_t>(floor_) + 1)));  // Back in time (not from Simulation).
      } else if (op < 80) {
        pop();
      } else if (op < 92) {
        cancel_pending();
      } else if (op < 97) {
        if (!popped_.empty()) queue_.cancel(popped_[below(popped_.size())]);  // Its slot may be live again.
      } else {
        queue_.cancel(EventId{});
      }
      REQUIRE(queue_.size() == reference_.size());
      REQUIRE(queue_.heap_entries() <= 2 * queue_.size() + compact_min_);
      REQUIRE(queue_.empty() == reference_.empty());
    }
    while (!reference_.empty()) pop();
    REQUIRE(queue_.empty());
    REQUIRE(queue_.heap_entries() == 0);
  }

 private:
  std::uint64_t below(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(random_); }

  // Ties, near, far and as far as the type goes (never past its largest value).
  Time delay() {
    std::uint64_t const room = static_cast<std::uint64_t>(kLatest - floor_);
    std::uint64_t const kind = below(10);
    if (kind < 2) return 0;
    std::uint64_t const range = kind < 4 ? 8 : kind < 8 ? 1000 : kind < 9 ? std::uint64_t{1} << 40 : room + 1;
    return static_cast<Time>(std::min(below(range), room));
  }

  void push(Time at) {
    EventId const id = queue_.push(at, 3, 4, at, ~static_cast<std::uint64_t>(at));
    reference_.emplace(at, id.sequence);
    ids_[id.sequence] = {id, at};
    live_.push_back(id.sequence);
    position_[id.sequence] = live_.size() - 1;
  }

  void forget(std::uint64_t sequence) {
    std::size_t const index = position_.at(sequence);
    live_[index] = live_.back();
    position_[live_[index]] = index;
    live_.pop_back();
    position_.erase(sequence);
  }

  void pop() {
    if (reference_.empty()) return;
    auto const [at, sequence] = *reference_.begin();
    REQUIRE(queue_.next_time() == at);
    Event const event = queue_.pop();
    REQUIRE(event.at == at);
    REQUIRE(event.sequence == sequence);
    REQUIRE(event.actor == 3u);
    REQUIRE(event.kind == 4u);
    REQUIRE(event.arg0 == static_cast<std::uint64_t>(at));
    REQUIRE(event.arg1 == ~static_cast<std::uint64_t>(at));
    REQUIRE_FALSE(queue_.pending(ids_[sequence].first));
    reference_.erase(reference_.begin());
    popped_.push_back(ids_[sequence].first);
    forget(sequence);
    floor_ = at;
  }

  void cancel_pending() {
    if (live_.empty()) return;
    std::uint64_t const sequence = live_[below(live_.size())];
    auto const [id, at] = ids_[sequence];
    REQUIRE(queue_.pending(id));
    queue_.cancel(id);
    REQUIRE_FALSE(queue_.pending(id));
    queue_.cancel(id);  // Twice: still one event gone.
    reference_.erase({at, sequence});
    forget(sequence);
  }

  std::mt19937_64 random_;
  EventQueue queue_;
  std::size_t compact_min_;
  std::set<std::pair<Time, std::uint64_t>> reference_;
  std::unordered_map<std::uint64_t, std::pair<EventId, Time>> ids_;
  std::vector<std::uint64_t> live_;  // Pending sequences, for picking one at random.
  std::unordered_map<std::uint64_t, std::size_t> position_;
  std::vector<EventId> popped_;
  Time floor_ = 0;  // The last popped time.
};

}  // namespace

TEST_CASE("sim: event_queue: agrees with an ordered set on random pushes, pops and cancels", "[sim]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    INFO("seed " << seed);
    Differential(seed, seed % 2 == 0 ? 4 : 1024).run(40000);
  }
}

TEST_CASE("sim: event_queue: time 0 and the largest times pop in order", "[sim]") {
  EventQueue queue;
  queue.push(kLatest, 0, 1);
  queue.push(0, 0, 2);
  queue.push(kTimeMax, 0, 3);
  queue.push(kLatest - 1, 0, 4);
  queue.push(kLatest, 0, 5);
  queue.push(0, 0, 6);
  queue.push(kTimeMax + 1, 0, 7);
  std::vector<std::uint32_t> kinds;
  std::vector<Time> times;
  while (!queue.empty()) {
    times.push_back(queue.next_time());
    kinds.push_back(queue.pop().kind);
  }
  CHECK(kinds == std::vector<std::uint32_t>{2, 6, 3, 7, 4, 1, 5});
  CHECK(times == std::vector<Time>{0, 0, kTimeMax, kTimeMax + 1, kLatest - 1, kLatest, kLatest});
}

TEST_CASE("sim: event_queue: many events at one time pop in scheduling order, also when more arrive", "[sim]") {
  EventQueue queue(8);
  std::vector<EventId> ids;
  for (int i = 0; i < 100000; ++i) ids.push_back(queue.push(7, 0, 0));
  queue.push(8, 0, 1);
  for (std::size_t i = 0; i < ids.size(); i += 3) queue.cancel(ids[i]);
  std::uint64_t last = 0;
  std::size_t at_seven = 0;
  while (!queue.empty() && queue.next_time() == 7) {
    Event const event = queue.pop();
    CHECK((at_seven == 0 || event.sequence > last));
    last = event.sequence;
    // The first 100,000 pops each schedule one more event at the same time (a zero delay).
    if (++at_seven <= 100000) queue.push(7, 0, 0);
  }
  CHECK(at_seven == 100000 - 33334 + 100000);
  CHECK(queue.heap_entries() < 1000);
  REQUIRE(queue.size() == 1);
  CHECK(queue.pop().kind == 1u);
}

TEST_CASE("sim: simulation: after run_until stops short, an event scheduled before the next one runs first", "[sim]") {
  struct Kinds : Actor {
    void on_event(Simulation&, Event const& event) override { kinds.push_back(event.kind); }
    std::vector<std::uint32_t> kinds;
  } actor;
  Simulation simulation;
  ActorId const id = simulation.add_actor(&actor);
  simulation.schedule(50, id, 1);
  simulation.schedule(1000000, id, 2);
  CHECK(simulation.run_until(20) == 0);  // Looked at the event at 50 and stopped.
  simulation.schedule_at(30, id, 3);
  simulation.schedule_at(50, id, 4);
  simulation.schedule_at(20, id, 5);
  simulation.run_until(2000000);
  CHECK(actor.kinds == std::vector<std::uint32_t>{5, 3, 1, 4, 2});
}
