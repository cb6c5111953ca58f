// The ground truth the model records as it runs: one compact record per send, plus per consumer group
// what happened to each message there. The checker reads it (with the final logs) at the end.
#pragma once

#include <algorithm>
#include <map>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/truth/trace.h"
#include "sim/assert.h"
#include "sim/time.h"

namespace brokersim::model {

using sim::Time;

inline constexpr std::uint32_t kNoKey = UINT32_MAX;
inline constexpr Time kNever = -1;
inline constexpr std::uint32_t kNoCause = UINT32_MAX;

// What happened to one send call, kept small: the model holds one per message for the whole run. Times
// take 48 bits (the loader bounds a run to 2^48 µs, about 8.9 years); the instance's count of the send
// and a republished copy's origin are kept elsewhere (World::message_name, GroundTruth::origin_of).
struct MessageRecord {
  static constexpr std::uint64_t kTimeLimit = (std::uint64_t{1} << 48) - 1;  // Exclusive; also "never".

  Time sent_at() const { return static_cast<Time>(sent_at_); }
  // When the producer saw it succeed (acks=0: when it was sent), or kNever.
  Time acked_at() const { return acked_at_ == kTimeLimit ? kNever : static_cast<Time>(acked_at_); }
  bool acked() const { return acked_at_ != kTimeLimit; }
  void set_sent_at(Time at) {
    BROKERSIM_ASSERT(at >= 0 && static_cast<std::uint64_t>(at) < kTimeLimit);
    sent_at_ = static_cast<std::uint64_t>(at) & kTimeLimit;
  }
  void set_acked_at(Time at) {  // kNever: not acknowledged.
    BROKERSIM_ASSERT(at == kNever || (at >= 0 && static_cast<std::uint64_t>(at) < kTimeLimit));
    acked_at_ = (at == kNever ? kTimeLimit : static_cast<std::uint64_t>(at)) & kTimeLimit;
  }

 private:
  std::uint64_t sent_at_ : 48 = 0;        // The producer's send call.

 public:
  std::uint64_t producer : 16 = 0;        // Index into GroundTruth::producer_instances.

 private:
  std::uint64_t acked_at_ : 48 = kTimeLimit;

 public:
  std::uint64_t send_failed : 1 = 0;      // The producer gave up on it (delivery timeout, retries exhausted).
  std::uint64_t poison : 1 = 0;           // A malformed message: every handler fails on it.
  // A republished copy (dlq_replay) of an earlier message (GroundTruth::origin_of), as a replay tool's
  // header says; consumers apply its effect as that message's.
  std::uint64_t republished : 1 = 0;
  std::uint64_t schema : 8 = 1;           // The schema version it was written with (schema_change faults).
  std::uint32_t key = kNoKey;             // Key number (the key is "k<key>").
  std::int32_t partition = -1;            // Global partition index.
};
static_assert(sizeof(MessageRecord) == 24, "one record per message: keep it compact");

// What one consumer group did with each message (indexed by message id; messages of other topics stay
// at their initial values).
struct GroupTruth {
  // Per-message flags, one byte per message.
  static constexpr std::uint8_t kDeadLettered = 1;   // Given up on and published to the dead-letter topic.
  static constexpr std::uint8_t kAttempted = 2;      // Had at least one processing attempt.
  static constexpr std::uint8_t kInHandAtEnd = 4;    // Polled, still in a live consumer's hands when the run ended.
  static constexpr std::uint8_t kRetryAtEnd = 8;     // Waiting in the group's retry topics when the run ended.
  // Queue groups (RabbitMQ):
  static constexpr std::uint8_t kDropped = 16;       // Its queue discarded its copy (expired, overflow, delivery limit).
  static constexpr std::uint8_t kExpected = 32;      // The message's routing reaches the group's queue.
  static constexpr std::uint8_t kStoredAtEnd = 64;   // Still in the group's queue when the run ended.

