// The whole simulator on one scenario (by default bench/million-messages.json: 1,000,000 messages, 3
// brokers, RF 3, acks=all, 6 partitions, one group of 3, no faults). Prints wall seconds, simulated events
// per second, peak RSS and bytes per message. With --events it then runs the scenario a second time with
// an EventCensus and prints the events by actor and kind (the timed run is never observed).
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "bench/event_census.h"
#include "bench/peak_rss.h"
#include "cli/runner.h"
#include "scenarios/loader.h"

int main(int argc, char** argv) {
  std::string path = "bench/million-messages.json";
  bool census = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--events") {
      census = true;
    } else {
      path = argv[i];
    }
  }
  auto const scenario = brokersim::scenarios::load_scenario_file(path);
  long const rss_before = brokersim::bench::peak_rss_kib();
  auto const start = std::chrono::steady_clock::now();  // Wall time is what a benchmark measures.
  auto const report = brokersim::cli::run_scenario(scenario, scenario.seed);
  double const seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  long const rss_after = brokersim::bench::peak_rss_kib();
  auto const& m = report.metrics;
  std::printf("%s: %llu messages, %llu events in %.2f s wall: %.2f M events/s; peak RSS %ld MiB "
              "(%.0f bytes per message over the baseline); verdict %s\n",
              scenario.name.c_str(), static_cast<unsigned long long>(m.produced), static_cast<unsigned long long>(m.events),
              seconds, static_cast<double>(m.events) / seconds / 1e6, rss_after / 1024,
              static_cast<double>(rss_after - rss_before) * 1024.0 / static_cast<double>(m.produced),
              report.passed() ? "pass" : "fail");
  if (census) {
    brokersim::bench::EventCensus counter;
    auto const observed = brokersim::cli::run_scenario_observed(scenario, scenario.seed, counter);
    std::printf("\n%s", counter.table().c_str());
    if (observed.digest != report.digest) {
      std::fprintf(stderr, "the observed run took another path: digest %016llx, unobserved %016llx\n",
                   static_cast<unsigned long long>(observed.digest), static_cast<unsigned long long>(report.digest));
      return 1;
    }
  }
  return 0;
}
