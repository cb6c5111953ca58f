// The bare kernel's throughput: schedule + pop + dispatch of small events, with N events pending
// (a "hold" model: each dispatched event schedules one more at a random small delay).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sim/random.h"
#include "sim/simulation.h"

namespace {

using brokersim::sim::Event;
using brokersim::sim::RandomStream;
using brokersim::sim::Simulation;
using brokersim::sim::Time;

// Re-schedules every event it receives a random 1..1000 µs later, so the queue holds steady.
class HoldActor : public brokersim::sim::Actor {
 public:
  explicit HoldActor(RandomStream& random) : random_(random) {}
  void on_event(Simulation& simulation, Event const& event) override {
    simulation.schedule(1 + static_cast<Time>(random_.below(1000)), event.actor, event.kind, event.arg0 + 1);
  }

 private:
  RandomStream& random_;
};

void BM_KernelHold(benchmark::State& state) {
  auto const pending = static_cast<std::uint64_t>(state.range(0));
  RandomStream random(1, "bench");
  Simulation simulation;
  HoldActor actor(random);
  auto const id = simulation.add_actor(&actor);
  for (std::uint64_t i = 0; i < pending; ++i) simulation.schedule(static_cast<Time>(random.below(1000)), id, 0);
  constexpr std::uint64_t kBatch = 100000;
  for (auto _ : state) simulation.run_until(INT64_MAX / 4, kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_KernelHold)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

// The queue alone: push then pop, without dispatch.
void BM_EventQueuePushPop(benchmark::State& state) {
  auto const pending = static_cast<std::uint64_t>(state.range(0));
  RandomStream random(1, "bench");
  brokersim::sim::EventQueue queue;
  for (std::uint64_t i = 0; i < pending; ++i) queue.push(static_cast<Time>(random.below(1000)), 0, 0);
  for (auto _ : state) {
    Event const event = queue.pop();
    queue.push(event.at + 1 + static_cast<Time>(random.below(1000)), 0, 0);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_EventQueuePushPop)->Arg(1000)->Arg(100000)->Arg(1000000);

}  // namespace

BENCHMARK_MAIN();