  std::string name;
  std::uint32_t topic = 0;   // A Kafka group's topic (an index into WorldConfig::topics), or
  std::int32_t queue = -1;   // a queue group's queue (an index into the RabbitMQ queues); -1 for a topic group.
  // When the message's effect was first applied, in microseconds after its send (4 bytes, not 8): kNoEffect
  // until then, kLateEffect past 71 minutes, the time then in late_first_effects. Read and written
  // through first_effect_at and set_first_effect_at.
  static constexpr std::uint32_t kNoEffect = UINT32_MAX;
  static constexpr std::uint32_t kLateEffect = UINT32_MAX - 1;
  std::vector<std::uint32_t> first_effect_delay;
  std::map<std::uint32_t, Time> late_first_effects;  // Message -> first effect time, for kLateEffect.
  // The position of the message's first effect in the run's total order of effects (GroundTruth::
  // effects_applied), so that two effects in one microsecond still have an order.
  std::vector<std::uint32_t> first_effect_order;
  std::vector<std::uint16_t> effects;   // How many times its effect was applied.
  // Deliveries to the application not yet matched by an effect (for the invariant effects <= deliveries),
  // saturating: once kUnmatchedSaturated, the message is no longer checked.
  static constexpr std::uint8_t kUnmatchedSaturated = UINT8_MAX;
  std::vector<std::uint8_t> unmatched_deliveries;
  std::vector<std::uint8_t> flags;      // k* bits above.
  std::uint64_t attempts = 0;           // Processing attempts, failed ones included.
  std::vector<std::uint32_t> attempts_per_second;  // Per 1-second window of simulated time.
  std::uint64_t redeliveries = 0;       // Records handed to the application again after a rewind.
  std::uint64_t deduplicated = 0;       // Records the idempotent consumer (dedup) recognised and did not apply again.
  std::uint64_t rebalances = 0;
  std::uint64_t members_left = 0;       // Members gone with a LeaveGroup (a clean close: scale-in, shutdown).
  std::uint64_t truncations_detected = 0;  // Fetches a leader answered with a diverging epoch (KIP-320).
  std::uint64_t max_lag = 0;            // Highest total lag seen (log end - committed, over partitions).
  std::vector<std::uint64_t> lag_samples;  // Total lag at every simulated second, from time 0 (charts).
  std::vector<std::int64_t> committed_at_end;  // Per partition of its topic: the durable committed offset.

  // When `message`, sent at `sent_at`, first took effect; kNever if it has not.
  Time first_effect_at(std::uint32_t message, Time sent_at) const {
    if (message >= first_effect_delay.size() || first_effect_delay[message] == kNoEffect) return kNever;
    if (first_effect_delay[message] == kLateEffect) return late_first_effects.at(message);
    return sent_at + first_effect_delay[message];
  }
  // `at` = kNever: no effect yet.
  void set_first_effect_at(std::uint32_t message, Time sent_at, Time at) {
    grow(message);
    late_first_effects.erase(message);
    if (at == kNever) {
      first_effect_delay[message] = kNoEffect;
      return;
    }
    BROKERSIM_ASSERT(at >= sent_at);  // No effect before its send.
    if (at - sent_at < kLateEffect) {
      first_effect_delay[message] = static_cast<std::uint32_t>(at - sent_at);
    } else {
      first_effect_delay[message] = kLateEffect;
      late_first_effects[message] = at;
    }
  }

  // Records one applied effect of `message` (sent at `sent_at`) at `now`, the `order`-th effect of the run.
  void record_effect(std::uint32_t message, Time sent_at, Time now, std::uint64_t order) {
    grow(message);
    BROKERSIM_ASSERT(flags[message] & kAttempted);  // No effect without an attempt.
    // Invariant: every effect has a delivery of its own (effects <= deliveries), else one delivery was
    // applied twice. A saturated count proves nothing.
    std::uint8_t& unmatched = unmatched_deliveries[message];
    BROKERSIM_ASSERT(unmatched > 0);
    if (unmatched != kUnmatchedSaturated) --unmatched;
    if (effects[message] == 0) {
      BROKERSIM_ASSERT(order < UINT32_MAX);
      set_first_effect_at(message, sent_at, now);
      first_effect_order[message] = static_cast<std::uint32_t>(order);
    }
    if (effects[message] < UINT16_MAX) ++effects[message];
  }
  void grow(std::uint32_t message) {
    if (message < effects.size()) return;
    std::size_t const wanted = std::max<std::size_t>(message + 1, effects.size() * 2);
    std::size_t const size = effects.capacity() > message ? effects.capacity() : wanted;
    first_effect_delay.resize(size, kNoEffect);
    first_effect_order.resize(size, UINT32_MAX);
    effects.resize(size, 0);
    unmatched_deliveries.resize(size, 0);
    flags.resize(size, 0);
  }
  // Sizes the per-message tables for the messages the run is expected to send, so they need not grow
  // by doubling (which would leave up to half of them unused).
  void reserve(std::size_t messages) {
    first_effect_delay.reserve(messages);
    first_effect_order.reserve(messages);
    effects.reserve(messages);
    unmatched_deliveries.reserve(messages);
    flags.reserve(messages);
  }
  std::uint16_t effects_of(std::uint32_t message) const { return message < effects.size() ? effects[message] : 0; }
  bool has(std::uint32_t message, std::uint8_t flag) const { return message < flags.size() && (flags[message] & flag) != 0; }
  void set(std::uint32_t message, std::uint8_t flag) {
    grow(message);
    flags[message] |= flag;
  }

