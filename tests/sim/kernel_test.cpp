// The kernel: event order, cancellation, the loop's clock, random streams and distributions.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "sim/distribution.h"
#include "sim/event_queue.h"
#include "sim/random.h"
#include "sim/simulation.h"

using namespace brokersim::sim;

namespace {

// Records what it receives and, when told, schedules follow-ups.
class Recorder : public Actor {
 public:
  void on_event(Simulation& simulation, Event const& event) override {
    seen.push_back(event);
    times.push_back(simulation.now());
    if (follow_ups > 0) {
      --follow_ups;
      simulation.schedule(static_cast<Time>(random->below(5)), event.actor, event.kind + 1);
    }
  }
  std::vector<Event> seen;
  std::vector<Time> times;
  int follow_ups = 0;
  RandomStream* random = nullptr;
};

}  // namespace

TEST_CASE("sim: event_queue: events pop by time, and same-time events in scheduling order", "[sim]") {
  EventQueue queue;
  queue.push(30, 0, 1);
  queue.push(10, 0, 2);
  queue.push(20, 0, 3);
  queue.push(10, 0, 4);
  queue.push(10, 0, 5);
  std::vector<std::uint32_t> kinds;
  while (!queue.empty()) kinds.push_back(queue.pop().kind);
  CHECK(kinds == std::vector<std::uint32_t>{2, 4, 5, 3, 1});
}

TEST_CASE("sim: event_queue: payloads come back whole, also when slots are reused and pushes go back in time", "[sim]") {
  // Each round pushes from time 0 again, below the last popped time: the queue moves its base down.
  EventQueue queue;
  for (int round = 0; round < 3; ++round) {
    for (std::uint32_t i = 0; i < 100; ++i) queue.push(i, i + 7, i * 3, i * 1000003ULL, ~static_cast<std::uint64_t>(i));
    for (std::uint32_t i = 0; i < 100; ++i) {
      Event const event = queue.pop();
      CHECK(event.at == i);
      CHECK(event.actor == i + 7);
      CHECK(event.kind == i * 3);
      CHECK(event.arg0 == i * 1000003ULL);
      CHECK(event.arg1 == ~static_cast<std::uint64_t>(i));
    }
  }
  CHECK(queue.empty());
}

TEST_CASE("sim: event_queue: a cancelled event never pops, the others are untouched", "[sim]") {
  EventQueue queue;
  EventId const top = queue.push(1, 0, 1);
  queue.push(2, 0, 2);
  EventId const buried = queue.push(3, 0, 3);
  queue.push(4, 0, 4);
  queue.cancel(top);
  queue.cancel(buried);
  CHECK(queue.next_time() == 2);
  std::vector<std::uint32_t> kinds;
  while (!queue.empty()) kinds.push_back(queue.pop().kind);
  CHECK(kinds == std::vector<std::uint32_t>{2, 4});
}

TEST_CASE("sim: event_queue: cancelled timers do not pile up: the buckets are filtered, in the same pop order", "[sim]") {
  // Every "request" arms a timeout 30 s ahead and cancels it a few microseconds later, as answered
  // requests do: without compaction the heap would hold every timeout ever armed.
  EventQueue queue;
  std::vector<std::pair<Time, std::uint64_t>> expected;  // The live events, in pop order.
  Time now = 0;
  for (int request = 0; request < 100000; ++request) {
    now += 3;
    EventId const timeout = queue.push(now + 30000000, 0, 1);
    EventId const answer = queue.push(now + 2, 0, 2);
    expected.emplace_back(now + 2, answer.sequence);
    queue.cancel(timeout);
    CHECK(queue.heap_entries() <= 2 * queue.size() + 1024);
  }
  CHECK(queue.size() == 100000);
  queue.cancel(EventId{});  // Names no event.
  std::size_t index = 0;
  while (!queue.empty()) {
    Event const event = queue.pop();
    REQUIRE(index < expected.size());
    CHECK(event.at == expected[index].first);
    CHECK(event.sequence == expected[index].second);
    ++index;
  }
  CHECK(index == expected.size());
}

