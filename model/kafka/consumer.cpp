#include "model/kafka/consumer.h"

#include <algorithm>
#include <cmath>

#include "model/core/backoff.h"
#include "model/core/network.h"
#include "sim/assert.h"

namespace brokersim::model {

namespace {

// Kafka's defaults for what the scenario format does not expose.
constexpr Time kRetryBackoff = 100 * sim::kMicrosPerMilli;  // retry.backoff.ms
// Records per fetch of one partition: stands for max.partition.fetch.bytes (1 MiB of ~1 KiB records).
constexpr std::uint64_t kFetchRecordsMax = 1000;
// A fetch without an answer is sent again after this long. Kafka waits request.timeout.ms (30 s) but
// learns of a dead broker from its closed connection much sooner; one figure stands for both.
constexpr Time kFetchRequestTimeout = 5000 * sim::kMicrosPerMilli;
// Unanswered commit requests are sent again (to the coordinator as it is then) after this long, and a
// commitSync gives up after default.api.timeout.ms.
constexpr Time kCommitRequestTimeout = 5000 * sim::kMicrosPerMilli;
constexpr Time kCommitTimeoutTotal = 60000 * sim::kMicrosPerMilli;
// A JoinGroup may wait for the whole rebalance: Kafka's request timeout for it is the rebalance timeout
// plus 5 s.
constexpr Time kJoinTimeoutSlack = 5000 * sim::kMicrosPerMilli;
// fetch_correlation while a fetch waits out a backoff rather than a response.
constexpr std::uint64_t kFetchBackingOff = UINT64_MAX;

}  // namespace

ConsumerInstance::ConsumerInstance(NodeId id, int instance, std::uint64_t seed, GroupCoordinator& coordinator,
                                   ClusterView const& cluster, GroundTruth& truth)
    : Node(id, NodeKind::consumer),
      config_(coordinator.config()),
      name_(coordinator.config().name + "-" + std::to_string(instance)),
      instance_(instance),
      group_(coordinator.group()),
      first_partition_(coordinator.first_partition()),
      coordinator_(coordinator),
      cluster_(cluster),
      truth_(truth),
      random_(seed, name_),
      pipeline_(*this, *this, config_, group_, truth, random_, next_correlation_, coordinator.durable_dedup()) {
  BROKERSIM_ASSERT(instance >= 0);
  BROKERSIM_ASSERT(config_.max_poll_records > 0);
  partitions_.resize(static_cast<std::size_t>(coordinator.partitions()));
  pipeline_.reserve(static_cast<std::size_t>(config_.max_poll_records));
}

std::vector<std::uint32_t> ConsumerInstance::assignment() const {
  std::vector<std::uint32_t> result;
  for (std::size_t p = 0; p < partitions_.size(); ++p) {
    if (partitions_[p].assigned) result.push_back(global(p));
  }
  return result;
}

void ConsumerInstance::start(sim::Simulation& simulation) { begin_life(simulation); }

void ConsumerInstance::begin_life(sim::Simulation& simulation) {
  schedule_self(simulation, config_.heartbeat_interval, kHeartbeatTick);
  send_join(simulation);
}

void ConsumerInstance::on_crash(sim::Simulation& simulation) {
  give_back_retries(simulation.now());
  drop_assignment();
  generation_ = 0;
  rejoin_needed_ = false;
  leaving_ = false;
  join_correlation_ = 0;
  join_broker_ = kNoLeader;
  loop_ = Loop::idle;
  commit_ = CommitRound{};
  pipeline_.on_crash();
}

void ConsumerInstance::on_restart(sim::Simulation& simulation) { begin_life(simulation); }

void ConsumerInstance::send_group_request(sim::Simulation& simulation, MessageType type, int broker, std::uint64_t correlation,
                                          std::uint32_t partition, std::int64_t offset, std::int32_t last_epoch) {
  Network& net = network();
  EnvelopeId const envelope_id = net.acquire(type, id(), cluster_.broker_node(broker));
  Envelope& request = net.envelope<Envelope>(envelope_id);
  request.value = member();
  request.epoch = generation_;
  request.correlation = correlation;
  request.partition = partition;
  request.offset = offset;
  request.last_epoch = last_epoch;
  net.send(simulation, envelope_id);
}

void ConsumerInstance::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) {
  switch (type) {
    case kHeartbeatTick:
      on_heartbeat_tick(simulation);
      return;
    case kJoinTimeout:
    case kJoinRetry:
      if (membership_ == Membership::joining && arg0 == join_correlation_) send_join(simulation);
      return;
    case kFetchRetry: {
      PartitionState& partition = partitions_[arg0];
      if (arg1 != assignment_serial_ || partition.fetch_correlation != kFetchBackingOff) return;
      partition.fetch_correlation = 0;
      maybe_fetch(simulation, arg0);
      return;
    }
    case kFetchTimeout: {
      PartitionState& partition = partitions_[arg0];
      if (partition.fetch_correlation != arg1) return;
      partition.fetch_correlation = 0;
      maybe_fetch(simulation, arg0);
      return;
    }
    case kPoll:
      if (loop_ == Loop::poll_scheduled) poll(simulation);
      return;
    case kAutoCommit:
      // Kafka's consumer (the background thread of 3.7+) commits the consumed position on a timer,
      // whatever the application is doing: records still being processed count as done.
      if (arg0 != assignment_serial_ || membership_ != Membership::stable) return;
      if (commit_.id == 0) start_commit(simulation, false, AfterCommit::poll);
      schedule_self(simulation, config_.auto_commit_interval, kAutoCommit, assignment_serial_);
      return;
    case ApplicationPipeline::kRecordDone:
      if (loop_ != Loop::processing) return;
      pipeline_.on_record_done(simulation, arg0);
      return;
    case ApplicationPipeline::kRetryRecord:
      if (arg0 != pipeline_.serial() || loop_ != Loop::processing) return;
      if (leaving_) {
        abandon_batch(simulation.now());
        close(simulation);
        return;
      }
      process_batch(simulation);
      return;
    case kRetryDue:
      if (arg0 != assignment_serial_) return;
      retry_wakeup_ = kNever;
      // When busy, the poll that follows the batch takes what is due (and schedules the next wake-up).
      if (loop_ == Loop::idle) poll(simulation);
      return;
    case kLeave:
      if (deployed_ || leaving_) return;  // Deployed again before it began to close.
      leaving_ = true;
      if (loop_ == Loop::processing && pipeline_.backing_off()) {
        abandon_batch(simulation.now());  // In a retry backoff: Spring's stoppable sleep ends at once.
      }
      if (loop_ == Loop::idle) close(simulation);
      return;  // Else the poll loop closes once the batch in hand is done.
    case ApplicationPipeline::kCallTimeout:
      pipeline_.on_call_timeout(simulation, arg0);
      return;
    case kCommitTimeout:
      on_commit_timeout(simulation, arg0);
      return;
    case kCommitResend:
      if (arg0 != commit_.id) return;
      send_pending_commits(simulation);
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void ConsumerInstance::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  if (header.protocol == Protocol::service) {
    // The answer to a service call, or its connection reset (the service's process was down).
    auto const& answer = static_cast<ServiceEnvelope const&>(header);
    if (!pipeline_.awaits_call(answer.correlation)) return;
    pipeline_.on_call_answered(simulation, !answer.reset && !answer.failed);
    return;
  }
  Envelope const& envelope = as_kafka(header);
  if (envelope.reset) {
    on_disconnect(simulation, envelope.from);
    return;
  }
  switch (envelope.type) {
    case MessageType::join_response:
      on_join_response(simulation, envelope);
      return;
    case MessageType::heartbeat_response:
      on_heartbeat_response(simulation, envelope);
      return;
    case MessageType::commit_response:
      on_commit_response(simulation, envelope);
      return;
    case MessageType::fetch_response:
      on_fetch_response(simulation, envelope);
      return;
    default:
      return;
  }
}

void ConsumerInstance::on_peer_reset(sim::Simulation& simulation, NodeId peer) {
  if (peer == pipeline_.service()) return;  // The call's own timeout, or its connection_reset, ends it.
  on_disconnect(simulation, peer);
}

void ConsumerInstance::on_disconnect(sim::Simulation& simulation, NodeId broker_node) {
  for (std::size_t p = 0; p < partitions_.size(); ++p) {
    PartitionState& partition = partitions_[p];
    bool const in_flight = partition.fetch_correlation != 0 && partition.fetch_correlation != kFetchBackingOff;
    if (!partition.assigned || !in_flight || partition.fetch_broker == kNoLeader) continue;
    if (cluster_.broker_node(partition.fetch_broker) != broker_node) continue;
    partition.fetch_correlation = kFetchBackingOff;
    schedule_self(simulation, kRetryBackoff, kFetchRetry, p, assignment_serial_);
  }
  if (commit_.id != 0 && commit_.broker != kNoLeader && cluster_.broker_node(commit_.broker) == broker_node) {
    commit_.broker = kNoLeader;
    if (!commit_.sync) {
      commit_.id = 0;  // commitAsync fails and is only logged; the next auto-commit sends the position again.
    } else if (!commit_.resend_scheduled) {
      schedule_self(simulation, kRetryBackoff, kCommitResend, commit_.id);
      commit_.resend_scheduled = true;
    }
  }
  if (membership_ == Membership::joining && join_correlation_ != 0 && join_broker_ != kNoLeader &&
      cluster_.broker_node(join_broker_) == broker_node && loop_ == Loop::idle) {
    join_broker_ = kNoLeader;
    schedule_self(simulation, kRetryBackoff, kJoinRetry, join_correlation_);
  }
}

// --- Membership --------------------------------------------------------------------------------------

void ConsumerInstance::send_join(sim::Simulation& simulation) {
  BROKERSIM_ASSERT(loop_ == Loop::idle);
  membership_ = Membership::joining;
  join_correlation_ = next_correlation_++;
  join_broker_ = cluster_.coordinator_broker(group_);
  if (join_broker_ == kNoLeader) {
    schedule_self(simulation, kRetryBackoff, kJoinRetry, join_correlation_);
    return;
  }
  send_group_request(simulation, MessageType::join_group, join_broker_, join_correlation_, 0, 0);
  schedule_self(simulation, config_.session_timeout + kJoinTimeoutSlack, kJoinTimeout, join_correlation_);
}

// The join response carries the assignment (SyncGroup folded in). Positions start from the group's
// committed offsets, read directly: this stands for the OffsetFetch round trip.
void ConsumerInstance::on_join_response(sim::Simulation& simulation, Envelope const& response) {
  if (membership_ != Membership::joining || response.correlation != join_correlation_) return;
  if (response.error != ErrorCode::none) {
    schedule_self(simulation, kRetryBackoff, kJoinRetry, join_correlation_);
    return;
  }
  BROKERSIM_ASSERT(loop_ == Loop::idle);
  membership_ = Membership::stable;
  generation_ = response.epoch;
  rejoin_needed_ = false;
  ++assignment_serial_;
  if (config_.commit == CommitMode::auto_commit) {
    schedule_self(simulation, config_.auto_commit_interval, kAutoCommit, assignment_serial_);
  }
  for (LogEntry const& entry : response.entries) {
    BROKERSIM_ASSERT(entry.message >= first_partition_ && entry.message - first_partition_ < partitions_.size());
    PartitionState& partition = partitions_[entry.message - first_partition_];
    partition.assigned = true;
    partition.position = coordinator_.committed(entry.message);
    partition.position_epoch = coordinator_.committed_epoch(entry.message);
    partition.committed = partition.position;
  }
  for (std::size_t p = 0; p < partitions_.size(); ++p) maybe_fetch(simulation, p);
  retry_wakeup_ = kNever;  // A wake-up of the previous assignment no longer reaches this one.
  wake_for_retries(simulation);
}

// The heartbeat thread: runs whatever the processing thread is doing, and stops only with the process
// (a crash, or a pause that freezes it).
void ConsumerInstance::on_heartbeat_tick(sim::Simulation& simulation) {
  schedule_self(simulation, config_.heartbeat_interval, kHeartbeatTick);
  int const coordinator = cluster_.coordinator_broker(group_);
  if (membership_ == Membership::stable && coordinator != kNoLeader) {
    send_group_request(simulation, MessageType::heartbeat, coordinator, 0, 0, 0);
  }
  // A request to a coordinator that has since moved is lost with the old connection: send it again.
  if (membership_ == Membership::joining && join_broker_ != kNoLeader && join_broker_ != coordinator) {
    send_join(simulation);
  }
  if (commit_.id != 0 && commit_.sync && commit_.broker != coordinator) send_pending_commits(simulation);
}

void ConsumerInstance::on_heartbeat_response(sim::Simulation& simulation, Envelope const& response) {
  if (membership_ != Membership::stable || response.epoch != generation_ || response.value != member()) return;
  switch (response.error) {
    case ErrorCode::rebalance_in_progress:
    case ErrorCode::illegal_generation:
    case ErrorCode::unknown_member:
      request_rejoin(simulation);
      return;
    default:
      return;  // none, or coordinator_not_available: the next heartbeat finds the coordinator again.
  }
}

// Eager rebalance: the flag is acted on inside poll, once the batch in hand is processed.
void ConsumerInstance::request_rejoin(sim::Simulation& simulation) {
  rejoin_needed_ = true;
  if (loop_ == Loop::idle) poll(simulation);
}

// onPartitionsRevoked: commit what was processed (after-processing; auto as Kafka's auto-commit on
// revocation), then give every partition up and rejoin.
void ConsumerInstance::revoke_and_rejoin(sim::Simulation& simulation) {
  if (config_.commit != CommitMode::before_processing && start_commit(simulation, true, AfterCommit::rejoin)) {
    loop_ = Loop::committing;
    return;
  }
  drop_assignment();
  send_join(simulation);
}

void ConsumerInstance::retire(sim::Simulation& simulation) {
  deployed_ = false;
  if (alive()) schedule_self(simulation, 0, kLeave);  // An event, so that a paused instance closes when it resumes.
}

// KafkaConsumer.close(): a final commitSync of what was processed, then LeaveGroup.
void ConsumerInstance::close(sim::Simulation& simulation) {
  BROKERSIM_ASSERT(leaving_ && loop_ == Loop::idle);
  if (membership_ == Membership::stable && config_.commit != CommitMode::before_processing &&
      start_commit(simulation, true, AfterCommit::leave)) {
    loop_ = Loop::committing;
    return;
  }
  stop(simulation);
}

void ConsumerInstance::stop(sim::Simulation& simulation) {
  int const coordinator = cluster_.coordinator_broker(group_);
  if (coordinator != kNoLeader) send_group_request(simulation, MessageType::leave_group, coordinator, 0, 0, 0);
  // Its producers close with it; follow-ups still unacknowledged are not sent again (see docs/model.md).
  for (ProducerInstance* producer : {emitter_, dead_letter_}) {
    if (producer != nullptr) producer->crash(simulation);
  }
  crash(simulation);
  if (!deployed_) return;
  // Scaled out again while it closed: the replacement process starts now.
  restart(simulation);
  for (ProducerInstance* producer : {emitter_, dead_letter_}) {
    if (producer != nullptr) producer->restart(simulation);
  }
}

// Spring's container stopping during a retry backoff: the records from the one being retried on are not
// processed, and each partition's position goes back to its first such record (a seek), so that the final
// commit covers only what was done.
void ConsumerInstance::abandon_batch(Time now) {
  give_back_retries(now);
  std::vector<Delivery> const& batch = pipeline_.batch();
  for (std::size_t i = pipeline_.next(); i < batch.size(); ++i) {
    if (batch[i].retry) continue;
    PartitionState& partition = partitions_[batch[i].source];
    if (batch[i].position < partition.position) {
      partition.position = batch[i].position;
      partition.position_epoch = -1;  // A seek carries no epoch: the next fetch is not validated.
    }
    partition.buffer.clear();
    partition.buffer_read = 0;
    std::erase(ready_, batch[i].source);
  }
  pipeline_.abandon();
  loop_ = Loop::idle;
}

void ConsumerInstance::drop_assignment() {
  membership_ = Membership::joining;
  ++assignment_serial_;
  for (PartitionState& partition : partitions_) {
    partition.assigned = false;
    partition.fetch_correlation = 0;
    partition.buffer.clear();
    partition.buffer_read = 0;
    partition.commit_pending = false;
  }
  ready_.clear();
  pipeline_.clear();
  commit_.id = 0;
  retry_wakeup_ = kNever;  // Its wake-ups carry the old assignment serial.
}

// --- Fetching ----------------------------------------------------------------------------------------

// One fetch in flight per assigned partition, and only once its buffered records are all handed out.
void ConsumerInstance::maybe_fetch(sim::Simulation& simulation, std::size_t p) {
  PartitionState& partition = partitions_[p];
  if (!partition.assigned || partition.fetch_correlation != 0 || partition.buffer_read < partition.buffer.size()) return;
  int const leader = cluster_.partition_leader(global(p));
  if (leader == kNoLeader) {
    partition.fetch_correlation = kFetchBackingOff;
    schedule_self(simulation, kRetryBackoff, kFetchRetry, p, assignment_serial_);
    return;
  }
  partition.fetch_correlation = next_correlation_++;
  partition.fetch_broker = leader;
  Network& net = network();
  EnvelopeId const envelope_id = net.acquire(MessageType::fetch_request, id(), cluster_.broker_node(leader));
  Envelope& request = net.envelope<Envelope>(envelope_id);
  request.partition = global(p);
  request.correlation = partition.fetch_correlation;
  request.offset = partition.position;
  request.last_epoch = partition.position_epoch;
  request.value = kFetchRecordsMax;
  net.send(simulation, envelope_id);
  partition.fetch_timeout = schedule_self(simulation, kFetchRequestTimeout, kFetchTimeout, p, partition.fetch_correlation);
}

void ConsumerInstance::on_fetch_response(sim::Simulation& simulation, Envelope const& response) {
  if (response.partition < first_partition_ || response.partition - first_partition_ >= partitions_.size()) return;
  std::size_t const p = response.partition - first_partition_;
  PartitionState& partition = partitions_[p];
  if (!partition.assigned || response.correlation != partition.fetch_correlation) return;  // Stale.
  partition.fetch_correlation = 0;
  simulation.cancel(partition.fetch_timeout);
  switch (response.error) {
    case ErrorCode::none:
      if (response.offset != partition.position || response.entries.empty()) {
        maybe_fetch(simulation, p);  // The long poll expired empty.
        return;
      }
      partition.buffer.assign(response.entries.begin(), response.entries.end());
      partition.buffer_read = 0;
      ready_.push_back(static_cast<std::uint32_t>(p));
      if (loop_ == Loop::idle) poll(simulation);
      return;
    case ErrorCode::diverging_epoch:
      // KIP-320: the log was truncated below the position (an unclean election, or records the new leader
      // never had): the consumer resets to where its last epoch ends on the leader, so that the records
      // appended there since are consumed, not skipped.
      partition.position = std::min(partition.position, response.offset);
      partition.position_epoch = response.last_epoch;
      ++group_truth().truncations_detected;
      maybe_fetch(simulation, p);
      return;
    case ErrorCode::offset_out_of_range:
      // auto.offset.reset=earliest: start over from the beginning of the log (reprocessing, as Kafka).
      partition.position = 0;
      partition.position_epoch = -1;
      maybe_fetch(simulation, p);
      return;
    default:
      // not_leader and the like: metadata is read again when the backoff ends.
      partition.fetch_correlation = kFetchBackingOff;
      schedule_self(simulation, kRetryBackoff, kFetchRetry, p, assignment_serial_);
      return;
  }
}

// --- The poll loop -----------------------------------------------------------------------------------

void ConsumerInstance::schedule_poll(sim::Simulation& simulation) {
  loop_ = Loop::poll_scheduled;
  schedule_self(simulation, 0, kPoll);
}

// KafkaConsumer.poll: a pending rebalance first; then up to max_poll_records buffered records.
void ConsumerInstance::poll(sim::Simulation& simulation) {
  loop_ = Loop::idle;
  if (leaving_) {
    close(simulation);
    return;
  }
  if (membership_ != Membership::stable) return;
  if (rejoin_needed_) {
    revoke_and_rejoin(simulation);
    return;
  }
  take_records(simulation);
  if (pipeline_.empty()) return;  // Idle until a fetch brings records.
  if (config_.commit == CommitMode::before_processing && start_commit(simulation, true, AfterCommit::process_batch)) {
    loop_ = Loop::committing;
    return;
  }
  process_batch(simulation);
}

void ConsumerInstance::take_records(sim::Simulation& simulation) {
  pipeline_.begin_batch();
  std::vector<Delivery> const& batch = pipeline_.batch();
  auto const records_max = static_cast<std::size_t>(config_.max_poll_records);
  // Records of the retry topics whose backoff is over come first (Spring polls them in their own
  // containers; here they share the one processing thread).
  if (config_.on_failure.non_blocking) {
    for (std::size_t p = 0; p < partitions_.size() && batch.size() < records_max; ++p) {
      if (!partitions_[p].assigned) continue;
      GroupCoordinator::PendingRetry retry;
      while (batch.size() < records_max && coordinator_.take_due_retry(global(p), simulation.now(), retry)) {
        pipeline_.add(Delivery{static_cast<std::uint32_t>(p), retry.message, retry.offset, true, retry.failed_attempts,
                               retry.previous_backoff});
        truth_.tracer.record(simulation.now(), retry.message, id(), TraceKind::delivered, retry.offset);
        group_truth().record_delivery(pipeline_.subject(retry.message));
      }
    }
    wake_for_retries(simulation);
  }
  while (batch.size() < records_max && !ready_.empty()) {
    std::uint32_t const p = ready_.front();
    PartitionState& partition = partitions_[p];
    while (partition.buffer_read < partition.buffer.size() && batch.size() < records_max) {
      LogEntry const entry = partition.buffer[partition.buffer_read++];
      std::int64_t const offset = partition.position++;
      partition.position_epoch = static_cast<std::int32_t>(entry.epoch);
      pipeline_.add(Delivery{p, entry.message, offset});
      truth_.tracer.record(simulation.now(), entry.message, id(), TraceKind::delivered, offset);
      group_truth().record_delivery(pipeline_.subject(entry.message));
      if (coordinator_.note_handed(global(p), offset)) ++group_truth().redeliveries;
    }
    if (partition.buffer_read < partition.buffer.size()) break;
    partition.buffer.clear();
    partition.buffer_read = 0;
    ready_.erase(ready_.begin());
    maybe_fetch(simulation, p);
  }
}

// The application processes the batch (it calls on_batch_processed when done).
void ConsumerInstance::process_batch(sim::Simulation& simulation) {
  loop_ = Loop::processing;
  pipeline_.process(simulation);
}

// Spring's @RetryableTopic: the failed record is published to the next retry topic, to be consumed again
// once its backoff has passed; after the last attempt, the dead-letter topic (or nothing, with skip).
void ConsumerInstance::retry_later(sim::Simulation& simulation, Delivery const& record) {
  auto const failed = static_cast<std::uint16_t>(record.failed_attempts + 1);
  if (failed >= config_.on_failure.max_attempts) {
    if (config_.on_failure.then == AfterFailure::dead_letter) dead_letter(simulation, record);
    return;
  }
  Time const delay = model::backoff_delay(config_.on_failure.backoff, failed, record.previous_backoff, random_);
  coordinator_.schedule_retry(global(record.source),
                              GroupCoordinator::PendingRetry{simulation.now() + delay, 0, record.message, record.position, failed, delay});
  wake_for_retries(simulation);
}

// Schedules a wake-up for the earliest retry due on the assigned partitions, unless one comes sooner.
void ConsumerInstance::wake_for_retries(sim::Simulation& simulation) {
  if (!config_.on_failure.non_blocking || membership_ != Membership::stable) return;
  Time earliest = kNever;
  for (std::size_t p = 0; p < partitions_.size(); ++p) {
    if (!partitions_[p].assigned) continue;
    Time const due = coordinator_.next_retry_due(global(p));
    if (due != kNever && (earliest == kNever || due < earliest)) earliest = due;
  }
  if (earliest == kNever || (retry_wakeup_ != kNever && retry_wakeup_ <= earliest)) return;
  retry_wakeup_ = std::max(earliest, simulation.now());
  schedule_self(simulation, retry_wakeup_ - simulation.now(), kRetryDue, assignment_serial_);
}

// Retries taken into the batch but not processed go back to the retry topics, due at once: their
// offsets there were never committed.
void ConsumerInstance::give_back_retries(Time now) {
  std::vector<Delivery> const& batch = pipeline_.batch();
  for (std::size_t i = pipeline_.next(); i < batch.size(); ++i) {
    Delivery const& record = batch[i];
    if (!record.retry) continue;
    coordinator_.schedule_retry(global(record.source), GroupCoordinator::PendingRetry{now, 0, record.message, record.position,
                                                                                     record.failed_attempts, record.previous_backoff});
  }
}

// Spring's DeadLetterPublishingRecoverer: the record goes to the group's dead-letter topic.
void ConsumerInstance::dead_letter(sim::Simulation& simulation, Delivery const& record) {
  group_truth().set(pipeline_.subject(record.message), GroupTruth::kDeadLettered);
  if (dead_letter_ != nullptr) {
    Time const timestamp = truth_.tracks_timestamps ? truth_.timestamps[record.message] : 0;
    dead_letter_->emit(simulation, truth_.messages[record.message].key, record.message, timestamp);
  }
}

void ConsumerInstance::on_batch_processed(sim::Simulation& simulation) {
  if (config_.commit == CommitMode::after_processing && start_commit(simulation, true, AfterCommit::poll)) {
    loop_ = Loop::committing;
    return;
  }
  schedule_poll(simulation);
}

// Traces a commit of `committed` on local partition `p`, as sent, for the watched records of the batch.
void ConsumerInstance::trace_commit(sim::Simulation& simulation, std::uint32_t p, std::int64_t committed) {
  for (Delivery const& record : pipeline_.batch()) {
    if (record.source == p && record.position < committed) {
      truth_.tracer.record(simulation.now(), record.message, id(), TraceKind::committed, committed);
    }
  }
}

// --- Commits -----------------------------------------------------------------------------------------

// Commits the position of every assigned partition that moved since its last known commit. Returns
// false when there is nothing to commit (the continuation is then the caller's). A sync commit holds
// the poll loop until it completes; an async one (auto-commit) does not, and a new round supersedes it.
bool ConsumerInstance::start_commit(sim::Simulation& simulation, bool sync, AfterCommit then) {
  commit_ = CommitRound{};
  int pending = 0;
  for (PartitionState& partition : partitions_) {
    partition.commit_pending = partition.assigned && partition.position != partition.committed;
    partition.commit_offset = partition.position;
    partition.commit_epoch = partition.position_epoch;
    if (partition.commit_pending) ++pending;
  }
  if (pending == 0) return false;
  if (truth_.tracer.active()) {
    for (std::size_t p = 0; p < partitions_.size(); ++p) {
      if (partitions_[p].commit_pending) trace_commit(simulation, static_cast<std::uint32_t>(p), partitions_[p].commit_offset);
    }
  }
  commit_.id = next_correlation_++;
  commit_.sync = sync;
  commit_.then = then;
  commit_.pending = pending;
  commit_.started_at = simulation.now();
  send_pending_commits(simulation);
  if (sync) commit_.timeout = schedule_self(simulation, kCommitRequestTimeout, kCommitTimeout, commit_.id);
  return true;
}

void ConsumerInstance::send_pending_commits(sim::Simulation& simulation) {
  commit_.resend_scheduled = false;
  commit_.broker = cluster_.coordinator_broker(group_);
  if (commit_.broker == kNoLeader) return;  // The timeout sends again.
  for (std::size_t p = 0; p < partitions_.size(); ++p) {
    PartitionState const& partition = partitions_[p];
    if (!partition.commit_pending) continue;
    send_group_request(simulation, MessageType::commit_offsets, commit_.broker, commit_.id, global(p),
                       partition.commit_offset, partition.commit_epoch);
  }
}

void ConsumerInstance::on_commit_response(sim::Simulation& simulation, Envelope const& response) {
  if (commit_.id == 0 || response.correlation != commit_.id) return;
  BROKERSIM_ASSERT(response.partition >= first_partition_ && response.partition - first_partition_ < partitions_.size());
  PartitionState& partition = partitions_[response.partition - first_partition_];
  if (!partition.commit_pending) return;  // An answer to a resent request.
  if (response.error == ErrorCode::coordinator_not_available && commit_.sync) {
    if (!commit_.resend_scheduled) schedule_self(simulation, kRetryBackoff, kCommitResend, commit_.id);
    commit_.resend_scheduled = true;
    return;
  }
  partition.commit_pending = false;
  --commit_.pending;
  if (response.error == ErrorCode::none) {
    partition.committed = partition.commit_offset;

  } else {
    commit_.failed = true;
  }
  if (commit_.pending == 0) finish_commit(simulation);
}

void ConsumerInstance::on_commit_timeout(sim::Simulation& simulation, std::uint64_t round) {
  if (round != commit_.id) return;
  if (simulation.now() - commit_.started_at < kCommitTimeoutTotal) {
    send_pending_commits(simulation);
    commit_.timeout = schedule_self(simulation, kCommitRequestTimeout, kCommitTimeout, round);
    return;
  }
  // TimeoutException: treated like a refused commit.
  for (PartitionState& partition : partitions_) partition.commit_pending = false;
  commit_.failed = true;
  finish_commit(simulation);
}

// A refused sync commit is Kafka's CommitFailedException: the member has left the generation, so it
// rejoins; a batch whose commit-before-processing failed is not processed.
void ConsumerInstance::finish_commit(sim::Simulation& simulation) {
  CommitRound const round = commit_;
  commit_.id = 0;
  simulation.cancel(round.timeout);  // Its answers came (or it timed out: then it is the event running).
  if (!round.sync) return;  // Async: a failure is only logged; the heartbeat tells of rebalances.
  if (round.failed) rejoin_needed_ = true;
  switch (round.then) {
    case AfterCommit::process_batch:
      if (round.failed) {
        give_back_retries(simulation.now());
        pipeline_.clear();
        schedule_poll(simulation);
        return;
      }
      process_batch(simulation);
      return;
    case AfterCommit::poll:
      schedule_poll(simulation);
      return;
    case AfterCommit::rejoin:
      loop_ = Loop::idle;
      drop_assignment();
      if (leaving_) {
        stop(simulation);
        return;
      }
      send_join(simulation);
      return;
    case AfterCommit::leave:
      loop_ = Loop::idle;
      stop(simulation);
      return;
  }
}

}  // namespace brokersim::model
