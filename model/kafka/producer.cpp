#include "model/kafka/producer.h"

#include <algorithm>
#include <cmath>

#include <boost/random/exponential_distribution.hpp>

#include "model/core/network.h"
#include "model/kafka/controller.h"
#include "model/kafka/messages.h"
#include "model/kafka/partitioner.h"
#include "sim/assert.h"

namespace brokersim::model {

namespace {

// Key partitions are memoised (murmur2 of a fresh string per send would dominate a producer's cost) for
// up to this many keys; beyond it they are computed per send.
constexpr std::uint64_t kMemoisedKeysMax = 1U << 20;

}  // namespace

ProducerInstance::ProducerInstance(NodeId id, ProducerConfig const& config, int instance, std::uint32_t truth_index,
                                   ProducerTarget target, std::uint64_t seed, Time production_end, Controller& controller,
                                   GroundTruth& truth)
    : Node(id, NodeKind::producer),
      config_(config),
      truth_index_(truth_index),
      target_(target),
      production_end_(production_end),
      controller_(controller),
      truth_(truth),
      random_(seed, config.name + "-" + std::to_string(instance)),
      keys_(config.keys) {
  BROKERSIM_ASSERT(target.partitions > 0);
  double rate_per_s = config.rate_per_s.value_or(0.0);
  if (!config.rate_per_s) {
    // Only a message count: spread the sends evenly over the production window.
    BROKERSIM_ASSERT(config.messages.has_value());
    double const window_s = static_cast<double>(production_end) / static_cast<double>(sim::kMicrosPerSecond);
    rate_per_s = window_s > 0.0 ? static_cast<double>(*config.messages) / window_s : 0.0;
  }
  mean_gap_micros_ = rate_per_s > 0.0 ? static_cast<double>(sim::kMicrosPerSecond) / rate_per_s : 0.0;
  if (keys_.keyed() && config.keys.count <= kMemoisedKeysMax) partition_of_key_.resize(config.keys.count, -1);
  queues_.resize(static_cast<std::size_t>(target.partitions));
}

void ProducerInstance::start(sim::Simulation& simulation) {
  if (mean_gap_micros_ <= 0.0) return;
  if (config_.messages && sent_ >= *config_.messages) return;
  Time const gap = next_gap();
  if (simulation.now() + gap < production_end_) schedule_self(simulation, gap, kArrival);
}

bool ProducerInstance::idle(Time now) const {
  bool const arrivals_over = now >= production_end_ || mean_gap_micros_ <= 0.0 || (config_.messages && sent_ >= *config_.messages);
  if (!arrivals_over) return false;
  for (PartitionQueue const& queue : queues_) {
    if (!queue.accumulating.empty() || !queue.ready.empty() || !queue.in_flight.empty()) return false;
  }
  return true;
}

Time ProducerInstance::next_gap() {
  if (config_.arrivals == Arrivals::uniform) return static_cast<Time>(std::llround(mean_gap_micros_));
  double const gap = boost::random::exponential_distribution<double>(1.0 / mean_gap_micros_)(random_.engine());
  return static_cast<Time>(std::llround(gap));
}

void ProducerInstance::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) {
  switch (type) {
    case kArrival:
      send_one(simulation);
      start(simulation);
      return;
    case kDrain:
      queues_[arg0].drain_scheduled = false;
      drain(simulation, static_cast<std::uint32_t>(arg0));
      return;
    case kRequestTimeout: {
      auto const batch_id = static_cast<std::uint32_t>(arg0);
      if (batch_id < batches_.size() && batches_[batch_id].correlation == arg1) retry_or_fail(simulation, batch_id, false);
      return;
    }
    default:
      BROKERSIM_ASSERT(false);
  }
}

std::uint32_t ProducerInstance::slot_of_key(std::uint32_t key) {
  if (key < partition_of_key_.size() && partition_of_key_[key] >= 0) return static_cast<std::uint32_t>(partition_of_key_[key]);
  auto const slot = static_cast<std::uint32_t>(kafka_partition_for_key("k" + std::to_string(key), target_.partitions));
  if (key < partition_of_key_.size()) partition_of_key_[key] = static_cast<std::int32_t>(slot);
  return slot;
}