TEST_CASE("sim: event_queue: cancelling an event that already ran does not touch the event reusing its slot", "[sim]") {
  EventQueue queue;
  EventId const first = queue.push(1, 0, 1);
  CHECK(queue.pop().kind == 1u);
  EventId const second = queue.push(2, 0, 2);
  CHECK(second.slot == first.slot);  // The freed slot is reused.
  queue.cancel(first);
  REQUIRE_FALSE(queue.empty());
  CHECK(queue.pop().kind == 2u);
}

TEST_CASE("sim: event_queue: any interleaving of pushes, pops and cancels pops in (time, sequence) order", "[sim][property]") {
  rc::prop("random schedules", [] {
    // A small compaction threshold filters the buckets in the middle of the schedule.
    EventQueue queue(*rc::gen::inRange<std::size_t>(1, 9));
    std::map<std::uint64_t, std::pair<EventId, Time>> pending;  // By sequence: what must still come out.
    std::vector<EventId> popped;                                // Cancelling these must change nothing.
    Time floor = 0;
    auto const operations = *rc::gen::inRange(1, 400);
    Time last_time = -1;
    std::uint64_t last_sequence = 0;
    for (int i = 0; i < operations; ++i) {
      int const op = *rc::gen::inRange(0, 10);
      if (op < 6) {
        Time const at = floor + *rc::gen::inRange<Time>(0, 8);  // Small range: many ties.
        EventId const id = queue.push(at, 0, 0);
        pending[id.sequence] = {id, at};
      } else if (op < 8 && !pending.empty()) {
        Event const event = queue.pop();
        RC_ASSERT(pending.count(event.sequence) == 1u);
        RC_ASSERT(pending[event.sequence].second == event.at);
        RC_ASSERT(event.at > last_time || (event.at == last_time && event.sequence > last_sequence));
        for (auto const& [sequence, entry] : pending) {
          RC_ASSERT(entry.second > event.at || (entry.second == event.at && sequence >= event.sequence));
        }
        popped.push_back(pending[event.sequence].first);
        pending.erase(event.sequence);
        last_time = event.at;
        last_sequence = event.sequence;
        floor = event.at;  // Nothing is scheduled in the past.
      } else if (op == 8 && !popped.empty()) {
        queue.cancel(*rc::gen::elementOf(popped));  // Its slot may hold a live event by now: it must stay.
      } else if (!pending.empty()) {
        auto victim = pending.begin();
        std::advance(victim, *rc::gen::inRange<std::size_t>(0, pending.size()));
        queue.cancel(victim->second.first);
        pending.erase(victim);
      }
      RC_ASSERT(queue.size() == pending.size());
    }
    std::size_t drained = 0;
    while (!queue.empty()) {
      RC_ASSERT(pending.count(queue.pop().sequence) == 1u);
      ++drained;
    }
    RC_ASSERT(drained == pending.size());
  });
}

TEST_CASE("sim: simulation: the clock ends at the last event, or at `until` when later events wait", "[sim]") {
  Simulation simulation;
  Recorder recorder;
  ActorId const id = simulation.add_actor(&recorder);
  simulation.schedule(5, id, 1);
  simulation.schedule(50, id, 2);
  CHECK(simulation.run_until(20) == 1);
  CHECK(simulation.now() == 20);
  CHECK(simulation.run_until(1000) == 1);
  CHECK(simulation.now() == 50);
  CHECK(simulation.idle());
  CHECK(recorder.times == std::vector<Time>{5, 50});
}

TEST_CASE("sim: simulation: events_max bounds one call of the loop", "[sim]") {
  Simulation simulation;
  Recorder recorder;
  ActorId const id = simulation.add_actor(&recorder);
  for (int i = 0; i < 10; ++i) simulation.schedule(i, id, 0);
  CHECK(simulation.run_until(100, 4) == 4);
  CHECK(simulation.pending() == 6);
  CHECK(simulation.events_dispatched() == 4);
}

