// Failure handling as Spring Kafka's DefaultErrorHandler does it, and the faults that exercise it: poison
// messages, service outages and overload.
#include <catch2/catch.hpp>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <string>

#include "cli/runner.h"
#include "model/core/backoff.h"
#include "model/core/circuit_breaker.h"
#include "scenarios/loader.h"

namespace {

using brokersim::reports::Report;

Report run(std::string const& text, std::uint64_t seed = 1) {
  return brokersim::cli::run_scenario(brokersim::scenarios::load_scenario_text(text, "test.json"), seed);
}

std::string poisoned(std::string const& on_failure, std::string const& faults) {
  return R"({"name": "poison", "duration_ms": 5000, "drain_ms": 20000, "brokers": {"count": 3},
    "topics": [{"name": "t", "partitions": 2, "replication_factor": 3, "min_insync_replicas": 2}],
    "producers": [{"name": "p", "topic": "t", "rate_per_s": 200, "keys": 20}],
    "consumer_groups": [{"name": "g", "topic": "t", "instances": 2, "on_failure": )" + on_failure + R"(}],
    "faults": [)" + faults + "]}";
}

std::string const kPoison = R"({"kind": "poison", "target": "p", "at_ms": 1000, "count": 1})";

}  // namespace

TEST_CASE("faults: poison: with dead-letter the poison message goes to the DLT and the partition moves on", "[faults]") {
  Report const report = run(poisoned(R"({"max_attempts": 3, "backoff": {"initial_ms": 10}, "then": "dead-letter"})", kPoison));
  CHECK(report.metrics.poison == 1);
  CHECK(report.metrics.poison_dead_lettered == 1);
  CHECK(report.violations.unprocessed == 0);
  CHECK(report.violations.dead_lettered == 0);  // Only valid messages count as dead-lettered violations.
  CHECK(report.metrics.attempts == report.metrics.processed + 3);
}

TEST_CASE("faults: poison: with block the partition stays stuck behind it", "[faults]") {
  Report const stuck = run(poisoned(R"({"backoff": {"initial_ms": 10}, "then": "block"})", kPoison));
  CHECK(stuck.violations.unprocessed > 0);
  CHECK(stuck.metrics.retry_amplification > 2.0);
  Report const clean = run(poisoned(R"({"backoff": {"initial_ms": 10}, "then": "block"})", ""));
  CHECK(clean.violations.unprocessed == 0);
  CHECK(clean.metrics.poison == 0);
}

TEST_CASE("faults: poison: with skip the poison message is passed over and nothing else is lost", "[faults]") {
  Report const report = run(poisoned(R"({"max_attempts": 2, "then": "skip"})", kPoison));
  CHECK(report.metrics.poison == 1);
  CHECK(report.violations.unprocessed == 0);
  CHECK(report.violations.skipped == 0);  // The poison message itself is not a violation.
}

TEST_CASE("faults: outage: retries that outlast an outage succeed, exhausted ones dead-letter valid messages", "[faults]") {
  auto const scenario = [](int attempts, char const* faults) {
    return std::string(R"({"name": "outage", "duration_ms": 6000, "drain_ms": 30000, "brokers": {"count": 1},
      "topics": [{"name": "t"}], "producers": [{"name": "p", "topic": "t", "rate_per_s": 100}],
      "services": [{"name": "db", "latency_ms": 1}],
      "consumer_groups": [{"name": "g", "topic": "t", "calls": "db",
        "on_failure": {"max_attempts": )") + std::to_string(attempts) + R"(, "backoff": {"initial_ms": 100, "multiplier": 2, "max_ms": 5000}, "then": "dead-letter"}}],
      "faults": [)" + faults + "]}";
  };
  char const* const outage = R"({"kind": "outage", "target": "db", "at_ms": 2000, "duration_ms": 1500})";
  CHECK(run(scenario(3, outage)).violations.dead_lettered > 0);
  Report const patient = run(scenario(8, outage));
  CHECK(patient.violations.dead_lettered == 0);
  CHECK(patient.metrics.retry_amplification > 1.0);
  CHECK(run(scenario(3, "")).violations.dead_lettered == 0);
}

