#include "model/network.h"

#include <algorithm>

#include "sim/assert.h"

namespace brokersim::model {

Network::Network(NetworkConfig const& config, std::uint64_t seed) : config_(config), random_(seed, "network") {}

NodeId Network::add_node(std::string name, NodeKind kind, int zone) {
  names_.push_back(std::move(name));
  kinds_.push_back(kind);
  zones_.push_back(zone);
  nodes_.push_back(nullptr);
  return static_cast<NodeId>(names_.size() - 1);
}

void Network::bind(NodeId id, Node* node) {
  BROKERSIM_ASSERT(id < nodes_.size() && node != nullptr && node->id() == id);
  nodes_[id] = node;
}

bool Network::names_node_or_zone(std::string const& name, NodeId node) const {
  if (names_[node] == name) return true;
  int const zone = zones_[node];
  return zone >= 0 && config_.zones[static_cast<std::size_t>(zone)] == name;
}

bool Network::link_matches(LinkConfig const& link, NodeId a, NodeId b) const {
  if (link.between.size() != 2) return false;
  return (names_node_or_zone(link.between[0], a) && names_node_or_zone(link.between[1], b)) ||
         (names_node_or_zone(link.between[0], b) && names_node_or_zone(link.between[1], a));
}

void Network::finish_setup() {
  std::size_t const count = names_.size();
  BROKERSIM_ASSERT(count > 0 && count <= 4096);  // Per-connection tables are count^2.
  last_arrival_.assign(count * count, 0);
  cuts_.assign(count * count, 0);
  path_behaviour_.assign(count * count, 0);
  behaviours_.assign(1, PathBehaviour{config_.latency, 0.0});
  for (LinkConfig const& link : config_.links) {
    behaviours_.push_back(PathBehaviour{link.latency.value_or(config_.latency), link.loss});
  }
  // The last configured link that matches a pair wins, so specific links can follow general ones.
  for (NodeId from = 0; from < count; ++from) {
    for (NodeId to = 0; to < count; ++to) {
      for (std::size_t link = 0; link < config_.links.size(); ++link) {
        if (link_matches(config_.links[link], from, to)) path_behaviour_[index(from, to)] = static_cast<std::uint16_t>(link + 1);
      }
    }
  }
  for (NodeId id = 0; id < count; ++id) BROKERSIM_ASSERT(nodes_[id] != nullptr);
}

EnvelopeId Network::acquire(MessageType type, NodeId from, NodeId to) {
  EnvelopeId id;
  if (free_.empty()) {
    pool_.emplace_back();
    id = static_cast<EnvelopeId>(pool_.size() - 1);
  } else {
    id = free_.back();
    free_.pop_back();
    pool_[id].clear();
  }
  Envelope& envelope = pool_[id];
  envelope.type = type;
  envelope.from = from;
  envelope.to = to;
  return id;
}

void Network::release(EnvelopeId id) {
  BROKERSIM_ASSERT(id < pool_.size());
  free_.push_back(id);
}

void Network::send(sim::Simulation& simulation, EnvelopeId id) {
  Envelope const& envelope = pool_[id];
  NodeId const from = envelope.from;
  NodeId const to = envelope.to;
  BROKERSIM_ASSERT(from < names_.size() && to < names_.size() && from != to);
  ++sent_;
  PathBehaviour const& path = behaviour(from, to);
  bool const lost = random_.chance(path.loss);
  Node& receiver = *nodes_[to];
  if (lost || !connected(from, to)) {
    ++dropped_;
    release(id);
    return;
  }
  if (!receiver.alive()) {
    bounce(simulation, id);
    return;
  }
  Time const latency = path.latency.sample(random_);
  Time& last = last_arrival_[index(from, to)];
  Time const arrival = std::max(simulation.now() + latency, last);
  last = arrival;
  simulation.schedule_at(arrival, receiver.actor(), receiver.encode(kDeliverType), id, 0);
}

namespace {

bool is_request(MessageType type) {
  switch (type) {
    case MessageType::produce_request:
    case MessageType::fetch_request:
    case MessageType::join_group:
    case MessageType::heartbeat:
    case MessageType::commit_offsets:
    case MessageType::service_call:
      return true;
    default:
      return false;
  }
}

}  // namespace

void Network::bounce(sim::Simulation& simulation, EnvelopeId id) {
  Envelope& envelope = pool_[id];
  Node& sender = *nodes_[envelope.from];
  if (!is_request(envelope.type) || !sender.alive() || !connected(envelope.to, envelope.from)) {
    ++dropped_;
    release(id);
    return;
  }
  envelope.request_type = envelope.type;
  envelope.type = MessageType::connection_reset;
  std::swap(envelope.from, envelope.to);
  envelope.entries.clear();
  Time const latency = behaviour(envelope.from, envelope.to).latency.sample(random_);
  Time& last = last_arrival_[index(envelope.from, envelope.to)];
  Time const arrival = std::max(simulation.now() + latency, last);
  last = arrival;
  simulation.schedule_at(arrival, sender.actor(), sender.encode(kDeliverType), id, 0);
}

void Network::reset_connections(sim::Simulation& simulation, NodeId node) {
  for (NodeId peer = 0; peer < names_.size(); ++peer) {
    Node& other = *nodes_[peer];
    if (peer == node || !other.alive() || !connected(node, peer)) continue;
    // The reset travels behind whatever the dead process had already sent on that connection.
    Time const latency = behaviour(node, peer).latency.sample(random_);
    Time& last = last_arrival_[index(node, peer)];
    Time const arrival = std::max(simulation.now() + latency, last);
    last = arrival;
    simulation.schedule_at(arrival, other.actor(), other.encode(Node::kPeerResetType), node, 0);
  }
}

void Network::cut_traffic(NodeId from, NodeId to) { ++cuts_[index(from, to)]; }

void Network::restore_traffic(NodeId from, NodeId to) {
  std::uint16_t& cut = cuts_[index(from, to)];
  BROKERSIM_ASSERT(cut > 0);
  --cut;
}

}  // namespace brokersim::model