void ProducerInstance::send_one(sim::Simulation& simulation) {
  MessageRecord record;
  record.schema = schema_;
  if (poison_left_ > 0) {
    --poison_left_;
    record.poison = 1;
  } else if (poison_every_ > 0 && (sent_ + 1) % poison_every_ == 0) {
    record.poison = 1;
  }
  std::uint32_t slot = 0;
  if (keys_.keyed()) {
    record.key = keys_.next(random_);
    slot = slot_of_key(record.key);
  } else {
    slot = static_cast<std::uint32_t>(round_robin_++ % static_cast<std::uint64_t>(target_.partitions));
  }
  enqueue(simulation, record, slot, kNoCause, 0);
}

void ProducerInstance::emit(sim::Simulation& simulation, std::uint32_t key, std::uint32_t cause, Time cause_timestamp) {
  MessageRecord record;
  record.key = key;
  std::uint32_t const slot = key == kNoKey ? static_cast<std::uint32_t>(round_robin_++ % static_cast<std::uint64_t>(target_.partitions))
                                           : slot_of_key(key);
  enqueue(simulation, record, slot, cause, cause_timestamp);
}

// The operator's tool republishes a dead letter as a new send of its own: same key, partition, schema and
// content (a poison message stays poison), with the original's id as a header so that the consumer applies
// it as the original's effect.
void ProducerInstance::replay(sim::Simulation& simulation, std::uint32_t message) {
  MessageRecord const original = truth_.messages[message];
  auto const slot = static_cast<std::uint32_t>(original.partition) - target_.first_partition;
  BROKERSIM_ASSERT(slot < queues_.size());
  MessageRecord copy;
  copy.key = original.key;
  copy.poison = original.poison;
  copy.schema = original.schema;
  copy.republished = 1;
  std::uint32_t const origin = truth_.origin_of(message);
  Time const timestamp = truth_.tracks_timestamps ? truth_.timestamps[message] : 0;
  truth_.origins.emplace_back(static_cast<std::uint32_t>(truth_.messages.size()), origin == kNoCause ? message : origin);
  enqueue(simulation, copy, slot, kNoCause, timestamp);
  if (truth_.tracks_timestamps) truth_.timestamps.back() = timestamp;  // The copy keeps the record's timestamp.
}

void ProducerInstance::enqueue(sim::Simulation& simulation, MessageRecord record, std::uint32_t slot, std::uint32_t cause,
                               Time cause_timestamp) {
  record.set_sent_at(simulation.now());
  BROKERSIM_ASSERT(truth_index_ < (1U << 16));
  record.producer = truth_index_ & 0xFFFFU;
  record.partition = static_cast<std::int32_t>(target_.first_partition + slot);
  auto const message = static_cast<std::uint32_t>(truth_.messages.size());
  truth_.messages.push_back(record);
  if (truth_.tracks_timestamps) {
    // Lamport: after everything this process has seen, the cause included; local clock: what it reads.
    lamport_ = std::max(lamport_, cause_timestamp) + 1;
    LocalClock const& clock = timestamp_clock_ != nullptr ? *timestamp_clock_ : this->clock();
    truth_.timestamps.push_back(config_.timestamps == Timestamps::lamport ? lamport_ : clock.read(simulation.now()));
    truth_.causes.push_back(cause);
  }
  ++sent_;
  PartitionQueue& queue = queues_[slot];
  if (queue.accumulating.empty()) queue.accumulating_since = simulation.now();
  queue.accumulating.push_back(message);
  drain(simulation, slot);
}

