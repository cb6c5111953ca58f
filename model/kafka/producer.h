// A producer instance: draws arrivals and keys, batches records per partition and sends them to the
// partition leaders with Kafka's acks, retries, in-flight limit and idempotence.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/app/config.h"
#include "model/app/keys.h"
#include "model/app/publisher.h"
#include "model/app/sending_application.h"
#include "model/core/node.h"
#include "model/kafka/config.h"
#include "model/truth/truth.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

class Controller;
struct Envelope;

// Where the instance's messages go: the topic's global partitions.
struct ProducerTarget {
  std::uint32_t first_partition = 0;
  int partitions = 1;
};

// One instance `X-i` of producer X. Sends stop at the production end or after `messages` sends.
//
// Per partition, records wait in an accumulator, become batches (one request each) and go to the
// partition's leader while fewer than max_in_flight requests are outstanding. A failed request (an error
// answer or no answer within request_timeout) is retried after retry_backoff, from the front of the
// partition's queue, until retries or delivery_timeout run out. Without idempotence a retry of a request
// that was in fact appended appends again (a duplicate), and a retry can land behind later requests
// (reordering). With idempotence sequence numbers let the leader drop duplicates and refuse gaps.
class ProducerInstance : public Node, public Publisher, public SendingApplication {
 public:
  ProducerInstance(NodeId id, ProducerConfig const& config, int instance, std::uint32_t truth_index,
                   ProducerTarget target, std::uint64_t seed, Time production_end, Controller& controller,
                   GroundTruth& truth);

  void start(sim::Simulation& simulation);

  // Emits one follow-up of `cause` (a consumer's processing result, choreography): keyed like it, timestamped
  // causally after `cause_timestamp` with Lamport timestamps (with the local clock, whatever it reads).
  void emit(sim::Simulation& simulation, std::uint32_t key, std::uint32_t cause, Time cause_timestamp) override;

  // Poison fault: from now on, the next `count` sends are malformed, or every `every`-th one.
  // dlq_replay: republishes dead letter `message` as a new send of this producer (the operator's tool),
  // carrying the original's id (MessageRecord::origin).
  void replay(sim::Simulation& simulation, std::uint32_t message);

  // schema_change fault: from now on its messages are written with schema `version`.
  void set_schema(int version) override { schema_ = static_cast<std::uint8_t>(version); }
  NodeId sender_node() const override { return id(); }

  void make_poison(std::optional<std::uint64_t> count, std::optional<std::uint64_t> every) override {
    poison_left_ += count.value_or(0);
    if (every) poison_every_ = *every;
  }

  // The clock timestamps are read from (an emitter reads its consumer's).
  void read_clock_of(Node const& node) { timestamp_clock_ = &node.clock(); }
  // Nothing left to send: no record waits or is in flight, and no arrival is to come.
  bool idle(Time now) const;

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override;
  void on_crash(sim::Simulation& simulation) override;
  void on_restart(sim::Simulation& simulation) override;
  void on_peer_reset(sim::Simulation& simulation, NodeId peer) override;

 private:
  enum EventType : std::uint32_t {
    kArrival = 0,
    kDrain = 1,           // arg0 = partition slot: linger or backoff over, leader may be known again.
    kRequestTimeout = 2,  // arg0 = batch, arg1 = correlation.
  };

  struct Batch {
    std::vector<std::uint32_t> messages;
    std::uint32_t slot = 0;          // Partition within the topic.
    Time created = 0;                // Delivery timeout runs from here.
    Time retry_at = 0;               // Backoff: not sent again before this.
    std::int64_t attempts = 0;
    std::uint64_t correlation = 0;   // The request in flight, 0 when none.
    NodeId sent_to = kNoNode;        // The broker the request in flight went to.
    sim::EventId timeout;            // The request in flight's timeout, cancelled by its answer.
    std::uint16_t sequenced_epoch = UINT16_MAX;  // The producer epoch its sequences belong to.
    std::uint32_t base_sequence = 0;             // Idempotence: the sequence of its first record.
  };

  struct PartitionQueue {
    std::vector<std::uint32_t> accumulating;  // Records not yet in a batch.
    Time accumulating_since = 0;
    std::deque<std::uint32_t> ready;          // Batch ids to send, front first.
    std::vector<std::uint32_t> in_flight;     // Batch ids with a request outstanding.
    std::uint32_t next_sequence = 0;
    std::uint16_t epoch = 0;
    bool drain_scheduled = false;
    // Idempotence: a batch that was sent failed for good, so whether its records were appended is unknown
    // (Kafka's unresolved sequence). Nothing more is sent until the batches in flight are resolved; then
    // the epoch is bumped (KIP-360) and the waiting batches are sequenced again.
    bool unresolved = false;
  };

  Time next_gap();
  void send_one(sim::Simulation& simulation);
  void enqueue(sim::Simulation& simulation, MessageRecord record, std::uint32_t slot, std::uint32_t cause, Time cause_timestamp);
  std::uint32_t slot_of_key(std::uint32_t key);
  void drain(sim::Simulation& simulation, std::uint32_t slot);
  void send_batch(sim::Simulation& simulation, std::uint32_t batch_id, int leader);
  // No batch of `batch`'s epoch with a lower sequence is in flight or waiting to be retried.
  bool first_unresolved(PartitionQueue const& queue, Batch const& batch) const;
  // Idempotence (Kafka's RecordAccumulator.shouldStopDrainBatchesForPartition): whether the partition must
  // wait before sending `next` (the front of its ready queue, or a new batch when null).
  bool must_wait(PartitionQueue& queue, Batch const* next) const;
  static void bump_epoch(PartitionQueue& queue);
  void schedule_drain(sim::Simulation& simulation, std::uint32_t slot, Time delay);
  std::uint32_t new_batch(std::uint32_t slot, Time now);
  void release_batch(std::uint32_t batch_id);
  void on_response(sim::Simulation& simulation, Envelope const& response);
  void retry_or_fail(sim::Simulation& simulation, std::uint32_t batch_id, bool out_of_order);
  void fail_batch(std::uint32_t batch_id);
  void take_out_of_flight(sim::Simulation& simulation, PartitionQueue& queue, std::uint32_t batch_id);
  bool expired(Batch const& batch, Time now) const;

  ProducerConfig const& config_;
  std::uint32_t truth_index_;
  ProducerTarget target_;
  Time production_end_;
  Controller& controller_;
  GroundTruth& truth_;
  sim::RandomStream random_;
  KeyChooser keys_;
  double mean_gap_micros_ = 0.0;
  std::uint64_t sent_ = 0;
  std::uint64_t round_robin_ = 0;
  std::uint64_t next_correlation_ = 1;
  std::vector<PartitionQueue> queues_;
  std::vector<Batch> batches_;                  // A pool: ids are reused.
  std::vector<std::uint32_t> free_batches_;
  std::vector<std::int32_t> partition_of_key_;  // Memoised murmur2 partition of each key number.
  Time lamport_ = 0;                            // Lamport clock, for timestamps "lamport".
  std::uint64_t poison_left_ = 0;
  std::uint8_t schema_ = 1;
  std::uint64_t poison_every_ = 0;
  LocalClock const* timestamp_clock_ = nullptr;  // Null: this node's own clock.
};

}  // namespace brokersim::model