TEST_CASE("sim: simulation: the trace digest follows the time and kind of every dispatched event, in order", "[sim]") {
  auto digest_of = [](std::vector<std::pair<Time, std::uint32_t>> const& events) {
    Simulation simulation;
    Recorder recorder;
    ActorId const id = simulation.add_actor(&recorder);
    for (auto const& [at, kind] : events) simulation.schedule(at, id, kind);
    simulation.run_until(1000);
    return simulation.trace_digest();
  };
  std::uint64_t const reference = digest_of({{1, 7}, {2, 8}});
  CHECK(reference == digest_of({{1, 7}, {2, 8}}));
  CHECK(reference != digest_of({{1, 8}, {2, 7}}));  // The same events in another order.
  CHECK(reference != digest_of({{1, 7}, {3, 8}}));  // Another time.
  CHECK(reference != digest_of({{1, 7}, {2, 9}}));  // Another kind.
  CHECK(reference != digest_of({{1, 7}}));          // One event fewer.
  CHECK(Simulation().trace_digest() != reference);
  CHECK(hex64(0x1f) == "000000000000001f");
  CHECK(hex64(UINT64_MAX) == "ffffffffffffffff");
}

TEST_CASE("sim: simulation: events scheduled during dispatch run in (time, sequence) order", "[sim][property]") {
  rc::prop("follow-ups", [] {
    Simulation simulation;
    RandomStream random(*rc::gen::arbitrary<std::uint64_t>(), "follow-ups");
    Recorder recorder;
    recorder.random = &random;
    recorder.follow_ups = *rc::gen::inRange(0, 500);
    ActorId const id = simulation.add_actor(&recorder);
    for (int i = *rc::gen::inRange(1, 20); i > 0; --i) simulation.schedule(static_cast<Time>(random.below(10)), id, 0);
    simulation.run_until(1 << 20);
    for (std::size_t i = 1; i < recorder.seen.size(); ++i) {
      Event const& a = recorder.seen[i - 1];
      Event const& b = recorder.seen[i];
      RC_ASSERT(a.at < b.at || (a.at == b.at && a.sequence < b.sequence));
    }
  });
}

TEST_CASE("sim: simulation: an observer sees every dispatch, before and after, and changes nothing", "[sim]") {
  // Sees each event before and after its dispatch, with the events the dispatch scheduled.
  struct Watcher final : DispatchObserver {
    void before_dispatch(Simulation const& simulation, Event const& event, Actor&) override {
      before.push_back(event.sequence);
      scheduled_before = simulation.events_scheduled();
    }
    void after_dispatch(Simulation const& simulation, Event const& event) override {
      after.push_back(event.sequence);
      scheduled.push_back(simulation.events_scheduled() - scheduled_before);
    }
    std::vector<std::uint64_t> before, after, scheduled;
    std::uint64_t scheduled_before = 0;
  };
  auto run = [](DispatchObserver* observer, Recorder& recorder) {
    Simulation simulation;
    simulation.set_observer(observer);
    RandomStream random(3, "observer");
    recorder.random = &random;
    recorder.follow_ups = 20;
    ActorId const id = simulation.add_actor(&recorder);
    for (int i = 0; i < 5; ++i) simulation.schedule(i, id, 0);
    simulation.run_until(10);
    simulation.run_until(1000);
    return simulation.trace_digest();
  };
  Recorder plain;
  Recorder observed;
  Watcher watcher;
  CHECK(run(&watcher, observed) == run(nullptr, plain));
  REQUIRE(observed.seen.size() == 25);
  std::vector<std::uint64_t> dispatched;
  for (Event const& event : observed.seen) dispatched.push_back(event.sequence);
  CHECK(watcher.before == dispatched);
  CHECK(watcher.after == dispatched);
  CHECK(std::count(watcher.scheduled.begin(), watcher.scheduled.end(), 1u) == 20);  // The follow-ups.
  CHECK(std::count(watcher.scheduled.begin(), watcher.scheduled.end(), 0u) == 5);
}

TEST_CASE("sim: random: a stream's seed depends on the run seed and its own name only", "[sim]") {
  CHECK(stream_seed(1, "network") != stream_seed(2, "network"));
  CHECK(stream_seed(1, "network") != stream_seed(1, "controller"));
  CHECK(stream_seed(7, "network") == stream_seed(7, "network"));
}