TEST_CASE("faults: overload: calls beyond capacity fail and the peak load shows it", "[faults]") {
  auto const scenario = [](int capacity) {
    return R"({"name": "overload", "duration_ms": 3000, "drain_ms": 30000, "brokers": {"count": 1},
      "topics": [{"name": "t", "partitions": 4}], "producers": [{"name": "p", "topic": "t", "rate_per_s": 400}],
      "services": [{"name": "db", "capacity_per_s": )" + std::to_string(capacity) + R"(, "latency_ms": 1}],
      "consumer_groups": [{"name": "g", "topic": "t", "instances": 4, "calls": "db",
        "on_failure": {"max_attempts": 1000, "backoff": {"initial_ms": 50}, "then": "dead-letter"}}]})";
  };
  Report const overloaded = run(scenario(200));
  CHECK(overloaded.metrics.downstream_peak_load > 1.0);
  CHECK(overloaded.metrics.retry_amplification > 1.0);
  Report const roomy = run(scenario(5000));
  CHECK(roomy.metrics.downstream_peak_load < 1.0);
  CHECK(roomy.metrics.retry_amplification == 1.0);
}

TEST_CASE("faults: slowdown: a slowed group builds lag that the same group without it does not", "[faults]") {
  auto const scenario = [](char const* faults) {
    return std::string(R"({"name": "slow", "duration_ms": 6000, "drain_ms": 60000, "brokers": {"count": 1},
      "topics": [{"name": "t"}], "producers": [{"name": "p", "topic": "t", "rate_per_s": 200}],
      "consumer_groups": [{"name": "g", "topic": "t", "processing_ms": 2}], "faults": [)") + faults + "]}";
  };
  Report const slow = run(scenario(R"({"kind": "slowdown", "target": "g", "at_ms": 1000, "factor": 10, "duration_ms": 3000})"));
  Report const normal = run(scenario(""));
  CHECK(slow.metrics.max_consumer_lag > 10 * std::max<std::uint64_t>(1, normal.metrics.max_consumer_lag));
  CHECK(slow.violations.unprocessed == 0);
}

TEST_CASE("faults: jitter: full jitter spreads retries, more as the backoff grows, none keeps clients in lockstep", "[faults][property]") {
  rc::prop("spread", [] {
    brokersim::model::BackoffConfig backoff;
    backoff.initial = *rc::gen::inRange<brokersim::sim::Time>(1000, 500000);
    backoff.multiplier = 2;
    backoff.max = backoff.initial * 1000;
    brokersim::sim::RandomStream random(*rc::gen::arbitrary<std::uint64_t>(), "clients");
    // 50 clients that failed together retry: the spread of their retry times at retry 1 and retry 4.
    auto const spread = [&](brokersim::model::Jitter jitter, int retry) {
      backoff.jitter = jitter;
      brokersim::sim::Time low = INT64_MAX;
      brokersim::sim::Time high = 0;
      for (int client = 0; client < 50; ++client) {
        brokersim::sim::Time const delay = brokersim::model::backoff_delay(backoff, retry, 0, random);
        low = std::min(low, delay);
        high = std::max(high, delay);
      }
      return high - low;
    };
    RC_ASSERT(spread(brokersim::model::Jitter::none, 1) == 0);
    RC_ASSERT(spread(brokersim::model::Jitter::none, 4) == 0);
    brokersim::sim::Time const early = spread(brokersim::model::Jitter::full, 1);
    brokersim::sim::Time const late = spread(brokersim::model::Jitter::full, 4);
    RC_ASSERT(early > 0);
    RC_ASSERT(late > 4 * early);
  });
}

TEST_CASE("faults: backoff: the formulas of 'Exponential Backoff and Jitter'", "[faults]") {
  brokersim::model::BackoffConfig backoff;
  backoff.initial = 100;
  backoff.multiplier = 2;
  backoff.max = 1000;
  brokersim::sim::RandomStream random(1, "backoff");
  CHECK(brokersim::model::backoff_delay(backoff, 1, 0, random) == 100);
  CHECK(brokersim::model::backoff_delay(backoff, 3, 0, random) == 400);
  CHECK(brokersim::model::backoff_delay(backoff, 10, 0, random) == 1000);  // Capped.
  backoff.jitter = brokersim::model::Jitter::equal;
  for (int i = 0; i < 1000; ++i) {
    auto const delay = brokersim::model::backoff_delay(backoff, 3, 0, random);
    CHECK(delay >= 200);
    CHECK(delay <= 400);
  }
  backoff.jitter = brokersim::model::Jitter::decorrelated;
  for (int i = 0; i < 1000; ++i) {
    auto const delay = brokersim::model::backoff_delay(backoff, 3, 300, random);
    CHECK(delay >= 100);
    CHECK(delay <= 900);
  }
}