// Sends what may be sent on one partition: retried batches first (their backoff permitting), then the
// accumulated records as a new batch once linger has passed, while fewer than max_in_flight requests
// are outstanding and the partition has a leader.
void ProducerInstance::drain(sim::Simulation& simulation, std::uint32_t slot) {
  PartitionQueue& queue = queues_[slot];
  Time const now = simulation.now();
  while (!queue.ready.empty() && expired(batches_[queue.ready.front()], now)) {
    fail_batch(queue.ready.front());
    queue.ready.pop_front();
    if (config_.idempotent) queue.unresolved = true;  // It was sent at least once: its fate is unknown.
  }
  int const leader = controller_.partition(target_.first_partition + slot).leader;
  if (config_.idempotent && queue.unresolved && queue.in_flight.empty()) {
    bump_epoch(queue);  // Every batch sent before is resolved now: start a new epoch from sequence 0.
    queue.unresolved = false;
  }
  while (static_cast<int>(queue.in_flight.size()) < config_.max_in_flight) {
    std::uint32_t batch_id = 0;
    if (!queue.ready.empty()) {
      Batch const& front = batches_[queue.ready.front()];
      if (front.retry_at > now) {
        schedule_drain(simulation, slot, front.retry_at - now);
        return;
      }
      if (leader == kNoLeader) break;
      if (config_.idempotent && must_wait(queue, &front)) return;  // A response or a timeout drains again.
      batch_id = queue.ready.front();
      queue.ready.pop_front();
    } else if (!queue.accumulating.empty()) {
      if (now - queue.accumulating_since < config_.linger) {
        schedule_drain(simulation, slot, queue.accumulating_since + config_.linger - now);
        return;
      }
      if (leader == kNoLeader) break;
      if (config_.idempotent && must_wait(queue, nullptr)) return;
      batch_id = new_batch(slot, queue.accumulating_since);
    } else {
      return;
    }
    send_batch(simulation, batch_id, leader);
  }
  // No leader known: look again after the backoff (a metadata refresh), failing what has expired.
  if (leader == kNoLeader && (!queue.ready.empty() || !queue.accumulating.empty())) {
    schedule_drain(simulation, slot, config_.retry_backoff);
  }
}

bool ProducerInstance::first_unresolved(PartitionQueue const& queue, Batch const& batch) const {
  auto const earlier = [&](std::uint32_t id) {
    Batch const& other = batches_[id];
    return other.sequenced_epoch == batch.sequenced_epoch && other.base_sequence < batch.base_sequence;
  };
  return std::none_of(queue.in_flight.begin(), queue.in_flight.end(), earlier) &&
         std::none_of(queue.ready.begin(), queue.ready.end(), earlier);
}

bool ProducerInstance::must_wait(PartitionQueue& queue, Batch const* next) const {
  if (queue.unresolved) return true;
  for (std::uint32_t id : queue.in_flight) {
    Batch const& in_flight = batches_[id];
    // A new batch (sequence 0 of a new epoch) must not overtake batches still in flight from an older one.
    if (in_flight.sequenced_epoch != queue.epoch) return true;
    // A retried batch goes out only as the first unresolved sequence of the partition: then a later batch
    // cannot land before it (Kafka lets only the first in-flight batch be retried).
    bool const retried = next != nullptr && next->sequenced_epoch == queue.epoch;
    if (retried && in_flight.base_sequence < next->base_sequence) return true;
  }
  return false;
}

void ProducerInstance::schedule_drain(sim::Simulation& simulation, std::uint32_t slot, Time delay) {
  PartitionQueue& queue = queues_[slot];
  if (queue.drain_scheduled) return;
  queue.drain_scheduled = true;
  schedule_self(simulation, std::max<Time>(delay, 1), kDrain, slot);
}

std::uint32_t ProducerInstance::new_batch(std::uint32_t slot, Time now) {
  std::uint32_t id = 0;
  if (free_batches_.empty()) {
    batches_.emplace_back();
    id = static_cast<std::uint32_t>(batches_.size() - 1);
  } else {
    id = free_batches_.back();
    free_batches_.pop_back();
  }
  Batch& batch = batches_[id];
  PartitionQueue& queue = queues_[slot];
  batch.messages.swap(queue.accumulating);
  queue.accumulating.clear();
  batch.slot = slot;
  batch.created = now;
  batch.retry_at = 0;
  batch.attempts = 0;
  batch.correlation = 0;
  batch.sequenced_epoch = UINT16_MAX;
  return id;
}

