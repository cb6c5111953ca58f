#include "model/kafka/broker.h"

#include <algorithm>

#include "model/core/network.h"
#include "model/kafka/controller.h"
#include "sim/assert.h"

namespace brokersim::model {

namespace {

// Kafka's defaults for what the scenario format does not expose.
constexpr Time kReplicaFetchWaitMax = 500 * sim::kMicrosPerMilli;    // replica.fetch.wait.max.ms
constexpr Time kConsumerFetchWaitMax = 500 * sim::kMicrosPerMilli;   // fetch.max.wait.ms
constexpr Time kReplicaFetchBackoff = 1000 * sim::kMicrosPerMilli;   // replica.fetch.backoff.ms
constexpr Time kReplicaSocketTimeout = 30000 * sim::kMicrosPerMilli; // replica.socket.timeout.ms
constexpr std::uint64_t kFollowerFetchRecordsMax = 2000;             // Stands for replica.fetch.max.bytes.
// Linux writes dirty pages back every 5 s once they are 30 s old (dirty_writeback/dirty_expire).
constexpr Time kWritebackInterval = 5000 * sim::kMicrosPerMilli;

bool contains(std::vector<int> const& set, int value) { return std::find(set.begin(), set.end(), value) != set.end(); }

}  // namespace

Broker::Broker(int index, WorldConfig const& config, Controller& controller, GroundTruth& truth, std::size_t producers)
    : Node(static_cast<NodeId>(index), NodeKind::broker),
      index_(index),
      config_(config),
      controller_(controller),
      truth_(truth),
      producer_count_(producers) {
  fetchers_.resize(static_cast<std::size_t>(config.brokers.count));
  replica_of_partition_.assign(controller.partition_count(), -1);
  for (std::uint32_t p = 0; p < controller.partition_count(); ++p) {
    if (!contains(controller.partition(p).replicas, index)) continue;
    replica_of_partition_[p] = static_cast<std::int32_t>(replicas_.size());
    Replica replica;
    replica.partition = p;
    replica.producers.resize(producers);
    replicas_.push_back(std::move(replica));
  }
}

// The idempotence state of producer `producer` here; producers that appear later (a consumer's embedded
// producer) get theirs on first use.
Replica::ProducerState& Broker::producer_state(Replica& replica, std::uint32_t producer) {
  if (producer >= replica.producers.size()) replica.producers.resize(producer + 1);
  return replica.producers[producer];
}

std::uint32_t Replica::epoch_at(std::int64_t offset) const {
  auto const run = std::upper_bound(epoch_starts.begin(), epoch_starts.end(), offset,
                                    [](std::int64_t o, auto const& start) { return o < start.second; });
  BROKERSIM_ASSERT(run != epoch_starts.begin());
  return std::prev(run)->first;
}

void Broker::reserve_logs(std::vector<std::size_t> const& records) {
  for (Replica& replica : replicas_) replica.log.reserve(records[replica.partition]);
}

Replica* Broker::find(std::uint32_t partition) {
  if (partition >= replica_of_partition_.size() || replica_of_partition_[partition] < 0) return nullptr;
  return &replicas_[static_cast<std::size_t>(replica_of_partition_[partition])];
}

Replica const* Broker::replica(std::uint32_t partition) const {
  if (partition >= replica_of_partition_.size() || replica_of_partition_[partition] < 0) return nullptr;
  return &replicas_[static_cast<std::size_t>(replica_of_partition_[partition])];
}

std::int64_t Broker::log_end(std::uint32_t partition) const {
  Replica const* found = replica(partition);
  return found ? found->log_end() : 0;
}

void Broker::start(sim::Simulation& simulation) {
  for (Replica& replica : replicas_) apply_metadata(simulation, replica.partition);
  start_timers(simulation);
}

void Broker::start_timers(sim::Simulation& simulation) {
  schedule_self(simulation, config_.brokers.replica_lag_time_max / 2, kIsrCheck);
  schedule_self(simulation, config_.brokers.flush_interval.value_or(kWritebackInterval), kFlush);
}

void Broker::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t arg1) {
  auto const partition = static_cast<std::uint32_t>(arg0);
  switch (type) {
    case kMetadataType:
      apply_metadata(simulation, partition);
      return;
    case kFetchExpiry: {
      Replica* replica = find(partition);
      if (replica == nullptr) return;
      auto& parked = replica->parked_fetches;
      auto const found = std::find_if(parked.begin(), parked.end(), [&](auto const& f) { return f.serial == arg1; });
      if (found == parked.end()) return;
      Replica::ParkedFetch const fetch = *found;
      parked.erase(found);
      respond_fetch(simulation, *replica, fetch.from, fetch.correlation, fetch.offset, fetch.max_records, ErrorCode::none);
      return;
    }
    case kFollowerFetchExpiry: {
      auto& parked = parked_follower_fetches_;
      auto const found = std::find_if(parked.begin(), parked.end(), [&](auto const& f) { return f.serial == arg1; });
      if (found != parked.end()) answer_parked_follower_fetch(simulation, static_cast<std::size_t>(found - parked.begin()));
      return;
    }
    case kFollowerFetch:
      send_follower_fetch(simulation, static_cast<int>(arg0));
      return;
    case kFetchTimeout:
      if (Fetcher& fetcher = fetchers_[arg0]; fetcher.correlation == arg1) {
        fetcher.correlation = 0;
        send_follower_fetch(simulation, static_cast<int>(arg0));
      }
      return;
    case kIsrCheck:
      check_isr(simulation);
      schedule_self(simulation, config_.brokers.replica_lag_time_max / 2, kIsrCheck);
      return;
    case kFlush:
      flush(simulation);
      schedule_self(simulation, config_.brokers.flush_interval.value_or(kWritebackInterval), kFlush);
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void Broker::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  Envelope const& envelope = as_kafka(header);
  if (envelope.reset) {
    if (envelope.type == MessageType::fetch_request) on_fetch_response(simulation, envelope);
    return;
  }
  switch (envelope.type) {
    case MessageType::produce_request:
      on_produce(simulation, envelope);
      return;
    case MessageType::fetch_request:
      on_fetch(simulation, envelope);
      return;
    case MessageType::fetch_response:
      on_fetch_response(simulation, envelope);
      return;
    case MessageType::join_group:
    case MessageType::heartbeat:
    case MessageType::commit_offsets:
    case MessageType::leave_group:
      if (group_sink_ != nullptr) group_sink_->on_group_message(simulation, envelope, index_);
      return;
    default:
      return;  // Nothing else is addressed to brokers.
  }
}

// --- Roles -------------------------------------------------------------------------------------------

void Broker::apply_metadata(sim::Simulation& simulation, std::uint32_t partition) {
  Replica* replica = find(partition);
  if (replica == nullptr) return;
  PartitionState const& state = controller_.partition(partition);
  if (state.leader_epoch < replica->leader_epoch) return;  // Stale news.
  // Restarted before the failover: metadata sent meanwhile (an ISR change) still names it leader in the
  // epoch it held before it died, perhaps with a log that lost its unflushed tail. It waits for the
  // failover's new epoch.
  if (state.leader == index_ && static_cast<std::int64_t>(state.leader_epoch) <= replica->epoch_at_crash) return;
  if (state.leader == index_) {
    if (!replica->leader || state.leader_epoch != replica->leader_epoch) become_leader(simulation, *replica, state);
    else replica->isr = state.isr;  // An ISR change the controller made (a fenced broker removed).
    advance_high_watermark(simulation, *replica);
    return;
  }
  become_follower(simulation, *replica, state);
}

void Broker::become_leader(sim::Simulation& simulation, Replica& replica, PartitionState const& state) {
  replica.leader = true;
  replica.leader_broker = index_;
  replica.leader_epoch = state.leader_epoch;
  replica.isr = state.isr;
  replica.followers.clear();
  for (int broker : state.replicas) {
    if (broker == index_) continue;
    // Followers start caught up (Kafka resets lastCaughtUpTime for the ISR on a leader change); their
    // log end is unknown until they fetch, which holds the high watermark where it is.
    replica.followers.push_back(Replica::Follower{broker, 0, 0, simulation.now(), simulation.now()});
  }
}

void Broker::become_follower(sim::Simulation& simulation, Replica& replica, PartitionState const& state) {
  bool const news = replica.leader || state.leader != replica.leader_broker || state.leader_epoch != replica.leader_epoch;
  if (replica.leader) abandon_leadership(simulation, replica);
  replica.leader_epoch = state.leader_epoch;
  replica.leader_broker = state.leader;
  if (!news) return;
  // The partition joins its leader's fetcher at once (answers for it from an earlier leader or epoch
  // are ignored: they echo the epoch they were asked in).
  replica.fetch_delayed_until = 0;
  if (state.leader != kNoLeader) send_follower_fetch(simulation, state.leader);
}

void Broker::abandon_leadership(sim::Simulation& simulation, Replica& replica) {
  replica.leader = false;
  for (auto const& produce : replica.parked_produces) {
    respond_produce(simulation, produce.from, produce.correlation, replica.partition, ErrorCode::not_leader, -1);
  }
  replica.parked_produces.clear();
  for (auto const& fetch : replica.parked_fetches) {
    respond_fetch(simulation, replica, fetch.from, fetch.correlation, fetch.offset, 0, ErrorCode::not_leader);
  }
  replica.parked_fetches.clear();
  serve_parked_follower_fetches(simulation, replica.partition, true);
  replica.followers.clear();
  replica.isr.clear();
}

// --- Produce -----------------------------------------------------------------------------------------

void Broker::on_produce(sim::Simulation& simulation, Envelope const& request) {
  Replica* replica = find(request.partition);
  if (replica == nullptr || !replica->leader) {
    if (request.acks != 0) respond_produce(simulation, request.from, request.correlation, request.partition, ErrorCode::not_leader, -1);
    return;
  }
  TopicConfig const& topic = config_.topics[controller_.partition(request.partition).topic];
  bool const acks_all = request.acks == 2;
  if (acks_all && static_cast<int>(replica->isr.size()) < topic.min_insync_replicas) {
    respond_produce(simulation, request.from, request.correlation, request.partition, ErrorCode::not_enough_replicas, -1);
    return;
  }
  if (request.idempotent && !check_sequence(simulation, *replica, request)) return;
  std::int64_t const base = replica->log_end();
  for (std::size_t i = 0; i < request.entries.size(); ++i) {
    LogEntry const& entry = request.entries[i];
    truth_.tracer.record(simulation.now(), entry.message, id(), TraceKind::appended, replica->log_end(), replica->leader_epoch);
    if (!request.idempotent) {
      append(*replica, entry.message, replica->leader_epoch);
      continue;
    }
    BROKERSIM_ASSERT(request.value < kNoProducer);
    std::uint32_t const sequence = append_idempotent(*replica, entry.message, replica->leader_epoch,
                                                     static_cast<std::uint16_t>(request.value), request.producer_epoch);
    // The log's count is the sequence: the producer's epoch has no gap here (check_sequence).
    BROKERSIM_ASSERT(sequence == request.base_sequence + i);
  }
  serve_parked_fetches(simulation, *replica);
  advance_high_watermark(simulation, *replica);
  if (request.acks == 0) return;
  if (!acks_all || replica->high_watermark >= replica->log_end()) {
    respond_produce(simulation, request.from, request.correlation, request.partition, ErrorCode::none, base);
    return;
  }
  replica->parked_produces.push_back({request.from, request.correlation, base, replica->log_end()});
}

// Kafka's producer-state check for an idempotent batch: a batch at or below the last sequence is a
// duplicate (answered as a success, once its original is committed), one that leaves a gap is out of
// order. Returns true when the batch is to be appended.
bool Broker::check_sequence(sim::Simulation& simulation, Replica& replica, Envelope const& request) {
  BROKERSIM_ASSERT(!request.entries.empty());
  Replica::ProducerState& state = producer_state(replica, static_cast<std::uint32_t>(request.value));
  auto const first_sequence = static_cast<std::int64_t>(request.base_sequence);
  auto const last_sequence = first_sequence + static_cast<std::int64_t>(request.entries.size()) - 1;
  if (request.producer_epoch > state.epoch) state = Replica::ProducerState{request.producer_epoch, -1, -1};
  if (request.producer_epoch < state.epoch) {
    respond_produce(simulation, request.from, request.correlation, request.partition, ErrorCode::out_of_order_sequence, -1);
    return false;
  }
  if (last_sequence <= state.last_sequence) {
    ++truth_.sequence_duplicates;
    std::int64_t const required = state.last_offset + 1;
    if (request.acks != 2 || replica.high_watermark >= required) {
      respond_produce(simulation, request.from, request.correlation, request.partition, ErrorCode::none, -1);
    } else {
      replica.parked_produces.push_back({request.from, request.correlation, -1, required});
    }
    return false;
  }
  if (first_sequence != state.last_sequence + 1) {
    ++truth_.out_of_order_sequences;
    respond_produce(simulation, request.from, request.correlation, request.partition, ErrorCode::out_of_order_sequence, -1);
    return false;
  }
  return true;
}

void Broker::append(Replica& replica, std::uint32_t message, std::uint32_t epoch) {
  if (replica.epoch_starts.empty() || replica.epoch_starts.back().first != epoch) {
    BROKERSIM_ASSERT(replica.epoch_starts.empty() || replica.epoch_starts.back().first < epoch);
    replica.epoch_starts.emplace_back(epoch, replica.log_end());
  }
  replica.log.push_back(message);
  if (!replica.record_producers.empty()) replica.record_producers.push_back(kNoProducer);
}

std::uint32_t Broker::append_idempotent(Replica& replica, std::uint32_t message, std::uint32_t epoch, std::uint16_t producer,
                                        std::uint16_t producer_epoch) {
  auto const offset = static_cast<std::uint32_t>(replica.log_end());
  BROKERSIM_ASSERT(replica.log_end() < INT32_MAX);
  append(replica, message, epoch);
  auto& tags = replica.record_producers;
  if (tags.empty()) {
    tags.reserve(replica.log.capacity());
    tags.resize(replica.log.size(), kNoProducer);
  }
  tags.back() = producer;
  if (producer >= replica.log_producers.size()) replica.log_producers.resize(producer + 1U);
  Replica::LogProducer& in_log = replica.log_producers[producer];
  if (!in_log.seen || in_log.epoch != producer_epoch) {
    // A producer's epochs only grow in a log: a leader refuses older ones, followers copy a leader.
    BROKERSIM_ASSERT(!in_log.seen || in_log.epoch < producer_epoch);
    replica.producer_epochs.push_back(ProducerEpochStart{offset, producer, producer_epoch});
    in_log = Replica::LogProducer{true, producer_epoch, 0};
  }
  std::uint32_t const sequence = in_log.next_sequence++;
  Replica::ProducerState& state = producer_state(replica, producer);
  if (producer_epoch >= state.epoch) state = Replica::ProducerState{producer_epoch, sequence, offset};
  return sequence;
}

void Broker::respond_produce(sim::Simulation& simulation, NodeId to, std::uint64_t correlation, std::uint32_t partition,
                             ErrorCode error, std::int64_t base_offset) {
  Network& net = network();
  EnvelopeId const id = net.acquire(MessageType::produce_response, this->id(), to);
  Envelope& response = net.envelope<Envelope>(id);
  response.correlation = correlation;
  response.partition = partition;
  response.error = error;
  response.offset = base_offset;
  net.send(simulation, id);
}

// --- Fetch (leader side) -----------------------------------------------------------------------------

void Broker::on_fetch(sim::Simulation& simulation, Envelope const& request) {
  if (network().kind(request.from) == NodeKind::broker) {
    on_follower_fetch(simulation, request);
    return;
  }
  Replica* replica = find(request.partition);
  if (replica == nullptr || !replica->leader) {
    respond_fetch_error(simulation, request, ErrorCode::not_leader, request.offset);
    return;
  }
  // KIP-320: a consumer whose last consumed record's epoch ends here before its position has consumed
  // records this log no longer holds (they were truncated): it must go back to where that epoch ends.
  if (request.last_epoch >= 0 && request.offset > 0) {
    auto const epoch = static_cast<std::uint32_t>(request.last_epoch);
    std::int64_t const epoch_end = end_offset_for_epoch(*replica, epoch);
    if (epoch_end < request.offset) {
      respond_diverging(simulation, *replica, request, epoch, epoch_end);
      return;
    }
  }
  if (request.offset > replica->log_end() || request.offset < 0) {
    respond_fetch_error(simulation, request, ErrorCode::offset_out_of_range, request.offset);
    return;
  }
  if (replica->high_watermark > request.offset) {
    respond_fetch(simulation, *replica, request.from, request.correlation, request.offset, request.value, ErrorCode::none);
    return;
  }
  park_fetch(simulation, *replica, request);
}

// A follower's fetch of every partition it follows here. It is answered at once when some partition has
// records past its fetch offset or an error (not the leader any more, a diverged log); else it waits.
void Broker::on_follower_fetch(sim::Simulation& simulation, Envelope const& request) {
  auto const follower = static_cast<int>(request.from);
  bool answer_now = false;
  for (PartitionFetch const& fetch : request.partitions) {
    Replica* replica = find(fetch.partition);
    std::int64_t truncate_to = 0;
    if (replica == nullptr || !replica->leader || diverged(*replica, fetch, truncate_to)) {
      answer_now = true;
      continue;
    }
    update_follower(simulation, *replica, follower, fetch.offset);
    answer_now = answer_now || replica->log_end() > fetch.offset;
  }
  if (answer_now) {
    respond_follower_fetch(simulation, request.from, request.correlation, request.partitions);
    return;
  }
  std::uint64_t const serial = next_parked_serial_++;
  // The partition list reuses a buffer of an answered fetch: parking allocates nothing in steady state.
  std::vector<PartitionFetch> partitions;
  if (!spare_partition_lists_.empty()) {
    partitions = std::move(spare_partition_lists_.back());
    spare_partition_lists_.pop_back();
  }
  partitions.assign(request.partitions.begin(), request.partitions.end());
  parked_follower_fetches_.push_back(ParkedFollowerFetch{request.from, request.correlation, std::move(partitions), serial, {}});
  parked_follower_fetches_.back().expiry = schedule_self(simulation, kReplicaFetchWaitMax, kFollowerFetchExpiry, 0, serial);
}

// KIP-320: a follower whose last fetched epoch ends earlier on the leader has diverged and must truncate to
// where that epoch ends here before it may fetch.
bool Broker::diverged(Replica const& replica, PartitionFetch const& fetch, std::int64_t& truncate_to) const {
  if (fetch.offset <= 0) return false;
  truncate_to = end_offset_for_epoch(replica, fetch.last_epoch);
  return truncate_to < fetch.offset;
}

void Broker::respond_follower_fetch(sim::Simulation& simulation, NodeId to, std::uint64_t correlation,
                                    std::vector<PartitionFetch> const& partitions) {
  Network& net = network();
  EnvelopeId const id = net.acquire(MessageType::fetch_response, this->id(), to);
  Envelope& response = net.envelope<Envelope>(id);
  response.correlation = correlation;
  for (PartitionFetch const& fetch : partitions) {
    PartitionFetch answer = fetch;
    answer.records = 0;
    answer.epoch_starts = 0;
    Replica const* replica = find(fetch.partition);
    std::int64_t truncate_to = 0;
    if (replica == nullptr || !replica->leader) {
      answer.error = ErrorCode::not_leader;
    } else if (diverged(*replica, fetch, truncate_to)) {
      answer.error = ErrorCode::diverging_epoch;
      answer.offset = truncate_to;
    } else {
      answer.error = ErrorCode::none;
      answer.high_watermark = replica->high_watermark;
      std::size_t const before = response.entries.size();
      std::size_t const starts_before = response.producer_epochs.size();
      std::int64_t const end = std::min<std::int64_t>(replica->log_end(), fetch.offset + static_cast<std::int64_t>(kFollowerFetchRecordsMax));
      append_records(*replica, fetch.offset, end, response, true);
      answer.records = static_cast<std::uint32_t>(response.entries.size() - before);
      answer.epoch_starts = static_cast<std::uint32_t>(response.producer_epochs.size() - starts_before);
    }
    response.partitions.push_back(answer);
  }
  net.send(simulation, id);
}

bool Broker::follower_fetch_ready(ParkedFollowerFetch const& fetch) const {
  for (PartitionFetch const& wanted : fetch.partitions) {
    Replica const* replica = this->replica(wanted.partition);
    if (replica == nullptr || !replica->leader || replica->log_end() > wanted.offset) return true;
  }
  return false;
}

// Parked follower fetches that include `partition` and now have something are answered (all of them when
// this broker just lost the partition's leadership); their expiry events are cancelled.
void Broker::serve_parked_follower_fetches(sim::Simulation& simulation, std::uint32_t partition, bool leadership_lost) {
  auto& parked = parked_follower_fetches_;
  for (std::size_t i = 0; i < parked.size();) {
    ParkedFollowerFetch& fetch = parked[i];
    bool const includes = std::any_of(fetch.partitions.begin(), fetch.partitions.end(),
                                      [&](PartitionFetch const& wanted) { return wanted.partition == partition; });
    if (!includes || (!leadership_lost && !follower_fetch_ready(fetch))) {
      ++i;
      continue;
    }
    simulation.cancel(fetch.expiry);
    answer_parked_follower_fetch(simulation, i);
  }
}

void Broker::answer_parked_follower_fetch(sim::Simulation& simulation, std::size_t index) {
  auto& parked = parked_follower_fetches_;
  ParkedFollowerFetch answered = std::move(parked[index]);
  parked.erase(parked.begin() + static_cast<std::ptrdiff_t>(index));
  respond_follower_fetch(simulation, answered.from, answered.correlation, answered.partitions);
  spare_partition_lists_.push_back(std::move(answered.partitions));
}

void Broker::respond_fetch(sim::Simulation& simulation, Replica const& replica, NodeId to, std::uint64_t correlation,
                           std::int64_t offset, std::uint64_t max_records, ErrorCode error) {
  Network& net = network();
  EnvelopeId const id = net.acquire(MessageType::fetch_response, this->id(), to);
  Envelope& response = net.envelope<Envelope>(id);
  response.correlation = correlation;
  response.partition = replica.partition;
  response.error = error;
  response.offset = offset;
  response.epoch = replica.leader_epoch;
  response.high_watermark = replica.high_watermark;
  if (error == ErrorCode::none && offset >= 0) {
    std::int64_t const end = std::min<std::int64_t>(replica.high_watermark, offset + static_cast<std::int64_t>(max_records));
    append_records(replica, offset, end, response, false);
  }
  net.send(simulation, id);
}

// Records [offset, end) travel with their leader epochs; to followers also with their producers (the
// envelope's tags stay aligned with its entries across partitions) and the producer epochs starting there.
void Broker::append_records(Replica const& replica, std::int64_t offset, std::int64_t end, Envelope& response, bool follower) {
  if (end <= offset) return;
  std::size_t const before = response.entries.size();
  // The epoch runs are few, so each is looked up once per run of records rather than per record.
  std::uint32_t epoch = replica.epoch_at(offset);
  auto next_run = std::upper_bound(replica.epoch_starts.begin(), replica.epoch_starts.end(), offset,
                                   [](std::int64_t o, auto const& start) { return o < start.second; });
  for (std::int64_t o = offset; o < end; ++o) {
    if (next_run != replica.epoch_starts.end() && next_run->second == o) epoch = (next_run++)->first;
    response.entries.push_back(LogEntry{replica.log[static_cast<std::size_t>(o)], epoch});
  }
  auto& tags = response.record_producers;
  if (!follower || (replica.record_producers.empty() && tags.empty())) return;
  tags.resize(before, kNoProducer);
  if (replica.record_producers.empty()) {
    tags.resize(response.entries.size(), kNoProducer);
    return;
  }
  tags.insert(tags.end(), replica.record_producers.begin() + offset, replica.record_producers.begin() + end);
  auto const& starts = replica.producer_epochs;
  auto start = std::lower_bound(starts.begin(), starts.end(), offset,
                                [](ProducerEpochStart const& s, std::int64_t o) { return s.offset < o; });
  for (; start != starts.end() && start->offset < end; ++start) response.producer_epochs.push_back(*start);
}

void Broker::respond_fetch_error(sim::Simulation& simulation, Envelope const& request, ErrorCode error,
                                 std::int64_t offset, std::int32_t last_epoch) {
  Network& net = network();
  EnvelopeId const id = net.acquire(MessageType::fetch_response, this->id(), request.from);
  Envelope& response = net.envelope<Envelope>(id);
  response.correlation = request.correlation;
  response.partition = request.partition;
  response.error = error;
  response.offset = offset;
  response.last_epoch = last_epoch;
  net.send(simulation, id);
}

void Broker::respond_diverging(sim::Simulation& simulation, Replica const& replica, Envelope const& request, std::uint32_t epoch,
                               std::int64_t epoch_end) {
  // The largest epoch at or below the consumer's that this log has (OffsetsForLeaderEpoch's answer).
  auto const& starts = replica.epoch_starts;
  auto const later = std::upper_bound(starts.begin(), starts.end(), epoch, [](std::uint32_t e, auto const& start) { return e < start.first; });
  std::int32_t const last_epoch = later == starts.begin() ? -1 : static_cast<std::int32_t>(std::prev(later)->first);
  respond_fetch_error(simulation, request, ErrorCode::diverging_epoch, epoch_end, last_epoch);
}

void Broker::park_fetch(sim::Simulation& simulation, Replica& replica, Envelope const& request) {
  std::uint64_t const serial = next_parked_serial_++;
  replica.parked_fetches.push_back(Replica::ParkedFetch{request.from, request.correlation, request.offset, request.value, serial, {}});
  replica.parked_fetches.back().expiry = schedule_self(simulation, kConsumerFetchWaitMax, kFetchExpiry, replica.partition, serial);
}

// Long polls return as soon as there is something for them: a higher high watermark for consumers, new
// records for followers. Their expiry events are cancelled.
void Broker::serve_parked_fetches(sim::Simulation& simulation, Replica& replica) {
  auto& parked = replica.parked_fetches;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < parked.size(); ++i) {
    Replica::ParkedFetch const fetch = parked[i];
    if (replica.high_watermark > fetch.offset) {
      simulation.cancel(fetch.expiry);
      respond_fetch(simulation, replica, fetch.from, fetch.correlation, fetch.offset, fetch.max_records, ErrorCode::none);
    } else {
      parked[kept++] = fetch;
    }
  }
  parked.resize(kept);
  if (!parked_follower_fetches_.empty()) serve_parked_follower_fetches(simulation, replica.partition, false);
}

