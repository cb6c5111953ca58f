#include "model/kafka/controller.h"

#include <algorithm>

#include "model/kafka/broker.h"
#include "sim/assert.h"

namespace brokersim::model {

namespace {

bool contains(std::vector<int> const& set, int value) { return std::find(set.begin(), set.end(), value) != set.end(); }

}  // namespace

Controller::Controller(WorldConfig const& config, ClusterLayout layout, std::uint64_t seed, GroundTruth& truth)
    : config_(config),
      layout_(std::move(layout)),
      truth_(truth),
      random_(seed, "controller"),
      quorum_random_(seed, "controller-quorum") {
  auto const count = static_cast<std::size_t>(config.brokers.count);
  available_.assign(count, true);
  failover_pending_.assign(count, false);
  paused_until_.assign(count, 0);
  cut_off_.assign(count, false);
}

void Controller::attach(sim::Simulation& simulation, std::vector<Broker*> brokers, std::vector<Node const*> voters,
                        Network const& network) {
  self_ = simulation.add_actor(this);
  brokers_ = std::move(brokers);
  network_ = &network;
  BROKERSIM_ASSERT(brokers_.size() == available_.size());
  if (voters.empty()) {
    BROKERSIM_ASSERT(config_.controllers.placement == ControllerPlacement::brokers);
    for (Broker const* broker : brokers_) voters.push_back(broker);
  }
  voters_ = std::move(voters);
  voter_up_.assign(voters_.size(), true);
  // The cluster is already running when the simulation starts: the first voter leads, without an election.
  refresh_voters(simulation);
  for (std::size_t voter = 0; voter < voters_.size() && quorum_leader_ < 0; ++voter) {
    if (can_lead(voter)) quorum_leader_ = static_cast<int>(voter);
  }
  BROKERSIM_ASSERT(quorum_up());
}

// --- The quorum --------------------------------------------------------------------------------------

bool Controller::voter_reaches(std::size_t voter, NodeId node) const {
  NodeId const own = voters_[voter]->id();
  return own == node || (network_->connected(own, node) && network_->connected(node, own));
}

bool Controller::can_lead(std::size_t voter) const {
  if (!voter_up_[voter]) return false;
  std::size_t reached = 0;
  for (std::size_t other = 0; other < voters_.size(); ++other) {
    if (voter_up_[other] && voter_reaches(other, voters_[voter]->id())) ++reached;
  }
  return reached * 2 > voters_.size();
}

bool Controller::reaches_quorum(int broker) const {
  if (!quorum_up()) return false;
  std::size_t reached = 0;
  for (std::size_t voter = 0; voter < voters_.size(); ++voter) {
    if (voter_up_[voter] && voter_reaches(voter, broker_node(broker))) ++reached;
  }
  return reached * 2 > voters_.size();
}

void Controller::refresh_voters(sim::Simulation& simulation) {
  for (std::size_t voter = 0; voter < voters_.size(); ++voter) voter_up_[voter] = voters_[voter]->responsive(simulation.now());
}

void Controller::on_voter_changed(sim::Simulation& simulation) { on_quorum_change(simulation); }

void Controller::on_voter_paused(sim::Simulation& simulation, Time duration) {
  on_quorum_change(simulation);
  simulation.schedule(duration, self_, kVoterCheck);  // It wakes up: it may lead, or complete a majority.
}

void Controller::on_quorum_change(sim::Simulation& simulation) {
  refresh_voters(simulation);
  if (quorum_up() && !can_lead(static_cast<std::size_t>(quorum_leader_))) {
    quorum_leader_ = -1;
    truth_.quorum.push_back(QuorumEvent{simulation.now(), UINT32_MAX});
  }
  if (quorum_up() || election_scheduled_) return;
  // The followers notice after a fetch timeout, and the first candidate's randomised election timeout
  // decides when a new leader has its votes.
  election_scheduled_ = true;
  Time const election = config_.controllers.fetch_timeout +
                        static_cast<Time>(quorum_random_.below(static_cast<std::uint64_t>(config_.controllers.election_timeout) + 1));
  simulation.schedule(election, self_, kQuorumElection);
}

void Controller::on_quorum_elected(sim::Simulation& simulation) {
  ++term_;  // Checks scheduled under the previous leader are dropped: this one starts every session afresh.
  Time const now = simulation.now();
  for (int broker = 0; broker < static_cast<int>(brokers_.size()); ++broker) {
    auto const b = static_cast<std::size_t>(broker);
    if (!brokers_[b]->alive()) {
      if (!available_[b] && !failover_pending_[b]) continue;  // Fenced already.
      failover_pending_[b] = true;
      schedule_check(simulation, config_.brokers.controller_failover, kFailover, broker);
    } else if (failover_pending_[b]) {
      schedule_check(simulation, config_.brokers.controller_failover, kFailover, broker);  // Died and came back.
    } else if (paused_until_[b] > now) {
      if (paused_until_[b] - now > config_.brokers.controller_failover) {
        schedule_check(simulation, config_.brokers.controller_failover, kPauseCheck, broker);
      }
      schedule_check(simulation, paused_until_[b] - now, kPauseEnd, broker);
    } else if (!reaches_quorum(broker)) {
      if (available_[b]) schedule_check(simulation, config_.brokers.controller_failover, kReachabilityCheck, broker);
      else cut_off_[b] = true;
    } else if (!available_[b]) {
      cut_off_[b] = false;
      unfence(simulation, broker);
    }
  }
  for (std::uint32_t p = 0; p < layout_.partitions.size(); ++p) {
    PartitionState const& state = layout_.partitions[p];
    bool const electable = std::any_of(state.replicas.begin(), state.replicas.end(), [&](int broker) { return eligible(broker); });
    if (state.leader == kNoLeader && electable) elect(simulation, p);
  }
}

// --- Brokers -----------------------------------------------------------------------------------------

bool Controller::eligible(int broker) const {
  auto const b = static_cast<std::size_t>(broker);
  return available_[b] && brokers_[b]->alive() && reaches_quorum(broker);
}

void Controller::schedule_check(sim::Simulation& simulation, Time delay, EventType type, int broker) {
  simulation.schedule(delay, self_, type, static_cast<std::uint64_t>(broker), term_);
}

void Controller::on_connectivity_change(sim::Simulation& simulation) {
  on_quorum_change(simulation);
  if (!quorum_up()) return;  // The next leader looks at every broker afresh.
  for (int broker = 0; broker < static_cast<int>(brokers_.size()); ++broker) {
    auto const b = static_cast<std::size_t>(broker);
    bool const reaches = reaches_quorum(broker);
    if (!reaches && available_[b]) {
      schedule_check(simulation, config_.brokers.controller_failover, kReachabilityCheck, broker);
    } else if (reaches && cut_off_[b]) {
      cut_off_[b] = false;
      if (brokers_[b]->alive() && !failover_pending_[b]) unfence(simulation, broker);
    }
  }
}

int Controller::coordinator_broker(std::uint32_t group) const {
  int const count = config_.brokers.count;
  int const start = static_cast<int>(sim::hash_name(config_.consumer_groups[group].name) % static_cast<std::uint64_t>(count));
  for (int step = 0; step < count; ++step) {
    int const broker = (start + step) % count;
    if (available_[static_cast<std::size_t>(broker)] && brokers_[static_cast<std::size_t>(broker)]->alive()) return broker;
  }
  return kNoLeader;
}

void Controller::on_event(sim::Simulation& simulation, sim::Event const& event) {
  if (event.kind == kQuorumElection) {
    election_scheduled_ = false;
    refresh_voters(simulation);
    for (std::size_t voter = 0; voter < voters_.size() && !quorum_up(); ++voter) {
      if (can_lead(voter)) quorum_leader_ = static_cast<int>(voter);
    }
    if (!quorum_up()) return;  // No majority yet: the next change of a voter or of the network tries again.
    truth_.quorum.push_back(QuorumEvent{simulation.now(), quorum_leader()});
    on_quorum_elected(simulation);
    return;
  }
  if (event.kind == kVoterCheck) {
    on_quorum_change(simulation);
    return;
  }
  // A per-broker check: only the quorum leader that scheduled it acts on it.
  if (event.arg1 != term_ || !quorum_up()) return;
  auto const broker = static_cast<int>(event.arg0);
  auto const b = static_cast<std::size_t>(broker);
  bool const alive = brokers_[b]->alive();
  switch (event.kind) {
    case kFailover:
      failover_pending_[b] = false;
      fence(simulation, broker);
      if (alive && reaches_quorum(broker)) unfence(simulation, broker);  // It restarted meanwhile: it rejoins now.
      else if (alive) cut_off_[b] = true;
      return;
    case kPauseCheck:
      if (alive && paused_until_[b] > simulation.now()) fence(simulation, broker);
      return;
    case kReachabilityCheck:
      if (alive && available_[b] && !reaches_quorum(broker)) {
        cut_off_[b] = true;
        fence(simulation, broker);
      }
      return;
    case kPauseEnd:
      if (alive && !available_[b] && !failover_pending_[b] && !cut_off_[b] && paused_until_[b] <= simulation.now()) {
        if (reaches_quorum(broker)) unfence(simulation, broker);
        else cut_off_[b] = true;
      }
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void Controller::on_broker_crashed(sim::Simulation& simulation, int broker) {
  auto const b = static_cast<std::size_t>(broker);
  if (config_.controllers.placement == ControllerPlacement::brokers) on_voter_changed(simulation);
  if (failover_pending_[b]) return;
  failover_pending_[b] = true;
  schedule_check(simulation, config_.brokers.controller_failover, kFailover, broker);
}

void Controller::on_broker_restarted(sim::Simulation& simulation, int broker) {
  auto const b = static_cast<std::size_t>(broker);
  if (config_.controllers.placement == ControllerPlacement::brokers) on_voter_changed(simulation);
  // Restarting before the failover changes nothing: the failover still happens, then it rejoins.
  if (failover_pending_[b] || cut_off_[b] || !quorum_up()) return;
  if (reaches_quorum(broker)) unfence(simulation, broker);
  else cut_off_[b] = true;
}

void Controller::on_broker_paused(sim::Simulation& simulation, int broker, Time duration) {
  auto const b = static_cast<std::size_t>(broker);
  paused_until_[b] = std::max(paused_until_[b], simulation.now() + duration);
  if (config_.controllers.placement == ControllerPlacement::brokers) on_voter_paused(simulation, duration);
  // A frozen broker sends no heartbeats: if it is still frozen when the failover time has passed, the
  // controller fences it like a dead one; it is unfenced when it wakes up.
  if (duration > config_.brokers.controller_failover) {
    schedule_check(simulation, config_.brokers.controller_failover, kPauseCheck, broker);
    schedule_check(simulation, duration, kPauseEnd, broker);
  }
}

void Controller::fence(sim::Simulation& simulation, int broker) {
  BROKERSIM_ASSERT(quorum_up());
  available_[static_cast<std::size_t>(broker)] = false;
  for (std::uint32_t p = 0; p < layout_.partitions.size(); ++p) {
    PartitionState& state = layout_.partitions[p];
    bool changed = false;
    // Kafka keeps the last member in the ISR even when it is gone, so that a clean election can wait
    // for it to come back.
    if (contains(state.isr, broker) && state.isr.size() > 1) {
      state.isr.erase(std::find(state.isr.begin(), state.isr.end(), broker));
      changed = true;
    }
    if (state.leader == broker) {
      elect(simulation, p);
      continue;
    }
    if (changed) notify(simulation, p);
  }
}

void Controller::unfence(sim::Simulation& simulation, int broker) {
  BROKERSIM_ASSERT(quorum_up());
  available_[static_cast<std::size_t>(broker)] = true;
  for (std::uint32_t p = 0; p < layout_.partitions.size(); ++p) {
    PartitionState& state = layout_.partitions[p];
    if (!contains(state.replicas, broker)) continue;
    if (state.leader == kNoLeader) {
      elect(simulation, p);  // An offline partition may have been waiting for this broker.
      continue;
    }
    notify(simulation, p);  // Tell the returning broker who leads.
  }
}

void Controller::elect(sim::Simulation& simulation, std::uint32_t partition) {
  BROKERSIM_ASSERT(quorum_up());
  PartitionState& state = layout_.partitions[partition];
  TopicConfig const& topic = config_.topics[state.topic];
  int chosen = kNoLeader;
  for (int broker : state.replicas) {
    if (contains(state.isr, broker) && eligible(broker) && broker != state.leader) {
      chosen = broker;
      break;
    }
  }
  bool unclean = false;
  if (chosen == kNoLeader && topic.unclean_leader_election) {
    for (int broker : state.replicas) {
      if (eligible(broker) && broker != state.leader) {
        chosen = broker;
        unclean = true;
        break;
      }
    }
  }
  if (chosen == kNoLeader && state.leader != kNoLeader && eligible(state.leader)) chosen = state.leader;
  if (chosen == state.leader && chosen != kNoLeader) return;  // Still the best choice.
  std::uint32_t const previous_epoch = state.leader_epoch;
  state.leader = chosen;
  ++state.leader_epoch;
  BROKERSIM_ASSERT(state.leader_epoch > previous_epoch);  // Epochs never go back, nor wrap.
  if (chosen != kNoLeader) {
    ++truth_.leader_elections;
    if (unclean) state.isr = {chosen};
  }
  truth_.elections.push_back(ElectionEvent{simulation.now(), partition, chosen, state.leader_epoch, unclean});
  notify(simulation, partition);
}

void Controller::notify(sim::Simulation& simulation, std::uint32_t partition) {
  // Every change of a partition's state ends here: leader in ISR, ISR within the replicas and never empty.
  PartitionState const& state = layout_.partitions[partition];
  BROKERSIM_ASSERT(!state.isr.empty());
  BROKERSIM_ASSERT(state.leader == kNoLeader || contains(state.isr, state.leader));
  for (int member : state.isr) BROKERSIM_ASSERT(contains(state.replicas, member));
  for (int broker : layout_.partitions[partition].replicas) {
    Broker& target = *brokers_[static_cast<std::size_t>(broker)];
    if (!target.alive() || !reaches_quorum(broker)) continue;  // It cannot hear the controller.
    Time const delay = config_.network.latency.sample(random_);
    simulation.schedule(delay, target.actor(), target.encode(Broker::kMetadataType), partition);
  }
}

bool Controller::alter_isr(std::uint32_t partition, int leader, std::uint32_t leader_epoch, std::vector<int> const& isr) {
  PartitionState& state = layout_.partitions[partition];
  if (state.leader != leader || state.leader_epoch != leader_epoch || !eligible(leader)) return false;
  // A fenced broker may not join the ISR (KIP-841), though it may still be fetching on stale metadata.
  for (int member : isr) {
    if (!contains(state.isr, member) && !available_[static_cast<std::size_t>(member)]) return false;
  }
  BROKERSIM_ASSERT(contains(isr, leader));
  for (int member : isr) BROKERSIM_ASSERT(contains(state.replicas, member));
  state.isr = isr;
  return true;
}

}  // namespace brokersim::model