void ProducerInstance::release_batch(std::uint32_t batch_id) {
  batches_[batch_id].correlation = 0;
  batches_[batch_id].messages.clear();
  free_batches_.push_back(batch_id);
}

void ProducerInstance::send_batch(sim::Simulation& simulation, std::uint32_t batch_id, int leader) {
  Batch& batch = batches_[batch_id];
  PartitionQueue& queue = queues_[batch.slot];
  if (config_.idempotent && batch.sequenced_epoch != queue.epoch) {
    // Sequences are given at the first send, or again after an epoch bump, in send order.
    batch.base_sequence = queue.next_sequence;
    queue.next_sequence += static_cast<std::uint32_t>(batch.messages.size());
    batch.sequenced_epoch = queue.epoch;
  }
  ++batch.attempts;
  if (batch.attempts > 1) ++truth_.produce_retries;
  Network& net = network();
  EnvelopeId const id = net.acquire(MessageType::produce_request, this->id(), controller_.broker_node(leader));
  Envelope& request = net.envelope<Envelope>(id);
  request.partition = target_.first_partition + batch.slot;
  request.correlation = next_correlation_++;
  request.value = truth_index_;
  request.acks = config_.acks == Acks::all ? 2 : config_.acks == Acks::leader ? 1 : 0;
  request.idempotent = config_.idempotent;
  request.producer_epoch = queue.epoch;
  request.base_sequence = batch.base_sequence;
  for (std::uint32_t message : batch.messages) {
    request.entries.push_back(LogEntry{message, 0});
    truth_.tracer.record(simulation.now(), message, request.to, TraceKind::send_attempt, batch.attempts);
  }
  net.send(simulation, id);
  if (config_.acks == Acks::none) {
    // acks=0: the send counts as done once written to the socket; no answer will come.
    for (std::uint32_t message : batch.messages) truth_.messages[message].set_acked_at(simulation.now());
    release_batch(batch_id);
    return;
  }
  batch.correlation = request.correlation;
  batch.sent_to = request.to;
  queue.in_flight.push_back(batch_id);
  batch.timeout = schedule_self(simulation, config_.request_timeout, kRequestTimeout, batch_id, batch.correlation);
}

void ProducerInstance::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  Envelope const& envelope = as_kafka(header);
  // A reset connection fails the request like an error answer would (nothing was appended).
  bool const reset = envelope.reset && envelope.type == MessageType::produce_request;
  if (envelope.type == MessageType::produce_response || reset) on_response(simulation, envelope);
}

void ProducerInstance::on_response(sim::Simulation& simulation, Envelope const& response) {
  std::uint32_t const slot = response.partition - target_.first_partition;
  if (slot >= queues_.size()) return;
  PartitionQueue& queue = queues_[slot];
  auto const found = std::find_if(queue.in_flight.begin(), queue.in_flight.end(),
                                  [&](std::uint32_t id) { return batches_[id].correlation == response.correlation; });
  if (found == queue.in_flight.end()) return;  // An answer to a request that already timed out.
  std::uint32_t const batch_id = *found;
  if (response.reset) {
    retry_or_fail(simulation, batch_id, false);
    return;
  }
  if (response.error != ErrorCode::none) {
    retry_or_fail(simulation, batch_id, response.error == ErrorCode::out_of_order_sequence);
    return;
  }
  take_out_of_flight(simulation, queue, batch_id);
  for (std::uint32_t message : batches_[batch_id].messages) {
    MessageRecord& record = truth_.messages[message];
    if (!record.acked()) record.set_acked_at(simulation.now());
    truth_.tracer.record(simulation.now(), message, response.from, TraceKind::acked, response.offset);
  }
  release_batch(batch_id);
  drain(simulation, slot);
}