// --- ISR and high watermark --------------------------------------------------------------------------

void Broker::update_follower(sim::Simulation& simulation, Replica& replica, int broker, std::int64_t fetch_offset) {
  auto found = std::find_if(replica.followers.begin(), replica.followers.end(), [&](auto const& f) { return f.broker == broker; });
  if (found == replica.followers.end()) return;
  Time const now = simulation.now();
  // Kafka's rule: caught up when the fetch reaches the leader's log end, or the log end as it was at
  // the previous fetch (so a steady stream of appends does not count as lagging).
  if (fetch_offset >= replica.log_end()) {
    found->last_caught_up = now;
  } else if (fetch_offset >= found->leader_end_at_last_fetch) {
    found->last_caught_up = std::max(found->last_caught_up, found->last_fetch);
  }
  found->log_end = fetch_offset;
  found->leader_end_at_last_fetch = replica.log_end();
  found->last_fetch = now;
  // ISR expansion: a follower that reached the high watermark (and this leader's epoch) rejoins.
  std::int64_t const epoch_start = replica.epoch_starts.empty() ? 0 : replica.epoch_starts.back().second;
  if (!contains(replica.isr, broker) && fetch_offset >= replica.high_watermark && fetch_offset >= epoch_start) {
    std::vector<int> isr = replica.isr;
    isr.push_back(broker);
    change_isr(replica, std::move(isr));
  }
  advance_high_watermark(simulation, replica);
}