TEST_CASE("faults: dlq_replay: dead-lettered messages republished after the outage are processed after all", "[faults]") {
  auto const scenario = [](char const* replay) {
    return std::string(R"({"name": "replay", "duration_ms": 6000, "drain_ms": 30000, "brokers": {"count": 1},
      "topics": [{"name": "t"}], "producers": [{"name": "p", "topic": "t", "rate_per_s": 100}],
      "services": [{"name": "db", "latency_ms": 1}],
      "consumer_groups": [{"name": "g", "topic": "t", "calls": "db",
        "on_failure": {"max_attempts": 2, "backoff": {"initial_ms": 50}, "then": "dead-letter"}}],
      "faults": [{"kind": "outage", "target": "db", "at_ms": 2000, "duration_ms": 1000})") + replay + "]}";
  };
  Report const lost_in_dlt = run(scenario(""));
  REQUIRE(lost_in_dlt.violations.dead_lettered > 0);
  for (char const* replay : {R"(, {"kind": "dlq_replay", "target": "g", "at_ms": 4000})",
                             R"(, {"kind": "dlq_replay", "target": {"group": "g"}, "at_ms": 4000, "rate_per_s": 20})"}) {
    INFO(replay);
    Report const replayed = run(scenario(replay));
    CHECK(replayed.violations.dead_lettered == 0);
    CHECK(replayed.metrics.processed == lost_in_dlt.metrics.processed + lost_in_dlt.violations.dead_lettered);
  }
}

TEST_CASE("faults: circuit breaker: opens on failures, refuses calls, half-opens with probes, closes", "[faults]") {
  brokersim::model::CircuitBreakerConfig config;
  config.failure_rate_threshold = 50;
  config.sliding_window = 4;
  config.minimum_calls = 4;
  config.wait_in_open = 1000;
  config.half_open_calls = 2;
  brokersim::model::CircuitBreaker breaker(config);
  using State = brokersim::model::CircuitBreaker::State;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(breaker.permits(0));
    breaker.record(0, i == 0);  // 1 success, 2 failures: 3 calls, below the minimum.
  }
  CHECK(breaker.state() == State::closed);
  REQUIRE(breaker.permits(0));
  breaker.record(10, false);  // 3 failures of 4: 75% >= 50%.
  CHECK(breaker.state() == State::open);
  CHECK_FALSE(breaker.permits(500));
  CHECK(breaker.permits(1010));  // The wait is over: half-open, first probe.
  CHECK(breaker.state() == State::half_open);
  CHECK(breaker.permits(1010));
  CHECK_FALSE(breaker.permits(1010));  // Only two probes.
  breaker.record(1020, false);
  breaker.record(1020, false);
  CHECK(breaker.state() == State::open);  // The probes failed.
  CHECK(breaker.permits(2100));
  CHECK(breaker.permits(2100));
  breaker.record(2110, true);
  breaker.record(2110, true);
  CHECK(breaker.state() == State::closed);
}

TEST_CASE("faults: circuit breaker: during an outage an open breaker spares the service most calls", "[faults]") {
  auto const scenario = [](char const* breaker) {
    return std::string(R"({"name": "breaker", "duration_ms": 8000, "drain_ms": 60000, "brokers": {"count": 1},
      "topics": [{"name": "t", "partitions": 4}], "producers": [{"name": "p", "topic": "t", "rate_per_s": 200}],
      "services": [{"name": "db", "latency_ms": 1}],
      "consumer_groups": [{"name": "g", "topic": "t", "instances": 4, "calls": "db", "circuit_breaker": )") + breaker + R"(,
        "on_failure": {"max_attempts": 1000, "backoff": {"initial_ms": 20}, "then": "dead-letter"}}],
      "faults": [{"kind": "outage", "target": "db", "at_ms": 2000, "duration_ms": 4000}]})";
  };
  auto const calls_during_outage = [](Report const& report) {
    auto const& calls = report.series.service_calls.front();
    std::uint64_t total = 0;
    for (std::size_t s = 2; s < 6 && s < calls.size(); ++s) total += calls[s];
    return total;
  };
  Report const without = run(scenario("null"));
  Report const with = run(scenario(R"({"sliding_window": 10, "wait_in_open_ms": 1000, "half_open_calls": 2})"));
  CHECK(calls_during_outage(with) * 5 < calls_during_outage(without));
  CHECK(with.violations.unprocessed == 0);
  CHECK(with.violations.dead_lettered == 0);
}
