// The keys each object of a scenario file may have (a fault's are its kind's, faults/kinds/): one list, read by the loader (unknown keys) and by
// the schema (additionalProperties), so the two cannot disagree about them.
#pragma once

#include <string>
#include <vector>

namespace brokersim::scenarios::keys {

inline std::vector<std::string> const kTop = {"$schema", "$comment", "name", "description", "seed", "duration_ms",
                                              "drain_ms", "heal_at_drain", "network", "brokers", "controllers", "topics", "producers",
                                              "consumer_groups", "services", "rabbitmq", "faults", "expect"};
inline std::vector<std::string> const kNetwork = {"latency_ms", "zones", "links"};
inline std::vector<std::string> const kLink = {"between", "latency_ms", "loss", "duplicate", "reorder"};
inline std::vector<std::string> const kBrokers = {"count", "zones", "flush_interval_ms", "replica_lag_time_max_ms",
                                                  "controller_failover_ms"};
inline std::vector<std::string> const kControllers = {"placement", "count", "zones"};
inline std::vector<std::string> const kTopic = {"name", "partitions", "replication_factor", "min_insync_replicas",
                                                "unclean_leader_election"};
inline std::vector<std::string> const kRabbitMQ = {"nodes", "zones", "exchanges", "queues", "bindings"};
inline std::vector<std::string> const kExchange = {"name", "type", "alternate_exchange"};
inline std::vector<std::string> const kQueue = {"name", "type", "node", "replicas", "durable", "dead_letter_exchange",
                                                "dead_letter_routing_key", "delivery_limit", "message_ttl_ms", "max_length",
                                                "overflow", "consumer_timeout_ms"};
inline std::vector<std::string> const kBinding = {"exchange", "queue", "routing_key", "headers", "x_match"};
inline std::vector<std::string> const kKeys = {"count", "dist", "s"};
inline std::vector<std::string> const kProducer = {"name", "instances", "topic", "rate_per_s", "messages", "arrivals", "keys",
                                                   "acks", "idempotent", "retries", "retry_backoff_ms", "request_timeout_ms",
                                                   "delivery_timeout_ms", "max_in_flight", "linger_ms", "timestamps", "zone",
                                                   "exchange", "routing_key", "queue", "attributes", "confirms", "mandatory",
                                                   "persistent"};
// Keys only a Kafka producer takes (a RabbitMQ publisher has no acks setting, batching or in-flight limit,
// and no broker-side deduplication: "idempotent" is refused only when true).
inline std::vector<std::string> const kKafkaOnlyProducer = {"acks", "delivery_timeout_ms", "max_in_flight", "linger_ms"};
// Keys only a RabbitMQ publisher takes.
inline std::vector<std::string> const kRabbitOnlyProducer = {"routing_key", "confirms", "mandatory", "persistent"};
inline std::vector<std::string> const kOnFailure = {"max_attempts", "backoff", "then", "non_blocking"};
inline std::vector<std::string> const kBackoff = {"initial_ms", "multiplier", "max_ms", "jitter"};
inline std::vector<std::string> const kEmits = {"topic"};
inline std::vector<std::string> const kConsumerGroup = {
    "name", "topic", "instances", "assignor", "commit", "auto_commit_interval_ms", "processing_ms", "dedup", "calls",
    "on_failure", "emits", "order_by", "schema_versions", "on_unknown_schema", "max_poll_records", "session_timeout_ms",
    "heartbeat_interval_ms", "timestamps", "zone", "circuit_breaker", "queue", "prefetch"};
// Keys only a group reading a Kafka topic takes (partition assignment, group membership, polling, offset
// auto-commit); and only a group reading a RabbitMQ queue.
inline std::vector<std::string> const kKafkaOnlyGroup = {"assignor", "auto_commit_interval_ms", "max_poll_records",
                                                         "session_timeout_ms", "heartbeat_interval_ms"};
inline std::vector<std::string> const kRabbitOnlyGroup = {"prefetch"};
inline std::vector<std::string> const kCircuitBreaker = {"failure_rate_threshold", "sliding_window", "minimum_calls",
                                                         "wait_in_open_ms", "half_open_calls"};
inline std::vector<std::string> const kService = {"name", "capacity_per_s", "latency_ms", "zone"};
inline std::vector<std::string> const kExpect = {"delivery", "ordering", "max_p99_latency_ms", "max_consumer_lag",
                                                 "max_retry_amplification", "max_dead_lettered", "max_timestamp_inversions",
                                                 "max_downstream_load", "max_queue_depth"};

}  // namespace brokersim::scenarios::keys