void Broker::advance_high_watermark(sim::Simulation& simulation, Replica& replica) {
  if (!replica.leader) return;
  std::int64_t candidate = replica.log_end();
  for (Replica::Follower const& follower : replica.followers) {
    if (contains(replica.isr, follower.broker)) candidate = std::min(candidate, follower.log_end);
  }
  if (candidate <= replica.high_watermark) return;
  replica.high_watermark = candidate;
  BROKERSIM_ASSERT(replica.high_watermark <= replica.log_end());
  complete_parked_produces(simulation, replica);
  serve_parked_fetches(simulation, replica);
}

void Broker::complete_parked_produces(sim::Simulation& simulation, Replica& replica) {
  TopicConfig const& topic = config_.topics[controller_.partition(replica.partition).topic];
  bool const enough = static_cast<int>(replica.isr.size()) >= topic.min_insync_replicas;
  auto& parked = replica.parked_produces;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < parked.size(); ++i) {
    Replica::ParkedProduce const produce = parked[i];
    if (replica.high_watermark >= produce.required) {
      // NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below the minimum meanwhile.
      respond_produce(simulation, produce.from, produce.correlation, replica.partition,
                      enough ? ErrorCode::none : ErrorCode::not_enough_replicas, produce.base_offset);
    } else {
      parked[kept++] = produce;
    }
  }
  parked.resize(kept);
}

