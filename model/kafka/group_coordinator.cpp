#include "model/kafka/group_coordinator.h"

#include <algorithm>

#include "sim/assert.h"

namespace brokersim::model {

namespace {

// Kafka's defaults for what the scenario format does not expose.
constexpr Time kInitialRebalanceDelay = 3000 * sim::kMicrosPerMilli;  // group.initial.rebalance.delay.ms
constexpr Time kLagSampleInterval = sim::kMicrosPerSecond;
// A paused host runs no timers; they look again this often until the pause ends.
constexpr Time kPausedRecheck = 10 * sim::kMicrosPerMilli;

MessageType response_type(MessageType request) {
  switch (request) {
    case MessageType::join_group:
      return MessageType::join_response;
    case MessageType::heartbeat:
      return MessageType::heartbeat_response;
    case MessageType::commit_offsets:
      return MessageType::commit_response;
    default:
      BROKERSIM_ASSERT(false);
      return MessageType::commit_response;
  }
}

}  // namespace

GroupCoordinator::GroupCoordinator(ConsumerGroupConfig const& config, std::uint32_t group,
                                   std::uint32_t first_partition, int partitions, ClusterView const& cluster,
                                   Network& network, GroundTruth& truth)
    : config_(config),
      group_(group),
      first_partition_(first_partition),
      partitions_(partitions),
      cluster_(cluster),
      network_(network),
      truth_(truth),
      expected_members_(config.instances) {
  BROKERSIM_ASSERT(partitions > 0);
  BROKERSIM_ASSERT(group < truth.groups.size());
  auto const count = static_cast<std::size_t>(partitions);
  owners_.assign(count, kNoMember);
  committed_.assign(count, 0);
  committed_epoch_.assign(count, -1);
  handed_end_.assign(count, 0);
  log_end_seen_.assign(count, 0);
  retries_.resize(count);
}

void GroupCoordinator::start(sim::Simulation& simulation) {
  self_ = simulation.add_actor(this);
  host_ = cluster_.coordinator_broker(group_);
  simulation.schedule(kLagSampleInterval, self_, kLagTick);
}

std::size_t GroupCoordinator::local(std::uint32_t partition) const {
  BROKERSIM_ASSERT(partition >= first_partition_);
  BROKERSIM_ASSERT(partition < first_partition_ + static_cast<std::uint32_t>(partitions_));
  return partition - first_partition_;
}

GroupCoordinator::Member* GroupCoordinator::find(std::uint64_t id) {
  auto found = std::lower_bound(members_.begin(), members_.end(), id,
                                [](Member const& member, std::uint64_t key) { return member.id < key; });
  return found != members_.end() && found->id == id ? &*found : nullptr;
}

GroupCoordinator::Member& GroupCoordinator::insert(std::uint64_t id) {
  auto at = std::lower_bound(members_.begin(), members_.end(), id,
                             [](Member const& member, std::uint64_t key) { return member.id < key; });
  BROKERSIM_ASSERT(at == members_.end() || at->id != id);
  Member member;
  member.id = id;
  return *members_.insert(at, member);
}

void GroupCoordinator::remove(std::uint64_t id) {
  Member const* member = find(id);
  BROKERSIM_ASSERT(member != nullptr);
  members_.erase(members_.begin() + (member - members_.data()));
}

bool GroupCoordinator::host_paused(sim::Simulation const& simulation) const {
  return host_ != kNoLeader && network_.node(cluster_.broker_node(host_)).paused(simulation.now());
}

// --- Requests ----------------------------------------------------------------------------------------

void GroupCoordinator::on_group_message(sim::Simulation& simulation, Envelope const& envelope, int broker) {
  int const coordinator = cluster_.coordinator_broker(group_);
  if (broker != coordinator) {
    // NOT_COORDINATOR: the member looks the coordinator up again and retries there. A member that left
    // has stopped: nobody awaits an answer, and its session expires where the group is.
    if (envelope.type == MessageType::leave_group) return;
    respond(simulation, envelope, cluster_.broker_node(broker), ErrorCode::coordinator_not_available);
    return;
  }
  if (broker != host_) {
    // The coordinator moved (its broker died or was fenced): the new one starts with no members.
    drop_membership();
    host_ = broker;
  }
  switch (envelope.type) {
    case MessageType::join_group:
      on_join(simulation, envelope);
      return;
    case MessageType::heartbeat:
      on_heartbeat(simulation, envelope);
      return;
    case MessageType::commit_offsets:
      on_commit(simulation, envelope);
      return;
    case MessageType::leave_group:
      on_leave(simulation, envelope);
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void GroupCoordinator::on_broker_crashed(sim::Simulation&, int broker) {
  if (broker == host_) drop_membership();
}

void GroupCoordinator::drop_membership() {
  members_.clear();
  std::fill(owners_.begin(), owners_.end(), kNoMember);
  state_ = State::empty;
  initial_delay_ = false;
  ++life_;
}

void GroupCoordinator::on_join(sim::Simulation& simulation, Envelope const& request) {
  Member* member = find(request.value);
  bool const known = member != nullptr;
  if (!known) member = &insert(request.value);
  member->node = request.from;
  member->join_correlation = request.correlation;
  member->expires_at = simulation.now() + config_.session_timeout;
  if (state_ == State::stable && known && member->in_generation) {
    // A member of the current generation that missed its join response: answer again, no rebalance.
    member->awaiting_join = false;
    arm_session(simulation, *member);
    send_join_response(simulation, *member);
    return;
  }
  member->awaiting_join = true;
  if (state_ != State::preparing_rebalance) {
    begin_rebalance(simulation, state_ == State::empty);
  } else if (initial_delay_ && !known) {
    // Each new member of a forming group extends the initial delay, up to the rebalance timeout.
    Time const until = std::min(simulation.now() + kInitialRebalanceDelay, rebalance_started_at_ + config_.session_timeout);
    if (until > rebalance_deadline_) arm_rebalance_deadline(simulation, until);
  }
  maybe_complete_rebalance(simulation);
}

void GroupCoordinator::on_heartbeat(sim::Simulation& simulation, Envelope const& request) {
  NodeId const from = cluster_.broker_node(host_);
  Member* member = find(request.value);
  if (member == nullptr) {
    respond(simulation, request, from, ErrorCode::unknown_member);
    return;
  }
  member->expires_at = simulation.now() + config_.session_timeout;
  arm_session(simulation, *member);
  ErrorCode error = ErrorCode::none;
  if (state_ == State::preparing_rebalance) {
    error = ErrorCode::rebalance_in_progress;
  } else if (request.epoch != generation_ || !member->in_generation) {
    error = ErrorCode::illegal_generation;
  }
  respond(simulation, request, from, error);
}

// LeaveGroup: the member is gone at once, and the others rebalance without waiting out its session.
void GroupCoordinator::on_leave(sim::Simulation& simulation, Envelope const& request) {
  if (find(request.value) == nullptr) return;
  remove(request.value);
  ++truth_.groups[group_].members_left;
  if (state_ == State::stable) begin_rebalance(simulation, false);
  maybe_complete_rebalance(simulation);
}

// Kafka accepts a commit from a member of the current generation while the group is stable or preparing
// a rebalance (which is how members commit before they rejoin). Kafka does not check ownership; here the
// member must also own the partition in that generation (it always does, unless it is a zombie).
void GroupCoordinator::on_commit(sim::Simulation& simulation, Envelope const& request) {
  NodeId const from = cluster_.broker_node(host_);
  std::size_t const p = local(request.partition);
  Member* member = find(request.value);
  ErrorCode error = ErrorCode::none;
  if (member == nullptr) {
    error = ErrorCode::unknown_member;
  } else if (request.epoch != generation_ || !member->in_generation || owners_[p] != member->id) {
    error = ErrorCode::illegal_generation;
  }
  if (error == ErrorCode::none) {
    BROKERSIM_ASSERT(request.offset >= 0);
    // Between commits the lag only grows (log ends advance), so its highest value is seen just before a
    // commit lowers it.
    observe_lag();
    committed_[p] = request.offset;
    committed_epoch_[p] = request.last_epoch;
    check_committed_within_log(p);
    // As in Kafka, a commit also counts as a sign of life.
    member->expires_at = simulation.now() + config_.session_timeout;
    arm_session(simulation, *member);
  }
  respond(simulation, request, from, error);
}

void GroupCoordinator::respond(sim::Simulation& simulation, Envelope const& request, NodeId from, ErrorCode error) {
  EnvelopeId const id = network_.acquire(response_type(request.type), from, request.from);
  Envelope& response = network_.envelope<Envelope>(id);
  response.error = error;
  response.correlation = request.correlation;
  response.partition = request.partition;
  response.epoch = request.epoch;
  response.offset = request.offset;
  response.value = request.value;
  network_.send(simulation, id);
}

void GroupCoordinator::send_join_response(sim::Simulation& simulation, Member const& member) {
  EnvelopeId const id = network_.acquire(MessageType::join_response, cluster_.broker_node(host_), member.node);
  Envelope& response = network_.envelope<Envelope>(id);
  response.correlation = member.join_correlation;
  response.epoch = generation_;
  response.value = member.id;
  for (std::size_t p = 0; p < owners_.size(); ++p) {
    if (owners_[p] == member.id) response.entries.push_back(LogEntry{first_partition_ + static_cast<std::uint32_t>(p), 0});
  }
  network_.send(simulation, id);
}

// --- Rebalance ---------------------------------------------------------------------------------------

void GroupCoordinator::begin_rebalance(sim::Simulation& simulation, bool from_empty) {
  BROKERSIM_ASSERT(state_ != State::preparing_rebalance);
  state_ = State::preparing_rebalance;
  initial_delay_ = from_empty;
  rebalance_started_at_ = simulation.now();
  arm_rebalance_deadline(simulation, simulation.now() + (from_empty ? kInitialRebalanceDelay : config_.session_timeout));
}

void GroupCoordinator::arm_rebalance_deadline(sim::Simulation& simulation, Time at) {
  rebalance_deadline_ = at;
  ++rebalance_serial_;
  simulation.schedule_at(at, self_, encode(kRebalanceDeadline), rebalance_serial_);
}

// The rebalance completes once every member has rejoined; a group forming from empty also waits for the
// deployed number of members (or its initial delay).
void GroupCoordinator::maybe_complete_rebalance(sim::Simulation& simulation) {
  if (state_ != State::preparing_rebalance) return;
  for (Member const& member : members_) {
    if (!member.awaiting_join) return;
  }
  if (initial_delay_ && members_.size() < static_cast<std::size_t>(expected_members_)) return;
  complete_rebalance(simulation);
}

void GroupCoordinator::on_rebalance_deadline(sim::Simulation& simulation, std::uint64_t serial) {
  if (serial != rebalance_serial_ || state_ != State::preparing_rebalance) return;
  if (host_paused(simulation)) {
    simulation.schedule(kPausedRecheck, self_, encode(kRebalanceDeadline), serial);
    return;
  }
  // Members that did not rejoin within the rebalance timeout are dropped from the group.
  std::erase_if(members_, [](Member const& member) { return !member.awaiting_join; });
  complete_rebalance(simulation);
}

void GroupCoordinator::complete_rebalance(sim::Simulation& simulation) {
  ++generation_;
  initial_delay_ = false;
  if (members_.empty()) {
    state_ = State::empty;
    std::fill(owners_.begin(), owners_.end(), kNoMember);
    return;
  }
  // Previous owners as indexes into the new member list, for the sticky assignor.
  PartitionOwners previous(owners_.size(), kNoOwner);
  for (std::size_t p = 0; p < owners_.size(); ++p) {
    for (std::size_t m = 0; m < members_.size(); ++m) {
      if (members_[m].id == owners_[p]) previous[p] = static_cast<int>(m);
    }
  }
  PartitionOwners const assigned =
      assign_partitions(config_.assignor, static_cast<int>(members_.size()), partitions_, previous);
  for (std::size_t p = 0; p < owners_.size(); ++p) owners_[p] = members_[static_cast<std::size_t>(assigned[p])].id;
  state_ = State::stable;
  for (Member& member : members_) {
    member.awaiting_join = false;
    member.in_generation = true;
    member.expires_at = simulation.now() + config_.session_timeout;
    arm_session(simulation, member);
    send_join_response(simulation, member);
  }
  // The group's first formation is not counted: a rebalance is a change of a formed group.
  if (formed_once_) ++truth_.groups[group_].rebalances;
  formed_once_ = true;
}

// --- Sessions ----------------------------------------------------------------------------------------

void GroupCoordinator::arm_session(sim::Simulation& simulation, Member& member) {
  // Sessions only move later. An expiry armed before for an earlier time would find the session renewed
  // and do nothing: drop it. One armed for this very time (several requests in one microsecond) already
  // does what a second one would, and runs first: keep it alone.
  if (member.expiry_at == member.expires_at && simulation.pending_event(member.expiry)) return;
  if (member.expiry_at < member.expires_at) simulation.cancel(member.expiry);
  member.expiry = simulation.schedule_at(member.expires_at, self_, encode(kSessionExpiry), member.id);
  member.expiry_at = member.expires_at;
}

void GroupCoordinator::on_session_expiry(sim::Simulation& simulation, std::uint64_t id) {
  Member const* member = find(id);
  if (member == nullptr || simulation.now() < member->expires_at) return;  // Renewed since.
  if (host_paused(simulation)) {
    simulation.schedule(kPausedRecheck, self_, encode(kSessionExpiry), id);
    return;
  }
  // A member that has rejoined is waiting for the rebalance, which ends by its own deadline.
  if (state_ == State::preparing_rebalance && member->awaiting_join) return;
  remove(id);
  if (state_ == State::stable) {
    begin_rebalance(simulation, false);
  }
  maybe_complete_rebalance(simulation);
}

// --- Retry topics ----------------------------------------------------------------------------------

void GroupCoordinator::schedule_retry(std::uint32_t partition, PendingRetry retry) {
  retry.order = retry_order_++;
  retries_[local(partition)].insert(retry);
  ++retries_pending_;
}

bool GroupCoordinator::take_due_retry(std::uint32_t partition, Time now, PendingRetry& retry) {
  auto& pending = retries_[local(partition)];
  if (pending.empty() || pending.begin()->due > now) return false;
  retry = *pending.begin();
  pending.erase(pending.begin());
  --retries_pending_;
  return true;
}

Time GroupCoordinator::next_retry_due(std::uint32_t partition) const {
  auto const& pending = retries_[local(partition)];
  return pending.empty() ? kNever : pending.begin()->due;
}

std::vector<std::uint32_t> GroupCoordinator::pending_retry_messages() const {
  std::vector<std::uint32_t> messages;
  for (auto const& pending : retries_) {
    for (PendingRetry const& retry : pending) messages.push_back(retry.message);
  }
  return messages;
}

// --- Measurements ------------------------------------------------------------------------------------

bool GroupCoordinator::note_handed(std::uint32_t partition, std::int64_t offset) {
  std::int64_t& end = handed_end_[local(partition)];
  bool const again = offset < end;
  end = std::max(end, offset + 1);
  return again;
}

std::uint64_t GroupCoordinator::observe_lag() {
  std::uint64_t lag = 0;
  for (std::size_t p = 0; p < committed_.size(); ++p) {
    std::int64_t const end = cluster_.log_end(first_partition_ + static_cast<std::uint32_t>(p));
    if (end >= 0) log_end_seen_[p] = end;
    if (log_end_seen_[p] > committed_[p]) lag += static_cast<std::uint64_t>(log_end_seen_[p] - committed_[p]);
    check_committed_within_log(p);
  }
  GroupTruth& truth = truth_.groups[group_];
  truth.max_lag = std::max(truth.max_lag, lag);
  return lag;
}

// Invariant: a committed offset is at most the log end of the partition's leader, since a consumer
// commits positions of records it fetched, below a high watermark, and a leader elected from the ISR
// holds every record below it. Except right after a truncation: when the epoch the leader leads in is
// newer than the epoch of the last record the commit covers (the leader changed since that record was
// appended), the new leader's log may end below the commit — an unclean election, or in-sync replicas
// that lost their unflushed tail in a power loss. The exception lasts until the group commits that
// partition again: its consumer hears of the divergence at its next fetch (KIP-320, or
// OFFSET_OUT_OF_RANGE), resets its position into the new log and commits from there. While no broker
// acts as the leader (offline, or a leader that died — perhaps losing its own tail — and has not been
// replaced or reinstated yet) there is no log to compare with. A commit with no epoch (-1, after a seek)
// is older than every leader epoch.
void GroupCoordinator::check_committed_within_log(std::size_t p) const {
  ClusterView::LeaderLog const log = cluster_.leader_log(first_partition_ + static_cast<std::uint32_t>(p));
  if (log.log_end < 0 || committed_[p] <= log.log_end) return;
  bool const leader_changed_since = committed_epoch_[p] < static_cast<std::int64_t>(log.leader_epoch);
  BROKERSIM_ASSERT(leader_changed_since);
}

void GroupCoordinator::sample_lag(sim::Simulation& simulation) {
  truth_.groups[group_].lag_samples.push_back(observe_lag());
  simulation.schedule(kLagSampleInterval, self_, kLagTick);
}

void GroupCoordinator::on_event(sim::Simulation& simulation, sim::Event const& event) {
  auto const type = static_cast<EventType>(event.kind & 0xFF);
  if (type == kLagTick) {
    sample_lag(simulation);
    return;
  }
  if ((event.kind >> 8) != (life_ & 0xFFFFFF)) return;  // A timer of a membership since lost.
  switch (type) {
    case kSessionExpiry:
      on_session_expiry(simulation, event.arg0);
      return;
    case kRebalanceDeadline:
      on_rebalance_deadline(simulation, event.arg0);
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

}  // namespace brokersim::model
