// The 1,000,000-message benchmark: 3 brokers, RF 3, acks=all, 6 partitions, one group of 3, no faults.
// Prints wall seconds, simulated events per second, peak RSS and bytes per message.
#include <chrono>
#include <cstdio>
#include <string>

#include "bench/peak_rss.h"
#include "cli/runner.h"
#include "scenarios/loader.h"

int main(int argc, char** argv) {
  std::string const path = argc > 1 ? argv[1] : "bench/million-messages.json";
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
  return 0;
}