void Broker::check_isr(sim::Simulation& simulation) {
  Time const now = simulation.now();
  for (Replica& replica : replicas_) {
    if (!replica.leader) continue;
    std::vector<int> isr = replica.isr;
    auto const lagging = [&](int broker) {
      if (broker == index_) return false;
      for (Replica::Follower const& f : replica.followers) {
        if (f.broker == broker) return f.log_end != replica.log_end() && now - f.last_caught_up > config_.brokers.replica_lag_time_max;
      }
      return false;
    };
    isr.erase(std::remove_if(isr.begin(), isr.end(), lagging), isr.end());
    if (isr.size() != replica.isr.size() && change_isr(replica, std::move(isr))) {
      advance_high_watermark(simulation, replica);
      complete_parked_produces(simulation, replica);
    }
  }
}

bool Broker::change_isr(Replica& replica, std::vector<int> isr) {
  if (!controller_.alter_isr(replica.partition, index_, replica.leader_epoch, isr)) return false;
  replica.isr = std::move(isr);
  return true;
}

// --- Fetch (follower side) ---------------------------------------------------------------------------

// One fetch for every partition this broker follows on `leader` that is not sitting out a backoff; when all
// of them are, the fetcher wakes when the first backoff ends.
void Broker::send_follower_fetch(sim::Simulation& simulation, int leader) {
  Fetcher& fetcher = fetchers_[static_cast<std::size_t>(leader)];
  if (!alive() || fetcher.correlation != 0) return;
  Network& net = network();
  EnvelopeId const id = net.acquire(MessageType::fetch_request, this->id(), controller_.broker_node(leader));
  Envelope& request = net.envelope<Envelope>(id);
  Time const now = simulation.now();
  Time wake = kNever;
  for (Replica const& replica : replicas_) {
    if (replica.leader || replica.leader_broker != leader) continue;
    if (replica.fetch_delayed_until > now) {
      wake = wake == kNever ? replica.fetch_delayed_until : std::min(wake, replica.fetch_delayed_until);
      continue;
    }
    PartitionFetch fetch;
    fetch.partition = replica.partition;
    fetch.offset = replica.log_end();
    fetch.last_epoch = replica.last_epoch();
    fetch.leader_epoch = replica.leader_epoch;
    request.partitions.push_back(fetch);
  }
  if (request.partitions.empty()) {
    net.release(id);
    if (wake != kNever) schedule_self(simulation, wake - now, kFollowerFetch, static_cast<std::uint64_t>(leader));
    return;
  }
  fetcher.correlation = next_correlation_++;
  request.correlation = fetcher.correlation;
  net.send(simulation, id);
  fetcher.timeout = schedule_self(simulation, kReplicaSocketTimeout, kFetchTimeout, static_cast<std::uint64_t>(leader), fetcher.correlation);
}

