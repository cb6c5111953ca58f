// A consumer-group instance: Kafka's consumer (group membership, fetching, positions, commits) and the
// application's poll loop that processes what it returns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/app/config.h"
#include "model/app/pipeline.h"
#include "model/app/service_call.h"
#include "model/core/node.h"
#include "model/kafka/cluster_view.h"
#include "model/kafka/config.h"
#include "model/kafka/group_coordinator.h"
#include "model/kafka/messages.h"
#include "model/kafka/producer.h"
#include "model/truth/truth.h"
#include "sim/assert.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

// Instance i of group X, node "X-i". A heartbeat thread keeps the membership alive; a fetcher keeps one
// fetch in flight per assigned partition whose buffered records have all been handed out (Kafka's
// prefetching); one processing thread polls up to max_poll_records, processes them one by one (each takes
// a draw of the group's `processing` distribution, then applies the message's effect), and commits as
// the group's commit mode says. Rebalances are eager and happen inside poll: a member told to rejoin
// finishes its batch first, then commits (after-processing, auto), drops its assignment and buffer, and
// rejoins. A crash loses everything but the group's durable state; the restarted process joins as a new
// member. The processing itself is the application's (ApplicationPipeline); this class is its delivery
// source.
class ConsumerInstance : public Node, private PipelineHost {
 public:
  // `seed` is the run's root seed; the instance draws from its own stream named "X-i".
  ConsumerInstance(NodeId id, int instance, std::uint64_t seed, GroupCoordinator& coordinator,
                   ClusterView const& cluster, GroundTruth& truth);

  // Starts the process at time now (joins the group); called once by the World after attach().
  void start(sim::Simulation& simulation);

  // The service this group calls (the group's `calls`), or kNoNode.
  void set_service(NodeId service) { pipeline_.set_service(service); }
  // The producer inside this instance that publishes to the dead-letter topic, or null.
  void set_dead_letter_producer(ProducerInstance* producer) { dead_letter_ = producer; }

  // The producer inside this instance that emits follow-ups (the group's `emits`), or null. The group's
  // emitters are producer instances [first, last] of the ground truth: the group does not react to its own
  // follow-ups (a chain passes each group once).
  void set_emitter(ProducerInstance* emitter, std::uint32_t first, std::uint32_t last) {
    emitter_ = emitter;
    pipeline_.set_emitter(emitter, first, last);
  }

  // Slowdown fault: processing takes `factor` times longer until set back to 1.
  void set_slowdown(double factor) { pipeline_.set_slowdown(factor); }

  // Scale faults. An undeployed instance is a stopped process that crash faults do not restart (the World
  // asks). retire() closes a running instance as Spring Kafka's container stop and KafkaConsumer.close()
  // do: it finishes the batch in hand (or abandons it during a retry backoff, seeking back to the first
  // record not processed), commits what it processed (unless it commits before processing), sends
  // LeaveGroup so that the group rebalances at once, and stops with the producers inside it. An instance
  // deployed again while it closes starts as a new process once it has stopped.
  bool deployed() const { return deployed_; }
  void set_deployed(bool deployed) { deployed_ = deployed; }
  void retire(sim::Simulation& simulation);

  std::string const& name() const { return name_; }
  GroupCoordinator const& coordinator() const { return coordinator_; }
  int instance() const { return instance_; }
  std::uint64_t member() const { return member_id(instance_, incarnation()); }
  bool assigned() const { return membership_ == Membership::stable; }
  std::uint32_t generation() const { return generation_; }
  // The global partitions assigned in the current generation.
  std::vector<std::uint32_t> assignment() const;
  // Whether the application holds polled records it has not finished processing (or a batch whose
  // commit-before-processing is in flight); and which.
  bool holds_records() const { return pipeline_.next() < pipeline_.batch().size(); }
  std::vector<std::uint32_t> records_in_hand() const { return pipeline_.in_hand(); }
  // Records whose processing completed (effect applied or deduplicated at effect time), this process.
  std::uint64_t records_processed() const { return pipeline_.processed(); }

