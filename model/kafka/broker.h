// A Kafka broker: the replicas of the partitions assigned to it, as leader or follower, with the
// replication protocol between them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "model/app/config.h"
#include "model/core/node.h"
#include "model/kafka/config.h"
#include "model/kafka/messages.h"
#include "model/kafka/metadata.h"
#include "model/truth/truth.h"
#include "model/world/config.h"

namespace brokersim::model {

class Controller;

// Receives the group-protocol requests (join, heartbeat, commit) that reach a broker, for the group
// coordinators it may host.
class GroupMessageSink {
 public:
  virtual ~GroupMessageSink() = default;
  virtual void on_group_message(sim::Simulation& simulation, Envelope const& envelope, int broker) = 0;
};

// One partition's log on one broker, and what the broker knows of the partition.
struct Replica {
  // A consumer's fetch that waits (long poll) for the high watermark to move.
  struct ParkedFetch {
    NodeId from = 0;
    std::uint64_t correlation = 0;
    std::int64_t offset = 0;
    std::uint64_t max_records = 0;
    std::uint64_t serial = 0;  // Names its expiry event.
    sim::EventId expiry;       // Cancelled when the fetch is answered early.
  };
  // An acks=all produce waiting for the ISR to have its records (Kafka's produce purgatory).
  struct ParkedProduce {
    NodeId from = 0;
    std::uint64_t correlation = 0;
    std::int64_t base_offset = 0;
    std::int64_t required = 0;  // The high watermark that completes it.
  };
  // The leader's view of one follower.
  struct Follower {
    int broker = 0;
    std::int64_t log_end = 0;
    std::int64_t leader_end_at_last_fetch = 0;
    Time last_fetch = 0;
    Time last_caught_up = 0;
  };
  // Idempotence: the last sequence appended per producer instance (Kafka's producer state).
  // A leader that refuses a batch of a newer producer epoch has already moved to that epoch here, so it
  // may be ahead of what the log holds.
  struct ProducerState {
    std::uint16_t epoch = 0;
    std::int64_t last_sequence = -1;
    std::int64_t last_offset = -1;
  };
  // What the log itself says of one idempotent producer: the epoch of its last record, and how many of
  // its records that epoch has (the next record's sequence).
  struct LogProducer {
    bool seen = false;
    std::uint16_t epoch = 0;
    std::uint32_t next_sequence = 0;
  };

  std::uint32_t partition = 0;
  // Offset = index; no retention. Each record is a message id; the leader epoch of each record is kept
  // run-length encoded in epoch_starts (records of one epoch are contiguous), 4 bytes a record in all.
  std::vector<std::uint32_t> log;
  std::vector<std::pair<std::uint32_t, std::int64_t>> epoch_starts;  // (leader epoch, first offset).
  std::int64_t high_watermark = 0;
  std::int64_t flushed = 0;                  // Durable prefix; the rest is in the page cache.
  std::array<std::int64_t, 7> log_end_history{};  // Log end at the last writeback ticks (OS writeback model).
  std::uint32_t leader_epoch = 0;            // The latest epoch this broker has heard of.
  // The partition's leader epoch when this broker last crashed (-1: never): a leadership decided before
  // its death died with the process, so it leads only in a newer epoch, once the controller has failed
  // its partitions over (as KRaft fences a broker's previous incarnation by its broker epoch).
  std::int64_t epoch_at_crash = -1;
  int leader_broker = kNoLeader;
  bool leader = false;
  std::vector<int> isr;                      // Leader only: the ISR as last agreed with the controller.
  std::vector<Follower> followers;           // Leader only.
  std::vector<ParkedFetch> parked_fetches;   // Leader only: consumers' fetches.
  std::vector<ParkedProduce> parked_produces;  // Leader only.
  // Follower only: after an error the partition sits out replica.fetch.backoff.ms of its leader's fetches.
  Time fetch_delayed_until = 0;
  std::vector<ProducerState> producers;      // Per producer instance.
  // Kafka's batch headers, compactly: each record's producer (kNoProducer when it is not idempotent;
  // empty until the first idempotent record), and where each producer's epochs start, in offset order.
  std::vector<std::uint16_t> record_producers;
  std::vector<ProducerEpochStart> producer_epochs;
  std::vector<LogProducer> log_producers;    // Per producer instance, as the records above say.