// The fetcher's connection broke: it tries again after replica.fetch.backoff.ms.
void Broker::back_off_fetcher(sim::Simulation& simulation, int leader) {
  Fetcher& fetcher = fetchers_[static_cast<std::size_t>(leader)];
  fetcher.correlation = 0;
  simulation.cancel(fetcher.timeout);
  schedule_self(simulation, kReplicaFetchBackoff, kFollowerFetch, static_cast<std::uint64_t>(leader));
}

void Broker::on_fetch_response(sim::Simulation& simulation, Envelope const& response) {
  auto const leader = static_cast<int>(response.from);
  BROKERSIM_ASSERT(network().kind(response.from) == NodeKind::broker && leader < static_cast<int>(fetchers_.size()));
  Fetcher& fetcher = fetchers_[static_cast<std::size_t>(leader)];
  if (response.correlation != fetcher.correlation) return;
  if (response.reset) {
    back_off_fetcher(simulation, leader);
    return;
  }
  fetcher.correlation = 0;
  simulation.cancel(fetcher.timeout);
  std::size_t entry = 0;
  std::size_t epoch_start = 0;
  for (PartitionFetch const& fetched : response.partitions) {
    Replica* replica = find(fetched.partition);
    // Answers for a partition that has since changed leader or epoch here are dropped.
    if (replica != nullptr && !replica->leader && replica->leader_broker == leader && replica->leader_epoch == fetched.leader_epoch) {
      take_fetched(simulation, *replica, response, fetched, entry, epoch_start);
    }
    entry += fetched.records;
    epoch_start += fetched.epoch_starts;
  }
  BROKERSIM_ASSERT(entry == response.entries.size() && epoch_start == response.producer_epochs.size());
  send_follower_fetch(simulation, leader);
}