 protected:
  void handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) override;
  void on_message(sim::Simulation& simulation, EnvelopeHeader const& header) override;
  void on_crash(sim::Simulation& simulation) override;
  void on_restart(sim::Simulation& simulation) override;
  // A broker's process died: the connection to it is reset (Kafka's NetworkClient sees the disconnect at
  // once), so every request in flight to it fails now rather than at its timeout.
  void on_peer_reset(sim::Simulation& simulation, NodeId peer) override;

 private:
  enum EventType : std::uint32_t {
    kHeartbeatTick = 1,
    kJoinTimeout = 2,    // arg0 = join correlation.
    kJoinRetry = 3,
    kFetchRetry = 4,     // arg0 = local partition, arg1 = assignment serial.
    kFetchTimeout = 5,   // arg0 = local partition, arg1 = fetch correlation.
    kPoll = 6,
    // 7: ApplicationPipeline::kRecordDone.
    kCommitTimeout = 8,  // arg0 = commit round.
    kCommitResend = 9,   // arg0 = commit round.
    kAutoCommit = 10,    // arg0 = assignment serial: the auto-commit timer.
    // 11, 12: ApplicationPipeline::kRetryRecord, kCallTimeout.
    kLeave = 13,         // A scale fault retired the instance.
    kRetryDue = 14,      // arg0 = assignment serial: a record in a retry topic falls due.
  };
  enum class Membership : std::uint8_t { joining, stable };
  // The processing thread: waiting in poll for records, waiting on a commitSync, or processing a batch.
  enum class Loop : std::uint8_t { idle, poll_scheduled, committing, processing };
  // What a commitSync was for: what runs when it has finished.
  enum class AfterCommit : std::uint8_t { process_batch, poll, rejoin, leave };

  struct PartitionState {
    bool assigned = false;
    std::int64_t position = 0;           // The next offset to hand to the application.
    std::int32_t position_epoch = -1;    // KIP-320: the leader epoch of the record before it, -1 unknown.
    std::uint64_t fetch_correlation = 0;  // The fetch in flight, 0 when none.
    sim::EventId fetch_timeout;           // That fetch's timeout, cancelled by its answer.
    int fetch_broker = kNoLeader;         // Where it went.
    std::vector<LogEntry> buffer;         // Fetched records from `position - buffer_read` on.
    std::size_t buffer_read = 0;          // Already handed out.
    std::int64_t committed = 0;           // The last offset this member knows to be committed.
    std::int64_t commit_offset = 0;      // The offset the commit round in flight sends.
    std::int32_t commit_epoch = -1;
    bool commit_pending = false;
  };
  struct CommitRound {
    std::uint64_t id = 0;  // Correlation of its requests; 0 when none is in flight.
    sim::EventId timeout;  // A sync round's request timeout, cancelled when the round ends.
    bool sync = false;
    AfterCommit then = AfterCommit::poll;
    int pending = 0;
    bool failed = false;
    Time started_at = 0;
    int broker = kNoLeader;  // Where its requests went last.
    bool resend_scheduled = false;
  };

  std::uint32_t global(std::size_t local) const { return first_partition_ + static_cast<std::uint32_t>(local); }
  GroupTruth& group_truth() { return truth_.groups[group_]; }
  void send_group_request(sim::Simulation& simulation, MessageType type, int broker, std::uint64_t correlation,
                          std::uint32_t partition, std::int64_t offset, std::int32_t last_epoch = -1);

  // Membership.
  void begin_life(sim::Simulation& simulation);
  void send_join(sim::Simulation& simulation);
  void on_join_response(sim::Simulation& simulation, Envelope const& response);
  void on_heartbeat_tick(sim::Simulation& simulation);
  void on_heartbeat_response(sim::Simulation& simulation, Envelope const& response);
  void request_rejoin(sim::Simulation& simulation);
  void revoke_and_rejoin(sim::Simulation& simulation);
  void drop_assignment();
  void close(sim::Simulation& simulation);
  void stop(sim::Simulation& simulation);
  void abandon_batch(Time now);
  // Non-blocking retries: a failed record goes to the retry topics; the instance wakes when one is due;
  // retries taken but not processed go back (a crash, a revocation, a close).
  void retry_later(sim::Simulation& simulation, Delivery const& record) override;
  void wake_for_retries(sim::Simulation& simulation);
  void give_back_retries(Time now);

  // Fetching.
  void maybe_fetch(sim::Simulation& simulation, std::size_t partition);
  void on_fetch_response(sim::Simulation& simulation, Envelope const& response);
  // Requests in flight to `broker_node` failed (its connection was reset): each is sent again after
  // retry.backoff.ms, to where the metadata then says.
  void on_disconnect(sim::Simulation& simulation, NodeId broker_node);

  // The poll loop. A batch's records are Deliveries whose source is the local partition and position
  // the offset.
  void schedule_poll(sim::Simulation& simulation);
  void poll(sim::Simulation& simulation);
  void take_records(sim::Simulation& simulation);
  void process_batch(sim::Simulation& simulation);
  // PipelineHost: what the application's outcomes mean on Kafka.
  void on_batch_processed(sim::Simulation& simulation) override;
  void dead_letter(sim::Simulation& simulation, Delivery const& record) override;
  void requeue(sim::Simulation&, Delivery const&) override { BROKERSIM_ASSERT(false); }  // Refused by the loader.

  // Commits.
  bool start_commit(sim::Simulation& simulation, bool sync, AfterCommit then);
  void send_pending_commits(sim::Simulation& simulation);
  void on_commit_response(sim::Simulation& simulation, Envelope const& response);
  void on_commit_timeout(sim::Simulation& simulation, std::uint64_t round);
  void finish_commit(sim::Simulation& simulation);
  void trace_commit(sim::Simulation& simulation, std::uint32_t p, std::int64_t committed);

  ConsumerGroupConfig const& config_;
  std::string name_;
  int instance_;
  std::uint32_t group_;
  std::uint32_t first_partition_;
  GroupCoordinator& coordinator_;
  ClusterView const& cluster_;
  GroundTruth& truth_;
  sim::RandomStream random_;
  ProducerInstance* emitter_ = nullptr;
  ProducerInstance* dead_letter_ = nullptr;
  bool deployed_ = true;

  // Volatile: all of it is lost in a crash.
  Membership membership_ = Membership::joining;
  std::uint32_t generation_ = 0;
  bool rejoin_needed_ = false;
  bool leaving_ = false;  // Closing: what it does next leads to LeaveGroup and a stop.
  Time retry_wakeup_ = kNever;  // When a kRetryDue is scheduled for; kNever: none.
  std::uint64_t join_correlation_ = 0;  // The join in flight.
  int join_broker_ = kNoLeader;
  std::uint64_t next_correlation_ = 1;
  std::uint64_t assignment_serial_ = 0;
  std::vector<PartitionState> partitions_;  // Per local partition of the topic.
  std::vector<std::uint32_t> ready_;        // Local partitions with records to hand out, oldest first.
  Loop loop_ = Loop::idle;
  CommitRound commit_;
  ApplicationPipeline pipeline_;  // After every member it reads at construction.
};

}  // namespace brokersim::model
