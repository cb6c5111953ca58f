// The validated configuration of the simulated system: what a scenario file's system part turns into.
// Times are microseconds (sim::Time); every value here has passed the loader's checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/distribution.h"
#include "sim/time.h"

namespace brokersim::model {

using sim::Distribution;
using sim::Time;

// A per-link behaviour: latency and the chances that a message is dropped, duplicated or reordered.
struct LinkConfig {
  std::vector<std::string> between;       // Two zone or node names.
  std::optional<Distribution> latency;    // Unset: the network's default latency.
  double loss = 0.0;
  double duplicate = 0.0;
  double reorder = 0.0;
};

struct NetworkConfig {
  Distribution latency = Distribution::uniform(500.0, 1500.0);  // Default latency of one hop.
  std::vector<std::string> zones;
  std::vector<LinkConfig> links;
};

struct BrokersConfig {
  int count = 0;
  std::vector<std::string> zones;  // One per broker (size == count) or empty: no zone.
  std::optional<Time> flush_interval;  // Unset: the log tail stays in the page cache until a crash drops it.
  Time replica_lag_time_max = 30000 * sim::kMicrosPerMilli;
  Time controller_failover = 9000 * sim::kMicrosPerMilli;  // KRaft's broker.session.timeout.ms.
};

// Where the KRaft controller quorum runs. Dedicated: nodes of their own (`controller-N`), as production
// Kafka runs them (and ZooKeeper before them); brokers: on the brokers themselves (KRaft combined mode).
enum class ControllerPlacement : std::uint8_t { dedicated, brokers };

struct ControllersConfig {
  ControllerPlacement placement = ControllerPlacement::dedicated;
  int count = 3;                   // Dedicated voters; with placement brokers, every broker is a voter.
  std::vector<std::string> zones;  // One per controller (size == count) or empty: no zone.
  // A follower that has heard nothing from the quorum leader for this long starts an election
  // (controller.quorum.fetch.timeout.ms), which takes up to controller.quorum.election.timeout.ms more.
  Time fetch_timeout = 2000 * sim::kMicrosPerMilli;
  Time election_timeout = 1000 * sim::kMicrosPerMilli;
};

struct TopicConfig {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  int min_insync_replicas = 1;
  bool unclean_leader_election = false;
};

enum class Acks : std::uint8_t { none, leader, all };  // acks=0, acks=1, acks=all.
enum class Arrivals : std::uint8_t { poisson, uniform };
enum class Timestamps : std::uint8_t { local_clock, lamport };
enum class KeyDist : std::uint8_t { uniform, zipf };

// How a producer picks keys. count == 0 means keyless records (round-robin partitioning).
struct KeysConfig {
  std::uint64_t count = 0;
  KeyDist dist = KeyDist::uniform;
  double zipf_s = 1.0;
};

struct ProducerConfig {
  std::string name;
  int instances = 1;
  std::string topic;
  std::optional<double> rate_per_s;       // Per instance.
  std::optional<std::uint64_t> messages;  // Per instance. At least one of the two is set.
  Arrivals arrivals = Arrivals::poisson;
  KeysConfig keys;
  Acks acks = Acks::all;
  bool idempotent = true;
  std::int64_t retries = 2147483647;
  Time retry_backoff = 100 * sim::kMicrosPerMilli;
  Time request_timeout = 30000 * sim::kMicrosPerMilli;
  Time delivery_timeout = 120000 * sim::kMicrosPerMilli;
  int max_in_flight = 5;
  Time linger = 0;
  Timestamps timestamps = Timestamps::local_clock;
  std::optional<std::string> zone;  // Where its instances run; unset: no zone.
};

enum class CommitMode : std::uint8_t { after_processing, before_processing, auto_commit };
enum class Dedup : std::uint8_t { none, memory, durable };
enum class Assignor : std::uint8_t { range, round_robin, sticky };
enum class AfterFailure : std::uint8_t { dead_letter, skip, block };
enum class Jitter : std::uint8_t { none, full, equal, decorrelated };
enum class OrderBy : std::uint8_t { offset, timestamp };
enum class OnUnknownSchema : std::uint8_t { fail, ignore };

struct BackoffConfig {
  Time initial = 0;
  double multiplier = 1.0;  // 1: fixed backoff; > 1: exponential.
  Time max = 30000 * sim::kMicrosPerMilli;
  Jitter jitter = Jitter::none;
};

// What a consumer does when processing a message fails (Spring Kafka's DefaultErrorHandler).
struct FailureConfig {
  int max_attempts = 10;
  BackoffConfig backoff;
  AfterFailure then = AfterFailure::block;
  // Spring Kafka's non-blocking retries (@RetryableTopic): a failed record goes to a retry topic and is
  // attempted again once its backoff has passed, while the partition moves on.
  bool non_blocking = false;
};

// Resilience4j's CircuitBreaker around the service calls, with its defaults (count-based window).
struct CircuitBreakerConfig {
  double failure_rate_threshold = 50.0;  // Percent.
  int sliding_window = 100;              // Calls.
  int minimum_calls = 100;               // Before the rate is judged.
  Time wait_in_open = 60000 * sim::kMicrosPerMilli;
  int half_open_calls = 10;
};

struct ConsumerGroupConfig {
  std::string name;
  std::string topic;
  int instances = 1;      // Deployed at the start.
  int instances_max = 0;  // The most a scale fault asks for (the loader sets it; 0: none asks for more).
  // How many instances the World creates: those numbered `instances` and above start undeployed.
  int instances_created() const { return instances > instances_max ? instances : instances_max; }
  Assignor assignor = Assignor::range;
  CommitMode commit = CommitMode::after_processing;
  Time auto_commit_interval = 5000 * sim::kMicrosPerMilli;
  Distribution processing = Distribution::constant(0.0);
  Dedup dedup = Dedup::none;
  std::optional<std::string> calls;        // A service name.
  std::optional<CircuitBreakerConfig> circuit_breaker;
  FailureConfig on_failure;
  std::optional<std::string> emits_topic;  // Follow-up messages go to this topic.
  OrderBy order_by = OrderBy::offset;
  std::vector<int> schema_versions = {1};
  OnUnknownSchema on_unknown_schema = OnUnknownSchema::fail;
  int max_poll_records = 500;
  Time session_timeout = 45000 * sim::kMicrosPerMilli;
  Time heartbeat_interval = 3000 * sim::kMicrosPerMilli;
  Timestamps timestamps = Timestamps::local_clock;
  std::optional<std::string> zone;
};

struct ServiceConfig {
  std::string name;
  std::optional<double> capacity_per_s;  // Unset: unlimited.
  Distribution latency = Distribution::constant(0.0);
  std::optional<std::string> zone;
};

// Everything that exists in the simulated world before any fault.
struct WorldConfig {
  NetworkConfig network;
  BrokersConfig brokers;
  ControllersConfig controllers;
  std::vector<TopicConfig> topics;
  std::vector<ProducerConfig> producers;
  std::vector<ConsumerGroupConfig> consumer_groups;
  std::vector<ServiceConfig> services;
};

}  // namespace brokersim::model
