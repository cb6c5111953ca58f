// Peak memory per queued event: queues 1,000,000 events and reads the peak resident set from /proc.
#include <cstdio>

#include "bench/peak_rss.h"
#include "sim/event_queue.h"
#include "sim/random.h"

int main() {
  constexpr long kEvents = 1000000;
  long const before = brokersim::bench::peak_rss_kib();
  brokersim::sim::EventQueue queue;
  brokersim::sim::RandomStream random(1, "bench");
  for (long i = 0; i < kEvents; ++i) queue.push(static_cast<brokersim::sim::Time>(random.below(1000000)), 0, 0);
  long const after = brokersim::bench::peak_rss_kib();
  std::printf("queued %ld events: peak RSS %ld KiB before, %ld KiB after: %.1f bytes per queued event\n", kEvents, before,
              after, static_cast<double>(after - before) * 1024.0 / static_cast<double>(kEvents));
  return queue.size() == static_cast<std::size_t>(kEvents) ? 0 : 1;
}