  // `message` is handed to the application (polled from the log or from a retry topic).
  void record_delivery(std::uint32_t message) {
    grow(message);
    if (unmatched_deliveries[message] != kUnmatchedSaturated) ++unmatched_deliveries[message];
  }

  // One processing attempt of `message` at `now` (failed ones too).
  void record_attempt(std::uint32_t message, Time now) {
    set(message, kAttempted);
    ++attempts;
    auto const second = static_cast<std::size_t>(now / sim::kMicrosPerSecond);
    if (second >= attempts_per_second.size()) attempts_per_second.resize(second + 1, 0);
    ++attempts_per_second[second];
  }
};

// What one downstream service saw, per 1-second window of simulated time.
struct ServiceTruth {
  std::string name;
  std::optional<double> capacity_per_s;
  std::vector<std::uint32_t> calls_per_second;
  std::vector<std::uint32_t> failures_per_second;

  // Returns the calls in `now`'s window so far, this one included.
  std::uint32_t record_call(Time now) { return ++slot(calls_per_second, now); }
  void record_failure(Time now) { ++slot(failures_per_second, now); }

 private:
  static std::uint32_t& slot(std::vector<std::uint32_t>& series, Time now) {
    auto const second = static_cast<std::size_t>(now / sim::kMicrosPerSecond);
    if (second >= series.size()) series.resize(second + 1, 0);
    return series[second];
  }
};

// One RabbitMQ queue's depth as the node leading it changed it: the messages it holds ready and
// unacknowledged now, the highest of each and of their sum, and per 1-second window of simulated time
// the highest ready and the highest unacked count it held in that window (each its own highest), for the
// charts. The node reports every change (RabbitNode::observe_depth), so the highest values are exact.
struct QueueTruth {
  std::string name;
  std::uint64_t ready = 0;        // Now.
  std::uint64_t unacked = 0;      // Now: delivered, not yet acked, rejected or requeued.
  std::uint64_t max_depth = 0;    // The highest ready + unacked.
  std::uint64_t max_ready = 0;
  std::uint64_t max_unacked = 0;
  std::vector<std::uint64_t> ready_per_second;    // From time 0 to the last change.
  std::vector<std::uint64_t> unacked_per_second;