void Broker::take_fetched(sim::Simulation& simulation, Replica& replica, Envelope const& response, PartitionFetch const& fetched,
                          std::size_t first_entry, std::size_t first_epoch_start) {
  switch (fetched.error) {
    case ErrorCode::none:
      break;
    case ErrorCode::diverging_epoch:
      truncate(simulation, replica, std::min(fetched.offset, replica.log_end()));
      return;  // The next fetch, at once, goes on from the truncated log.
    default:
      // Not the leader (any more): the partition waits for the controller's news, or the backoff.
      replica.fetch_delayed_until = simulation.now() + kReplicaFetchBackoff;
      return;
  }
  // Only records that continue the log are taken (a stale answer to an older offset is dropped).
  if (fetched.offset == replica.log_end()) {
    bool const tagged = !response.record_producers.empty();
    BROKERSIM_ASSERT(!tagged || response.record_producers.size() == response.entries.size());
    auto epoch_start = response.producer_epochs.begin() + static_cast<std::ptrdiff_t>(first_epoch_start);
    auto const epoch_starts_end = epoch_start + fetched.epoch_starts;
    for (std::size_t i = first_entry; i < first_entry + fetched.records; ++i) {
      LogEntry const& entry = response.entries[i];
      truth_.tracer.record(simulation.now(), entry.message, id(), TraceKind::replicated, replica.log_end(), entry.epoch);
      std::uint16_t const producer = tagged ? response.record_producers[i] : kNoProducer;
      if (producer == kNoProducer) {
        append(replica, entry.message, entry.epoch);
        continue;
      }
      // The record's producer epoch starts here, or goes on from the producer's last record: this log
      // and the leader's agree up to the fetch offset.
      std::uint16_t producer_epoch = 0;
      if (epoch_start != epoch_starts_end && epoch_start->offset == static_cast<std::uint64_t>(replica.log_end())) {
        BROKERSIM_ASSERT(epoch_start->producer == producer);
        producer_epoch = (epoch_start++)->producer_epoch;
      } else {
        BROKERSIM_ASSERT(producer < replica.log_producers.size() && replica.log_producers[producer].seen);
        producer_epoch = replica.log_producers[producer].epoch;
      }
      append_idempotent(replica, entry.message, entry.epoch, producer, producer_epoch);
    }
    BROKERSIM_ASSERT(epoch_start == epoch_starts_end);
  }
  replica.high_watermark = std::max(replica.high_watermark, std::min(fetched.high_watermark, replica.log_end()));
  BROKERSIM_ASSERT(replica.high_watermark <= replica.log_end());
}