TEST_CASE("sim: random: known answers: the same draws on every platform", "[sim]") {
  // Reports depend on these numbers: a change of engine, of seed derivation or of Boost's distribution
  // algorithms must be deliberate (and changes every report).
  CHECK(stream_seed(1, "network") == 214430937492048633ULL);
  RandomStream random(1, "network");
  CHECK(random.engine()() == 9678359730388899745ULL);
  CHECK(random.engine()() == 15805708094043435919ULL);
  RandomStream draws(1, "network");
  CHECK(draws.below(1000) == 524);
  CHECK(draws.below(1000) == 856);
  CHECK(draws.below(1000) == 372);
  CHECK(hash_name("") == 0xCBF29CE484222325ULL);   // FNV-1a offset basis.
  CHECK(hash_name("a") == 0xAF63DC4C8601EC8CULL);  // FNV-1a of "a".
  CHECK(mix64(0) == 0xE220A8397B1DCDAFULL);        // SplitMix64's first output for state 0.
}

TEST_CASE("sim: random: streams are independent: drawing from one does not change another", "[sim][property]") {
  rc::prop("interleaved draws", [] {
    std::uint64_t const seed = *rc::gen::arbitrary<std::uint64_t>();
    RandomStream alone(seed, "a");
    std::vector<std::uint64_t> expected;
    for (int i = 0; i < 50; ++i) expected.push_back(alone.below(1000000));
    RandomStream a(seed, "a");
    RandomStream b(seed, "b");
    RandomStream c(seed, "c");
    for (int i = 0; i < 50; ++i) {
      for (int k = *rc::gen::inRange(0, 3); k > 0; --k) b.uniform01();
      if (*rc::gen::arbitrary<bool>()) c.below(7);
      RC_ASSERT(a.below(1000000) == expected[static_cast<std::size_t>(i)]);
    }
  });
}

TEST_CASE("sim: random: chance(0) and chance(1) draw nothing", "[sim]") {
  RandomStream a(3, "x");
  RandomStream b(3, "x");
  CHECK_FALSE(a.chance(0.0));
  CHECK(a.chance(1.0));
  CHECK(a.engine()() == b.engine()());
}

TEST_CASE("sim: distribution: samples have the shape they claim", "[sim]") {
  RandomStream random(11, "distribution");
  constexpr int kSamples = 200000;
  auto mean_of = [&](Distribution const& d) {
    double total = 0;
    for (int i = 0; i < kSamples; ++i) total += static_cast<double>(d.sample(random));
    return total / kSamples;
  };
  CHECK(Distribution::constant(1234).sample(random) == 1234);
  CHECK(std::fabs(mean_of(Distribution::uniform(1000, 3000)) - 2000) < 20);
  CHECK(std::fabs(mean_of(Distribution::exponential(5000)) - 5000) < 100);
  // Normal truncated at 0 by resampling: N(100, 1000) kept above 0 has mean 100 + 1000 * phi(-0.1) /
  // (1 - Phi(-0.1)) = 835.3 us, and almost never rounds to 0. Clamping negative draws to 0 instead would
  // give a mean of 451 us and 46 % zeros; resampling from the wrong side or ignoring the mean would miss too.
  Distribution const normal = Distribution::normal(100, 1000);
  int zeros = 0;
  double total = 0;
  for (int i = 0; i < kSamples; ++i) {
    Time const sample = normal.sample(random);
    if (sample == 0) ++zeros;
    total += static_cast<double>(sample);
  }
  CHECK(std::fabs(total / kSamples - 835.3) < 10);  // The standard error of the mean is 1.4 us.
  CHECK(zeros < kSamples / 1000);
  std::vector<Time> samples;
  Distribution const lognormal = Distribution::lognormal_from_quantiles(2000, 20000);
  for (int i = 0; i < kSamples; ++i) samples.push_back(lognormal.sample(random));
  std::sort(samples.begin(), samples.end());
  CHECK(std::fabs(static_cast<double>(samples[kSamples / 2]) - 2000) < 60);
  CHECK(std::fabs(static_cast<double>(samples[kSamples * 99 / 100]) - 20000) < 600);
  Distribution const pareto = Distribution::pareto(1000, 2.5);
  for (int i = 0; i < 10000; ++i) CHECK(pareto.sample(random) >= 1000);
  CHECK(pareto.mean_micros() == Approx(2.5 * 1000 / 1.5));
  CHECK(Distribution::exponential(2000).describe() == "exponential(mean 2 ms)");
  CHECK(Distribution::uniform(500, 1500).describe() == "uniform(0.5..1.5 ms)");
}