void ProducerInstance::take_out_of_flight(sim::Simulation& simulation, PartitionQueue& queue, std::uint32_t batch_id) {
  auto const found = std::find(queue.in_flight.begin(), queue.in_flight.end(), batch_id);
  BROKERSIM_ASSERT(found != queue.in_flight.end());
  queue.in_flight.erase(found);
  simulation.cancel(batches_[batch_id].timeout);  // Answered (or timed out: then it is the event running).
}

bool ProducerInstance::expired(Batch const& batch, Time now) const {
  return now - batch.created >= config_.delivery_timeout;
}

void ProducerInstance::retry_or_fail(sim::Simulation& simulation, std::uint32_t batch_id, bool out_of_order) {
  Batch& batch = batches_[batch_id];
  std::uint32_t const slot = batch.slot;
  PartitionQueue& queue = queues_[slot];
  take_out_of_flight(simulation, queue, batch_id);
  batch.correlation = 0;
  Time const now = simulation.now();
  if (batch.attempts > config_.retries || expired(batch, now) || now + config_.retry_backoff - batch.created >= config_.delivery_timeout) {
    fail_batch(batch_id);
    // KIP-360: after an idempotent batch fails for good, the producer bumps its epoch so that the
    // sequence gap it leaves does not block the partition, once the batches in flight are resolved.
    if (config_.idempotent) queue.unresolved = true;
    drain(simulation, slot);
    return;
  }
  // OUT_OF_ORDER_SEQUENCE for the first unresolved sequence means the leader lost what came before it
  // (a truncation, an unclean election): bump the epoch and send again from sequence 0 (KIP-360; the
  // Java client's TransactionManager.canRetry). Batches behind it get new sequences in their order.
  if (config_.idempotent && out_of_order && first_unresolved(queue, batch)) bump_epoch(queue);
  batch.retry_at = now + config_.retry_backoff;
  if (config_.idempotent) {
    // Kept in sequence order, so retries go out in the order of their first sends.
    auto const position = std::find_if(queue.ready.begin(), queue.ready.end(), [&](std::uint32_t other) {
      Batch const& waiting = batches_[other];
      return waiting.sequenced_epoch == batch.sequenced_epoch && waiting.base_sequence > batch.base_sequence;
    });
    queue.ready.insert(position, batch_id);
  } else {
    queue.ready.push_front(batch_id);  // Kafka re-enqueues at the front of the partition's deque.
  }
  drain(simulation, slot);
}

void ProducerInstance::fail_batch(std::uint32_t batch_id) {
  for (std::uint32_t message : batches_[batch_id].messages) {
    MessageRecord& record = truth_.messages[message];
    if (!record.acked()) record.send_failed = 1;
  }
  release_batch(batch_id);
}

void ProducerInstance::on_crash(sim::Simulation&) {
  // Everything not yet acknowledged dies with the process: the application never hears of success.
  for (PartitionQueue& queue : queues_) {
    for (std::uint32_t message : queue.accumulating) truth_.messages[message].send_failed = 1;
    for (std::uint32_t batch_id : queue.ready) fail_batch(batch_id);
    for (std::uint32_t batch_id : queue.in_flight) fail_batch(batch_id);
    queue.accumulating.clear();
    queue.ready.clear();
    queue.in_flight.clear();
    queue.drain_scheduled = false;
    queue.unresolved = false;
    bump_epoch(queue);  // The restarted process is a new producer: its sequences start again at 0.
  }
}

void ProducerInstance::on_restart(sim::Simulation& simulation) { start(simulation); }

void ProducerInstance::on_peer_reset(sim::Simulation& simulation, NodeId peer) {
  std::vector<std::uint32_t> failed;
  for (PartitionQueue const& queue : queues_) {
    for (std::uint32_t batch_id : queue.in_flight) {
      if (batches_[batch_id].sent_to == peer) failed.push_back(batch_id);
    }
  }
  for (std::uint32_t batch_id : failed) retry_or_fail(simulation, batch_id, false);
}

void ProducerInstance::bump_epoch(PartitionQueue& queue) {
  ++queue.epoch;
  queue.next_sequence = 0;
}

}  // namespace brokersim::model
