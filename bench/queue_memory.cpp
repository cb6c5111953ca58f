// Peak memory per queued event: queues 1,000,000 events and reads the peak resident set from /proc.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "sim/event_queue.h"
#include "sim/random.h"

namespace {

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main() {
  constexpr long kEvents = 1000000;
  long const before = peak_rss_kib();
  brokersim::sim::EventQueue queue;
  brokersim::sim::RandomStream random(1, "bench");
  for (long i = 0; i < kEvents; ++i) queue.push(static_cast<brokersim::sim::Time>(random.below(1000000)), 0, 0);
  long const after = peak_rss_kib();
  std::printf("queued %ld events: peak RSS %ld KiB before, %ld KiB after: %.1f bytes per queued event\n", kEvents, before,
              after, static_cast<double>(after - before) * 1024.0 / static_cast<double>(kEvents));
  return queue.size() == static_cast<std::size_t>(kEvents) ? 0 : 1;
}
