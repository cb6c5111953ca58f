#include "model/app/pipeline.h"

#include <algorithm>
#include <cmath>

#include "model/app/service_call.h"
#include "model/core/backoff.h"
#include "model/core/network.h"
#include "sim/assert.h"

namespace brokersim::model {

namespace {

// A service call without an answer for this long fails (a client's request timeout).
constexpr Time kServiceCallTimeout = 5000 * sim::kMicrosPerMilli;

}  // namespace

ApplicationPipeline::ApplicationPipeline(Node& node, PipelineHost& host, ConsumerGroupConfig const& config, std::uint32_t group,
                                         GroundTruth& truth, sim::RandomStream& random, std::uint64_t& correlations,
                                         MessageSet& durable_dedup)
    : node_(node),
      host_(host),
      config_(config),
      group_(group),
      truth_(truth),
      random_(random),
      correlations_(correlations),
      durable_dedup_(durable_dedup) {}

std::uint32_t ApplicationPipeline::subject(std::uint32_t message) const {
  std::uint32_t const origin = truth_.origin_of(message);
  return origin == kNoCause ? message : origin;
}

std::vector<std::uint32_t> ApplicationPipeline::in_hand() const {
  std::vector<std::uint32_t> messages;
  for (std::size_t i = batch_next_; i < batch_.size(); ++i) messages.push_back(subject(batch_[i].message));
  return messages;
}

void ApplicationPipeline::abandon() {
  batch_.clear();
  batch_next_ = 0;
  ++batch_serial_;  // Voids the pending retry.
  failed_attempts_ = 0;
  previous_backoff_ = 0;
}

void ApplicationPipeline::on_crash() {
  failed_attempts_ = 0;
  previous_backoff_ = 0;
  awaited_call_ = 0;
  breaker_.reset();  // A new process has a new breaker.
  memory_dedup_.clear();
  records_processed_ = 0;
}

// Processes the batch from batch_next_ on; a delivery that takes time ends in a kRecordDone event.
void ApplicationPipeline::process(sim::Simulation& simulation) {
  while (batch_next_ < batch_.size()) {
    Delivery const& delivery = batch_[batch_next_];
    if (ignores_schema(delivery)) {
      ++batch_next_;
      continue;
    }
    std::uint32_t const message = subject(delivery.message);
    if (deduplicated(message)) {
      truth_.tracer.record(simulation.now(), message, node_.id(), TraceKind::deduplicated);
      ++group_truth().deduplicated;
      ++batch_next_;  // The idempotent consumer has seen it: skipped without processing.
      continue;
    }
    group_truth().record_attempt(message, simulation.now());
    Time const duration = processing_time();
    if (duration > 0 || service_ != kNoNode) {
      node_.schedule_self(simulation, duration, kRecordDone, batch_serial_);
      return;
    }
    std::size_t const before = batch_next_;
    complete_record(simulation);
    if (batch_next_ == before) return;  // Waiting for a retry.
  }
  host_.on_batch_processed(simulation);
}

void ApplicationPipeline::on_record_done(sim::Simulation& simulation, std::uint64_t serial) {
  if (serial != batch_serial_) return;
  std::size_t const before = batch_next_;
  complete_record(simulation);
  if (batch_next_ != before) process(simulation);  // Else a call or a retry is awaited.
}

void ApplicationPipeline::on_call_timeout(sim::Simulation& simulation, std::uint64_t correlation) {
  if (!awaits_call(correlation)) return;
  on_call_answered(simulation, false);
}

// The handler of batch_[batch_next_] has run for its processing time. Without a service to call the
// attempt ends here; with one, it ends when the call answers (or times out).
void ApplicationPipeline::complete_record(sim::Simulation& simulation) {
  Delivery const delivery = batch_[batch_next_];
  if (service_ == kNoNode) {
    finish_attempt(simulation, handle(delivery));
    return;
  }
  if (config_.circuit_breaker && !breaker_) breaker_.emplace(*config_.circuit_breaker);
  if (breaker_ && !breaker_->permits(simulation.now())) {
    finish_attempt(simulation, false);  // CallNotPermitted: the attempt fails without reaching the service.
    return;
  }
  awaited_call_ = correlations_++;
  Network& net = node_.network();
  EnvelopeId const id = net.acquire(ServiceMessageType::call, node_.id(), service_);
  net.envelope<ServiceEnvelope>(id).correlation = awaited_call_;
  net.send(simulation, id);
  node_.schedule_self(simulation, kServiceCallTimeout, kCallTimeout, awaited_call_);
}

// The service answered (or refused) the call of the delivery being processed.
void ApplicationPipeline::on_call_answered(sim::Simulation& simulation, bool call_succeeded) {
  awaited_call_ = 0;
  if (breaker_) breaker_->record(simulation.now(), call_succeeded);
  std::size_t const before = batch_next_;
  finish_attempt(simulation, call_succeeded && handle(batch_[batch_next_]));
  if (batch_next_ != before) process(simulation);
}

// Spring's DefaultErrorHandler (Kafka) and RetryInterceptor (AMQP): a failed delivery is attempted again
// after the backoff (the deliveries behind it wait), up to max_attempts; then it is dead-lettered or
// skipped, or, with "block", attempted forever.
void ApplicationPipeline::finish_attempt(sim::Simulation& simulation, bool succeeded) {
  Delivery const delivery = batch_[batch_next_];
  if (!succeeded && config_.on_failure.non_blocking) {
    host_.retry_later(simulation, delivery);
    failed_attempts_ = 0;
    previous_backoff_ = 0;
    ++batch_next_;  // The source moves on; the delivery waits to be handed over again.
    return;
  }
  if (!succeeded) {
    ++failed_attempts_;
    FailureConfig const& failure = config_.on_failure;
    if (failure.then == AfterFailure::block || failed_attempts_ < failure.max_attempts) {
      node_.schedule_self(simulation, backoff_delay(), kRetryRecord, batch_serial_);
      return;
    }
    give_up(simulation, delivery);
  } else {
    apply_effect(simulation, delivery);
    after_effect(simulation, delivery);
  }
  failed_attempts_ = 0;
  previous_backoff_ = 0;
  ++records_processed_;
  ++batch_next_;
}

// The delay before the next attempt (exponential, fixed when the multiplier is 1, capped, jittered).
Time ApplicationPipeline::backoff_delay() {
  previous_backoff_ = model::backoff_delay(config_.on_failure.backoff, failed_attempts_, previous_backoff_, random_);
  return previous_backoff_;
}

// After the last attempt: dead-lettered by the source (Spring's DeadLetterPublishingRecoverer, or a reject
// without requeue), given back to the broker (a nack with requeue), or skipped: done with, without its
// effect.
void ApplicationPipeline::give_up(sim::Simulation& simulation, Delivery const& delivery) {
  switch (config_.on_failure.then) {
    case AfterFailure::dead_letter:
      host_.dead_letter(simulation, delivery);
      return;
    case AfterFailure::requeue:
      host_.requeue(simulation, delivery);
      return;
    case AfterFailure::skip:
    case AfterFailure::block:  // Never given up on.
      return;
  }
}

// --- Processing one delivery: the seams of failure handling -------------------------------------------

bool ApplicationPipeline::deduplicated(std::uint32_t message) const {
  switch (config_.dedup) {
    case Dedup::none:
      return false;
    case Dedup::memory:
      return memory_dedup_.contains(message);
    case Dedup::durable:
      return durable_dedup_.contains(message);
  }
  return false;
}

// How long the handler runs: a draw of the group's processing distribution, slowed by a slowdown fault.
Time ApplicationPipeline::processing_time() {
  Time const duration = config_.processing.sample(random_);
  if (slowdown_ == 1.0) return duration;
  return static_cast<Time>(std::llround(static_cast<double>(duration) * slowdown_));
}

// Whether the handler succeeds: poison messages fail every attempt, and so does a schema version the group
// was not built for (on_unknown_schema "fail"; "ignore" is decided before the attempt, see ignores_schema).
bool ApplicationPipeline::handle(Delivery const& delivery) const {
  MessageRecord const& message = truth_.messages[delivery.message];
  if (message.poison != 0) return false;
  return std::find(config_.schema_versions.begin(), config_.schema_versions.end(), message.schema) != config_.schema_versions.end();
}

// on_unknown_schema "ignore": a message of an unknown schema version is consumed without its effect and
// without a failure: it is silently skipped.
bool ApplicationPipeline::ignores_schema(Delivery const& delivery) const {
  if (config_.on_unknown_schema != OnUnknownSchema::ignore) return false;
  int const schema = truth_.messages[delivery.message].schema;
  return std::find(config_.schema_versions.begin(), config_.schema_versions.end(), schema) == config_.schema_versions.end();
}

// The effect, with the dedup store: durable dedup is written in the same transaction as the effect, so
// a message already in it has no second effect.
void ApplicationPipeline::apply_effect(sim::Simulation& simulation, Delivery const& delivery) {
  std::uint32_t const message = subject(delivery.message);
  if (config_.dedup == Dedup::durable && !durable_dedup_.insert(message)) {
    ++group_truth().deduplicated;  // Processed again, but the store refused the second effect.
    return;
  }
  if (config_.dedup == Dedup::memory) memory_dedup_.insert(message);
  truth_.record_effect(group_, message, simulation.now());
  truth_.tracer.record(simulation.now(), message, node_.id(), TraceKind::effect, group_truth().effects_of(message));
}

// Choreography: the processed message causes a follow-up on the group's `emits` destination, same key.
void ApplicationPipeline::after_effect(sim::Simulation& simulation, Delivery const& delivery) {
  if (emitter_ == nullptr) return;
  std::uint32_t const producer = truth_.messages[delivery.message].producer;
  if (producer >= own_emitters_first_ && producer <= own_emitters_last_) return;
  Time const cause_timestamp = truth_.tracks_timestamps ? truth_.timestamps[delivery.message] : 0;
  emitter_->emit(simulation, truth_.messages[delivery.message].key, delivery.message, cause_timestamp);
}

}  // namespace brokersim::model
