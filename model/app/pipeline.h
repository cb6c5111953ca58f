// The application inside a consumer instance, on any broker: it processes the messages its delivery source
// (Kafka's poll, AMQP's pushed deliveries, later SQS's receive) hands it, one at a time, as Spring's
// listener containers run a listener: the processing time, the schema check, the idempotent consumer's
// dedup store, the downstream service call behind a circuit breaker, the effect, the follow-up it emits,
// and the failure policy (retries with backoff, then dead-letter, skip or block). What a broker does with
// a message once the application is done with it (a commit, an ack, a retry topic, a dead-letter topic or
// exchange) is the delivery source's, through PipelineHost.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/app/config.h"
#include "model/app/message_set.h"
#include "model/app/publisher.h"
#include "model/core/circuit_breaker.h"
#include "model/core/node.h"
#include "model/truth/truth.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

// One message as the delivery source handed it to the application.
struct Delivery {
  std::uint32_t source = 0;   // The source's own place of it: Kafka's local partition; AMQP's channel.
  std::uint32_t message = 0;  // As delivered: a republished copy is a message of its own.
  std::int64_t position = 0;  // Kafka: its offset; AMQP: its delivery tag.
  bool retry = false;         // Kafka: taken from the group's retry topics (non-blocking retries).
  std::uint16_t failed_attempts = 0;  // Of such a retry: the attempts that failed before.
  Time previous_backoff = 0;
};

// What the delivery source does for the application.
class PipelineHost {
 public:
  virtual ~PipelineHost() = default;
  // Every delivery of the batch is done with (or skipped): Kafka commits and polls again.
  virtual void on_batch_processed(sim::Simulation& simulation) = 0;
  // Non-blocking retries: a failed delivery leaves the batch, to be handed over again after its backoff.
  virtual void retry_later(sim::Simulation& simulation, Delivery const& delivery) = 0;
  // The last attempt failed and the policy is to dead-letter it (Kafka: the dead-letter topic; RabbitMQ:
  // a reject without requeue, to the queue's dead-letter exchange).
  virtual void dead_letter(sim::Simulation& simulation, Delivery const& delivery) = 0;
  // The last attempt failed and the policy is to give it back to the broker (RabbitMQ: basic.nack with
  // requeue). Sources that cannot (Kafka) are never configured so: the loader refuses it.
  virtual void requeue(sim::Simulation& simulation, Delivery const& delivery) = 0;
};

class ApplicationPipeline {
 public:
  // The events the pipeline schedules on its node; the node hands them back through on_record_done,
  // on_backoff_over and on_call_timeout. Their numbers are part of the run's event trace (its digest).
  static constexpr std::uint32_t kRecordDone = 7;    // arg0 = batch serial: the processing time is over.
  static constexpr std::uint32_t kRetryRecord = 11;  // arg0 = batch serial: a retry's backoff is over.
  static constexpr std::uint32_t kCallTimeout = 12;  // arg0 = call correlation.

  // `random` is the node's stream (processing times and backoff jitter draw from it in the node's order);
  // `correlations` is the node's counter of request ids, which its service calls share.
  ApplicationPipeline(Node& node, PipelineHost& host, ConsumerGroupConfig const& config, std::uint32_t group,
                      GroundTruth& truth, sim::RandomStream& random, std::uint64_t& correlations, MessageSet& durable_dedup);

  void set_service(NodeId service) { service_ = service; }
  NodeId service() const { return service_; }
  // The publisher of the group's follow-ups, and which producer instances of the truth are the group's own
  // (the group does not react to its own follow-ups: a chain passes each group once).
  void set_emitter(Publisher* emitter, std::uint32_t first, std::uint32_t last) {
    emitter_ = emitter;
    own_emitters_first_ = first;
    own_emitters_last_ = last;
  }
  void set_slowdown(double factor) { slowdown_ = factor; }

  // The batch: the source fills it after begin_batch(), then calls process().
  void begin_batch() {
    batch_.clear();
    batch_next_ = 0;
    ++batch_serial_;
  }
  void add(Delivery const& delivery) { batch_.push_back(delivery); }
  void reserve(std::size_t deliveries) { batch_.reserve(deliveries); }
  bool empty() const { return batch_.empty(); }
  std::vector<Delivery> const& batch() const { return batch_; }
  // The deliveries not yet done with: batch()[next() ...].
  std::size_t next() const { return batch_next_; }
  std::uint64_t serial() const { return batch_serial_; }
  // Processes the batch from next() on; ends in host.on_batch_processed, now or after events.
  void process(sim::Simulation& simulation);
  // The node's kRecordDone, kCallTimeout and a service answer; their staleness checks are made here.
  void on_record_done(sim::Simulation& simulation, std::uint64_t serial);
  void on_call_timeout(sim::Simulation& simulation, std::uint64_t correlation);
  bool awaits_call(std::uint64_t correlation) const { return awaited_call_ != 0 && correlation == awaited_call_; }
  void on_call_answered(sim::Simulation& simulation, bool call_succeeded);
  // Between failed attempts, waiting out a backoff (not a call).
  bool backing_off() const { return failed_attempts_ > 0 && awaited_call_ == 0; }

  // The batch is dropped unprocessed from next() on (a revocation, a close, a crash); so is any retry.
  void abandon();
  void clear() {
    batch_.clear();
    batch_next_ = 0;
  }
  // The process died: its in-memory state (breaker, dedup memory, counts) is gone.
  void on_crash();

  // The message a delivery stands for: itself, or for a republished copy the message it copies (what the
  // effect, the dedup key and the dead-lettering apply to).
  std::uint32_t subject(std::uint32_t message) const;
  // The messages delivered and not done with (for the end state).
  std::vector<std::uint32_t> in_hand() const;
  std::uint64_t processed() const { return records_processed_; }

 private:
  GroupTruth& group_truth() { return truth_.groups[group_]; }
  void complete_record(sim::Simulation& simulation);
  void finish_attempt(sim::Simulation& simulation, bool succeeded);
  bool deduplicated(std::uint32_t message) const;
  Time processing_time();
  bool handle(Delivery const& delivery) const;
  bool ignores_schema(Delivery const& delivery) const;
  Time backoff_delay();
  void give_up(sim::Simulation& simulation, Delivery const& delivery);
  void apply_effect(sim::Simulation& simulation, Delivery const& delivery);
  void after_effect(sim::Simulation& simulation, Delivery const& delivery);

  Node& node_;
  PipelineHost& host_;
  ConsumerGroupConfig const& config_;
  std::uint32_t group_;
  GroundTruth& truth_;
  sim::RandomStream& random_;
  std::uint64_t& correlations_;
  MessageSet& durable_dedup_;  // The group's, written in the same transaction as the effect.
  NodeId service_ = kNoNode;
  Publisher* emitter_ = nullptr;
  std::uint32_t own_emitters_first_ = 0;
  std::uint32_t own_emitters_last_ = 0;
  double slowdown_ = 1.0;

  // Volatile: lost in a crash.
  std::vector<Delivery> batch_;
  std::size_t batch_next_ = 0;
  std::uint64_t batch_serial_ = 0;
  // The delivery being processed: its failed attempts so far, the last backoff (decorrelated jitter) and
  // the service call awaited (0: none).
  int failed_attempts_ = 0;
  Time previous_backoff_ = 0;
  std::uint64_t awaited_call_ = 0;
  std::optional<CircuitBreaker> breaker_;  // Around the service calls, when the group has one.
  MessageSet memory_dedup_;
  std::uint64_t records_processed_ = 0;
};

}  // namespace brokersim::model
