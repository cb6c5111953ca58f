#include "model/controller.h"

#include <algorithm>

#include "model/broker.h"
#include "sim/assert.h"

namespace brokersim::model {

namespace {

bool contains(std::vector<int> const& set, int value) { return std::find(set.begin(), set.end(), value) != set.end(); }

}  // namespace

Controller::Controller(WorldConfig const& config, ClusterLayout layout, std::uint64_t seed, GroundTruth& truth)
    : config_(config), layout_(std::move(layout)), truth_(truth), random_(seed, "controller") {
  auto const count = static_cast<std::size_t>(config.brokers.count);
  available_.assign(count, true);
  failover_pending_.assign(count, false);
  paused_until_.assign(count, 0);
}

void Controller::attach(sim::Simulation& simulation, std::vector<Broker*> brokers, Network const& network) {
  self_ = simulation.add_actor(this);
  brokers_ = std::move(brokers);
  network_ = &network;
  cut_off_.assign(brokers_.size(), false);
  BROKERSIM_ASSERT(brokers_.size() == available_.size());
}

bool Controller::eligible(int broker) const {
  auto const b = static_cast<std::size_t>(broker);
  return available_[b] && brokers_[b]->alive() && reaches_majority(broker);
}

bool Controller::reaches_majority(int broker) const {
  if (network_ == nullptr) return true;  // Before attach: everyone is connected.
  std::size_t reached = 0;
  for (int other = 0; other < static_cast<int>(brokers_.size()); ++other) {
    NodeId const a = broker_node(broker);
    NodeId const b = broker_node(other);
    if (other == broker || (network_->connected(a, b) && network_->connected(b, a))) ++reached;
  }
  return reached * 2 > brokers_.size();
}

void Controller::on_connectivity_change(sim::Simulation& simulation) {
  for (int broker = 0; broker < static_cast<int>(brokers_.size()); ++broker) {
    auto const b = static_cast<std::size_t>(broker);
    bool const reaches = reaches_majority(broker);
    if (!reaches && available_[b]) {
      simulation.schedule(config_.brokers.controller_failover, self_, kReachabilityCheck, b);
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
    if (eligible(broker)) return broker;
  }
  return kNoLeader;
}

void Controller::on_event(sim::Simulation& simulation, sim::Event const& event) {
  auto const broker = static_cast<int>(event.arg0);
  auto const b = static_cast<std::size_t>(broker);
  switch (event.kind) {
    case kFailover:
      failover_pending_[b] = false;
      fence(simulation, broker);
      if (brokers_[b]->alive() && !cut_off_[b]) unfence(simulation, broker);  // It restarted meanwhile: it rejoins now.
      return;
    case kPauseCheck:
      if (brokers_[b]->alive() && paused_until_[b] > simulation.now()) fence(simulation, broker);
      return;
    case kReachabilityCheck:
      if (brokers_[b]->alive() && available_[b] && !reaches_majority(broker)) {
        cut_off_[b] = true;
        fence(simulation, broker);
      }
      return;
    case kPauseEnd:
      if (brokers_[b]->alive() && !available_[b] && !failover_pending_[b] && !cut_off_[b] &&
          paused_until_[b] <= simulation.now()) {
        unfence(simulation, broker);
      }
      return;
    default:
      BROKERSIM_ASSERT(false);
  }
}

void Controller::on_broker_crashed(sim::Simulation& simulation, int broker) {
  auto const b = static_cast<std::size_t>(broker);
  if (failover_pending_[b]) return;
  failover_pending_[b] = true;
  simulation.schedule(config_.brokers.controller_failover, self_, kFailover, static_cast<std::uint64_t>(broker));
}

void Controller::on_broker_restarted(sim::Simulation& simulation, int broker) {
  auto const b = static_cast<std::size_t>(broker);
  // Restarting before the failover changes nothing: the failover still happens, then it rejoins.
  if (failover_pending_[b] || cut_off_[b]) return;
  unfence(simulation, broker);
}

void Controller::on_broker_paused(sim::Simulation& simulation, int broker, Time duration) {
  auto const b = static_cast<std::size_t>(broker);
  paused_until_[b] = std::max(paused_until_[b], simulation.now() + duration);
  // A frozen broker sends no heartbeats: if it is still frozen when the failover time has passed, the
  // controller fences it like a dead one; it is unfenced when it wakes up.
  if (duration > config_.brokers.controller_failover) {
    simulation.schedule(config_.brokers.controller_failover, self_, kPauseCheck, static_cast<std::uint64_t>(broker));
    simulation.schedule(duration, self_, kPauseEnd, static_cast<std::uint64_t>(broker));
  }
}

void Controller::fence(sim::Simulation& simulation, int broker) {
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
  if (chosen == state.leader && chosen != kNoLeader) return;
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
    if (!target.alive() || (network_ != nullptr && !reaches_majority(broker))) continue;  // It cannot hear the controller.
    Time const delay = config_.network.latency.sample(random_);
    simulation.schedule(delay, target.actor(), target.encode(Broker::kMetadataType), partition);
  }
}

bool Controller::alter_isr(std::uint32_t partition, int leader, std::uint32_t leader_epoch, std::vector<int> const& isr) {
  PartitionState& state = layout_.partitions[partition];
  if (state.leader != leader || state.leader_epoch != leader_epoch || !eligible(leader)) return false;
  BROKERSIM_ASSERT(contains(isr, leader));
  for (int member : isr) BROKERSIM_ASSERT(contains(state.replicas, member));
  state.isr = isr;
  return true;
}

}  // namespace brokersim::model