// --- Log maintenance ---------------------------------------------------------------------------------

std::int64_t Broker::end_offset_for_epoch(Replica const& replica, std::uint32_t epoch) const {
  // The end of the largest epoch <= `epoch` here: where the next epoch starts, or the log end.
  auto const& starts = replica.epoch_starts;
  auto const later = std::upper_bound(starts.begin(), starts.end(), epoch,
                                      [](std::uint32_t e, auto const& start) { return e < start.first; });
  if (later == starts.begin()) return 0;  // This leader has nothing from that epoch or before.
  return later == starts.end() ? replica.log_end() : later->second;
}

void Broker::truncate(sim::Simulation& simulation, Replica& replica, std::int64_t offset) {
  if (offset >= replica.log_end()) return;
  BROKERSIM_ASSERT(offset >= 0);
  if (truth_.tracer.active()) {
    for (std::int64_t cut = offset; cut < replica.log_end(); ++cut) {
      truth_.tracer.record(simulation.now(), replica.log[static_cast<std::size_t>(cut)], id(), TraceKind::truncated, cut);
    }
  }
  replica.log.resize(static_cast<std::size_t>(offset));
  while (!replica.epoch_starts.empty() && replica.epoch_starts.back().second >= offset) replica.epoch_starts.pop_back();
  replica.high_watermark = std::min(replica.high_watermark, offset);
  replica.flushed = std::min(replica.flushed, offset);
  rebuild_producer_state(replica);
}

