// Fidelity: with the network and replication taking no time, a Poisson producer feeding one consumer
// whose processing time is exponential is an M/M/1 queue, and the simulated send-to-effect latency must
// match queueing theory: sojourn time exponential with mean 1/(mu - lambda).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "cli/runner.h"
#include "scenarios/loader.h"

namespace {

// One producer at `lambda` messages/s into one partition read by one consumer with exponential service
// of mean `service_ms`, for 200 simulated seconds.
std::string mm1_scenario(double lambda, double service_ms) {
  return R"({"name": "mm1", "duration_ms": 200000, "drain_ms": 20000, "network": {"latency_ms": 0},
             "brokers": {"count": 1}, "topics": [{"name": "jobs"}],
             "producers": [{"name": "source", "topic": "jobs", "rate_per_s": )" +
         std::to_string(lambda) + R"(, "acks": 1}],
             "consumer_groups": [{"name": "server", "topic": "jobs", "commit": "auto",
                                  "processing_ms": {"dist": "exponential", "mean": )" +
         std::to_string(service_ms) + "}}]}";
}

void check_mm1(double lambda, double service_ms, std::uint64_t seed) {
  auto const scenario = brokersim::scenarios::load_scenario_text(mm1_scenario(lambda, service_ms), "mm1.json");
  auto const report = brokersim::cli::run_scenario(scenario, seed);
  double const mu = 1000.0 / service_ms;
  double const sojourn_ms = 1000.0 / (mu - lambda);
  auto const& latency = report.metrics.latency;
  INFO("lambda " << lambda << "/s, mu " << mu << "/s: expected mean " << sojourn_ms << " ms, got " << latency.mean_ms);
  CHECK(report.metrics.processed > static_cast<std::uint64_t>(lambda * 190));
  CHECK(std::fabs(latency.mean_ms - sojourn_ms) < 0.04 * sojourn_ms);
  // The sojourn time is exponential: its median is mean * ln 2 and its 99th percentile mean * ln 100.
  CHECK(std::fabs(latency.p50_ms - sojourn_ms * std::log(2.0)) < 0.06 * sojourn_ms * std::log(2.0));
  CHECK(std::fabs(latency.p99_ms - sojourn_ms * std::log(100.0)) < 0.10 * sojourn_ms * std::log(100.0));
}

}  // namespace

TEST_CASE("model: fidelity: a Poisson producer and an exponential consumer form an M/M/1 queue", "[model][slow]") {
  SECTION("utilisation 0.5") { check_mm1(500.0, 1.0, 1); }
  SECTION("utilisation 0.75") { check_mm1(750.0, 1.0, 2); }
}
