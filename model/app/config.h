// The validated configuration of the clients the applications run, on whichever system they use:
// producers (what they send, and how), consumer groups (how they consume and process: commits, dedup,
// failure handling, follow-ups) and the downstream services they call. Some settings belong to one system's client (acks, assignors, sessions:
// Kafka's); the loader refuses them elsewhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/core/config.h"

namespace brokersim::model {

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

// A header every message of a producer carries (Kafka headers, RabbitMQ headers, SQS/SNS message
// attributes): one value, or a list from which each message draws one uniformly.
struct AttributeConfig {
  std::string name;
  std::vector<std::string> values;
};

struct ProducerConfig {
  std::string name;
  int instances = 1;
  // The destination, exactly one of: a Kafka `topic`; a RabbitMQ `exchange`, with the routing keys each
  // message draws one of uniformly (none: the empty key); a RabbitMQ `queue`, through the default exchange.
  std::string topic;
  std::optional<std::string> exchange;
  std::vector<std::string> routing_keys;
  std::optional<std::string> queue;
  std::vector<AttributeConfig> attributes;
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
  // RabbitMQ publishers: publisher confirms (the send succeeds on the confirm; retries, retry_backoff and
  // request_timeout apply to publishes nacked or unconfirmed), basic.publish's mandatory flag, and
  // delivery mode 2 (persistent).
  bool confirms = true;
  bool mandatory = false;
  bool persistent = true;
};

enum class CommitMode : std::uint8_t { after_processing, before_processing, auto_commit };
enum class Dedup : std::uint8_t { none, memory, durable };
enum class Assignor : std::uint8_t { range, round_robin, sticky };
// After the last failed attempt: dead-letter (Kafka: the dead-letter topic; RabbitMQ: reject without
// requeue, to the queue's dead-letter exchange), skip, block (attempt forever), or, on RabbitMQ, requeue
// (nack with requeue: the message goes back to the queue).
enum class AfterFailure : std::uint8_t { dead_letter, skip, block, requeue };
enum class OrderBy : std::uint8_t { offset, timestamp };
enum class OnUnknownSchema : std::uint8_t { fail, ignore };

// What a consumer does when processing a message fails (Spring Kafka's DefaultErrorHandler).
struct FailureConfig {
  int max_attempts = 10;
  BackoffConfig backoff;
  AfterFailure then = AfterFailure::block;
  // Spring Kafka's non-blocking retries (@RetryableTopic): a failed record goes to a retry topic and is
  // attempted again once its backoff has passed, while the partition moves on.
  bool non_blocking = false;
};

struct ConsumerGroupConfig {
  std::string name;
  std::string topic;                  // A Kafka topic, or
  std::optional<std::string> queue;   // a RabbitMQ queue (read by this group alone).
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
  int prefetch = 250;  // RabbitMQ: basic.qos prefetch count (Spring AMQP's default); 0: unlimited.
  Time session_timeout = 45000 * sim::kMicrosPerMilli;
  Time heartbeat_interval = 3000 * sim::kMicrosPerMilli;
  Timestamps timestamps = Timestamps::local_clock;
  std::optional<std::string> zone;
};

// A downstream service consumers call while processing a message (a database, an API).
struct ServiceConfig {
  std::string name;
  std::optional<double> capacity_per_s;  // Unset: unlimited.
  Distribution latency = Distribution::constant(0.0);
  std::optional<std::string> zone;
};

}  // namespace brokersim::model