  // The queue holds `ready_now` ready and `unacked_now` unacked messages from `now` on.
  void observe(Time now, std::uint64_t ready_now, std::uint64_t unacked_now) {
    BROKERSIM_ASSERT(now >= 0);
    auto const second = static_cast<std::size_t>(now / sim::kMicrosPerSecond);
    // The windows since the last change held the previous counts throughout (this one at its start).
    if (second >= ready_per_second.size()) {
      ready_per_second.resize(second + 1, ready);
      unacked_per_second.resize(second + 1, unacked);
    }
    ready = ready_now;
    unacked = unacked_now;
    ready_per_second[second] = std::max(ready_per_second[second], ready);
    unacked_per_second[second] = std::max(unacked_per_second[second], unacked);
    max_ready = std::max(max_ready, ready);
    max_unacked = std::max(max_unacked, unacked);
    max_depth = std::max(max_depth, ready + unacked);
  }
};

// A fault as it happened: what it did to which node, when (for timelines, causes and report charts).
struct FaultEvent {
  Time at = 0;
  Time until = kNever;              // When it ended, for lasting faults (kNever: instantaneous or not yet).
  std::uint32_t node = UINT32_MAX;  // The node it acted on (UINT32_MAX: none, e.g. a missed selector).
  std::string kind;                 // "crash", "restart", "pause", ...
  std::string detail;               // Human words: "lose_unflushed", "for 3000 ms", ...
};

// A leadership change the controller made.
struct ElectionEvent {
  Time at = 0;
  std::uint32_t partition = 0;
  int leader = -1;             // The new leader's broker index, -1 when the partition went offline.
  std::uint32_t leader_epoch = 0;
  bool unclean = false;
};

// A change of the controller quorum's leader: `leader` is the node of the new active controller, or
// UINT32_MAX when the quorum lost its leader (no failover, fencing or ISR change until the next one).
struct QuorumEvent {
  Time at = 0;
  std::uint32_t leader = UINT32_MAX;
};

// Where every message ended up, recorded by the model when the run stops: its offset in its partition's
// authoritative log (the leader's, or while the partition is offline the longest live replica's), or -1
// when no such log holds it.
struct FinalLogs {
  bool recorded = false;
  std::vector<std::int32_t> offset_of;  // Per message (a log holds < 2^31 records: 8 GiB of ids alone).
  std::vector<int> authority;           // Per partition: the broker whose log counts.
  std::uint64_t log_duplicates = 0;     // Records that repeat an earlier record of the same send.
};

// Everything the checker reads: written by the model as it runs and when it stops, never read back by it.
struct GroundTruth {
  std::vector<std::string> producer_instances;  // Instance names, e.g. "order-service-1".
  std::vector<MessageRecord> messages;          // In send order; the index is the message id.
  // (copy, origin) for every republished copy, in copy order: the message whose effect the copy applies.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> origins;
  // Only when the scenario reads them (a group emits follow-ups or orders by timestamp), one per message:
  std::vector<Time> timestamps;                 // The timestamp it carries (local clock or Lamport).
  std::vector<std::uint32_t> causes;            // The message whose processing emitted it, or kNoCause.
  bool tracks_timestamps = false;
  // Only when the scenario has RabbitMQ producers, one per message: the routing key it was published with
  // (an index into the cluster's routing keys), its content.
  std::vector<std::uint32_t> routing_keys;
  std::vector<std::uint32_t> header_sets;  // The headers it carries: a set of the cluster's (0: none).
  // RabbitMQ messages whose routing reaches no queue (no binding matches, no alternate exchange does), in
  // send order: a broker drops them.
  std::vector<std::uint32_t> unroutable;
  std::vector<GroupTruth> groups;               // In scenario order.
  std::vector<QueueTruth> queues;               // RabbitMQ queues, in scenario order (none without RabbitMQ).
  std::vector<ServiceTruth> services;           // In scenario order.
  std::vector<FaultEvent> faults;               // In the order they happened.
  Tracer tracer;                                // Watches nothing unless examples are being traced.
  std::vector<ElectionEvent> elections;         // In the order they happened.
  std::uint64_t leader_elections = 0;
  // Producer and broker evidence that the network or a failover took a produce request's answer away.
  std::uint64_t produce_retries = 0;          // Produce requests sent again for a batch already sent.
  std::uint64_t sequence_duplicates = 0;      // Idempotent batches a leader found already appended and dropped.
  std::uint64_t out_of_order_sequences = 0;   // Idempotent batches a leader refused for a gap in the sequence.
  // RabbitMQ publishers' evidence of the same: confirms that were nacks, and publishes sent again.
  std::uint64_t publish_nacks = 0;            // basic.nack received (a queue refused the publish, or was down).
  std::uint64_t publish_retries = 0;          // Publishes sent again after a nack, a confirm timeout or a lost connection.
  std::vector<QuorumEvent> quorum;              // The controller quorum's leader changes, in order.
  std::uint64_t effects_applied = 0;            // Effects of every group so far: the run's effect order.
  FinalLogs final_logs;                         // Written once, when the run stops.

  // The message a republished copy stands for; kNoCause for an original send.
  std::uint32_t origin_of(std::uint32_t message) const {
    if (!messages[message].republished) return kNoCause;
    auto const found = std::lower_bound(origins.begin(), origins.end(), std::make_pair(message, std::uint32_t{0}));
    BROKERSIM_ASSERT(found != origins.end() && found->first == message);
    return found->second;
  }

  std::uint32_t routing_key_of(std::uint32_t message) const { return routing_keys[message]; }
  std::uint32_t header_set_of(std::uint32_t message) const { return header_sets[message]; }

  // Records one applied effect of `message` by group `group` at `now`.
  void record_effect(std::size_t group, std::uint32_t message, Time now) {
    groups[group].record_effect(message, messages[message].sent_at(), now, effects_applied++);
  }
  Time first_effect_at(std::size_t group, std::uint32_t message) const {
    return groups[group].first_effect_at(message, messages[message].sent_at());
  }
};

}  // namespace brokersim::model