  std::int64_t log_end() const { return static_cast<std::int64_t>(log.size()); }
  std::uint32_t last_epoch() const { return epoch_starts.empty() ? 0 : epoch_starts.back().first; }
  // The leader epoch the record at `offset` was appended in.
  std::uint32_t epoch_at(std::int64_t offset) const;
};

// A broker node: broker-i. Leaders append produce requests, answer fetches, keep the ISR and the high
// watermark; followers fetch from their leader, truncate where their log diverged (by leader epoch, as
// KIP-101/320), and append. Logs survive a process crash (page cache) unless the crash also loses the
// unflushed tail (power loss).
class Broker : public Node {
 public:
  // Event types the controller schedules on brokers.
  static constexpr std::uint32_t kMetadataType = 100;  // arg0 = partition: apply the controller's state.

  Broker(int index, WorldConfig const& config, Controller& controller, GroundTruth& truth, std::size_t producers);

  void set_group_sink(GroupMessageSink* sink) { group_sink_ = sink; }
  // Sizes each log for the records its partition is expected to get (by global partition).
  void reserve_logs(std::vector<std::size_t> const& records);
  void start(sim::Simulation& simulation);
  int index() const { return index_; }

  // Crash fault: with `lose_unflushed` the log tails not yet flushed are gone too.
  void crash_losing_unflushed(sim::Simulation& simulation);

  // The replica of `partition` here, or null.
  Replica const* replica(std::uint32_t partition) const;
  std::int64_t log_end(std::uint32_t partition) const;

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override;
  void on_crash(sim::Simulation& simulation) override;
  void on_restart(sim::Simulation& simulation) override;
  void on_peer_reset(sim::Simulation& simulation, NodeId peer) override;

 private:
  enum EventType : std::uint32_t {
    kFetchExpiry = 1,    // arg0 = partition, arg1 = parked consumer fetch serial.
    kFollowerFetch = 2,  // arg0 = leader broker: send the next fetch to it.
    kFetchTimeout = 3,   // arg0 = leader broker, arg1 = correlation.
    kIsrCheck = 4,
    kFlush = 5,
    kFollowerFetchExpiry = 6,  // arg1 = parked follower fetch serial.
  };

  // Kafka's replica fetcher for one leader broker: one fetch in flight at a time, for every partition
  // this broker follows there (num.replica.fetchers = 1).
  struct Fetcher {
    std::uint64_t correlation = 0;  // The fetch in flight, 0 when none.
    sim::EventId timeout;           // Its timeout, cancelled by its answer.
  };
  // A follower's fetch that found nothing new in any of its partitions: it waits for records in one of
  // them, or replica.fetch.wait.max.ms.
  struct ParkedFollowerFetch {
    NodeId from = 0;
    std::uint64_t correlation = 0;
    std::vector<PartitionFetch> partitions;
    std::uint64_t serial = 0;
    sim::EventId expiry;
  };

  Replica* find(std::uint32_t partition);
  void apply_metadata(sim::Simulation& simulation, std::uint32_t partition);
  void become_leader(sim::Simulation& simulation, Replica& replica, PartitionState const& state);
  void become_follower(sim::Simulation& simulation, Replica& replica, PartitionState const& state);
  void abandon_leadership(sim::Simulation& simulation, Replica& replica);