// After a truncation the producer state is read back from what is left of the log, as Kafka rebuilds it
// from its snapshots and segments.
void Broker::rebuild_producer_state(Replica& replica) {
  std::fill(replica.producers.begin(), replica.producers.end(), Replica::ProducerState{});
  std::fill(replica.log_producers.begin(), replica.log_producers.end(), Replica::LogProducer{});
  auto& tags = replica.record_producers;
  if (tags.size() > replica.log.size()) tags.resize(replica.log.size());
  auto& starts = replica.producer_epochs;
  while (!starts.empty() && static_cast<std::int64_t>(starts.back().offset) >= replica.log_end()) starts.pop_back();
  auto start = starts.begin();
  for (std::size_t offset = 0; offset < tags.size(); ++offset) {
    std::uint16_t const producer = tags[offset];
    if (producer == kNoProducer) continue;
    Replica::LogProducer& in_log = replica.log_producers[producer];
    if (start != starts.end() && start->offset == offset) {
      BROKERSIM_ASSERT(start->producer == producer);
      in_log = Replica::LogProducer{true, start->producer_epoch, 0};
      ++start;
    }
    BROKERSIM_ASSERT(in_log.seen);
    replica.producers[producer] = Replica::ProducerState{in_log.epoch, in_log.next_sequence++, static_cast<std::int64_t>(offset)};
  }
  BROKERSIM_ASSERT(start == starts.end());
}

void Broker::flush(sim::Simulation&) {
  for (Replica& replica : replicas_) {
    if (config_.brokers.flush_interval) {
      replica.flushed = replica.log_end();
      continue;
    }
    // The OS writes back what has been dirty for 30 s: the log end of six ticks ago.
    auto& history = replica.log_end_history;
    replica.flushed = std::max(replica.flushed, std::min(history.front(), replica.log_end()));
    std::rotate(history.begin(), history.begin() + 1, history.end());
    history.back() = replica.log_end();
  }
}

// --- Crash and restart -------------------------------------------------------------------------------

void Broker::crash_losing_unflushed(sim::Simulation& simulation) {
  if (!alive()) return;
  crash(simulation);
  for (Replica& replica : replicas_) truncate(simulation, replica, replica.flushed);
}

void Broker::on_crash(sim::Simulation&) {
  // In-memory state dies with the process; logs (and what the page cache holds) stay.
  for (Replica& replica : replicas_) {
    replica.epoch_at_crash = controller_.partition(replica.partition).leader_epoch;
    replica.leader = false;
    replica.parked_fetches.clear();
    replica.parked_produces.clear();
    replica.followers.clear();
    replica.isr.clear();
    replica.fetch_delayed_until = 0;
    replica.leader_broker = kNoLeader;
  }
  std::fill(fetchers_.begin(), fetchers_.end(), Fetcher{});
  parked_follower_fetches_.clear();
}

void Broker::on_peer_reset(sim::Simulation& simulation, NodeId peer) {
  if (network().kind(peer) != NodeKind::broker) return;
  auto const leader = static_cast<int>(peer);
  if (leader < static_cast<int>(fetchers_.size()) && fetchers_[static_cast<std::size_t>(leader)].correlation != 0) {
    back_off_fetcher(simulation, leader);
  }
}

void Broker::on_restart(sim::Simulation& simulation) {
  // The restarted broker takes no role on its own: the controller first fails its partitions over,
  // then tells it the current roles, and it rejoins as their follower.
  start_timers(simulation);
}

}  // namespace brokersim::model