  void on_produce(sim::Simulation& simulation, Envelope const& request);
  bool check_sequence(sim::Simulation& simulation, Replica& replica, Envelope const& request);
  static void append(Replica& replica, std::uint32_t message, std::uint32_t epoch);
  static void append_records(Replica const& replica, std::int64_t offset, std::int64_t end, Envelope& response, bool follower);
  // Appends a record of an idempotent producer (also to its producer state); returns its sequence.
  static std::uint32_t append_idempotent(Replica& replica, std::uint32_t message, std::uint32_t epoch,
                                         std::uint16_t producer, std::uint16_t producer_epoch);
  void on_fetch(sim::Simulation& simulation, Envelope const& request);
  void on_follower_fetch(sim::Simulation& simulation, Envelope const& request);
  // Whether a follower that fetches `fetch` diverged from this leader's log (KIP-320); sets the offset
  // it must truncate to.
  bool diverged(Replica const& replica, PartitionFetch const& fetch, std::int64_t& truncate_to) const;
  void respond_follower_fetch(sim::Simulation& simulation, NodeId to, std::uint64_t correlation,
                              std::vector<PartitionFetch> const& partitions);
  bool follower_fetch_ready(ParkedFollowerFetch const& fetch) const;
  void serve_parked_follower_fetches(sim::Simulation& simulation, std::uint32_t partition, bool leadership_lost);
  // Answers parked_follower_fetches_[index] and takes it out (its expiry event is the caller's).
  void answer_parked_follower_fetch(sim::Simulation& simulation, std::size_t index);
  void on_fetch_response(sim::Simulation& simulation, Envelope const& response);
  void take_fetched(sim::Simulation& simulation, Replica& replica, Envelope const& response, PartitionFetch const& fetched,
                    std::size_t first_entry, std::size_t first_epoch_start);
  void send_follower_fetch(sim::Simulation& simulation, int leader);
  void back_off_fetcher(sim::Simulation& simulation, int leader);

  void respond_produce(sim::Simulation& simulation, NodeId to, std::uint64_t correlation, std::uint32_t partition,
                       ErrorCode error, std::int64_t base_offset);
  void respond_fetch(sim::Simulation& simulation, Replica const& replica, NodeId to, std::uint64_t correlation,
                     std::int64_t offset, std::uint64_t max_records, ErrorCode error);
  void respond_fetch_error(sim::Simulation& simulation, Envelope const& request, ErrorCode error, std::int64_t offset,
                           std::int32_t last_epoch = -1);
  void park_fetch(sim::Simulation& simulation, Replica& replica, Envelope const& request);
  // Answers the long polls that now have something: consumers' on this partition, followers' on any.
  void serve_parked_fetches(sim::Simulation& simulation, Replica& replica);

  void update_follower(sim::Simulation& simulation, Replica& replica, int broker, std::int64_t fetch_offset);
  void advance_high_watermark(sim::Simulation& simulation, Replica& replica);
  void complete_parked_produces(sim::Simulation& simulation, Replica& replica);
  void check_isr(sim::Simulation& simulation);
  bool change_isr(Replica& replica, std::vector<int> isr);

  void truncate(sim::Simulation& simulation, Replica& replica, std::int64_t offset);
  void rebuild_producer_state(Replica& replica);
  void respond_diverging(sim::Simulation& simulation, Replica const& replica, Envelope const& request, std::uint32_t epoch,
                         std::int64_t epoch_end);
  static Replica::ProducerState& producer_state(Replica& replica, std::uint32_t producer);
  std::int64_t end_offset_for_epoch(Replica const& replica, std::uint32_t epoch) const;
  void flush(sim::Simulation& simulation);
  void start_timers(sim::Simulation& simulation);

  int index_;
  WorldConfig const& config_;
  Controller& controller_;
  GroundTruth& truth_;
  GroupMessageSink* group_sink_ = nullptr;
  std::vector<Replica> replicas_;
  std::vector<std::int32_t> replica_of_partition_;  // Global partition -> index in replicas_, or -1.
  std::size_t producer_count_;
  std::uint64_t next_correlation_ = 1;
  std::uint64_t next_parked_serial_ = 1;
  std::vector<Fetcher> fetchers_;  // By leader broker.
  std::vector<ParkedFollowerFetch> parked_follower_fetches_;
  std::vector<std::vector<PartitionFetch>> spare_partition_lists_;  // Buffers of answered parked fetches.
};

}  // namespace brokersim::model
