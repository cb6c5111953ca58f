#include "model/core/network.h"

#include <algorithm>
#include <limits>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include "sim/assert.h"

namespace brokersim::model {

namespace {

using ZoneGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                                        boost::property<boost::edge_weight_t, double, boost::property<boost::edge_index_t, std::uint32_t>>>;

}  // namespace

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

int Network::zone_named(std::string const& name) const {
  for (std::size_t z = 0; z < config_.zones.size(); ++z) {
    if (config_.zones[z] == name) return static_cast<int>(z);
  }
  return -1;
}

bool Network::names_node_or_zone(std::string const& name, NodeId node) const {
  if (names_[node] == name) return true;
  int const zone = zones_[node];
  return zone >= 0 && config_.zones[static_cast<std::size_t>(zone)] == name;
}

void Network::finish_setup() {
  std::size_t const count = names_.size();
  BROKERSIM_ASSERT(count > 0 && count <= kNodesMax);  // Per-connection tables are count^2.
  for (NodeId id = 0; id < count; ++id) BROKERSIM_ASSERT(nodes_[id] != nullptr);
  last_arrival_.assign(count * count, 0);
  cuts_.assign(count * count, 0);
  generations_.assign(count * count, 0);
  link_fault_.assign(count * count, -1);
  hops_.assign(1, Hop{config_.latency, 0.0, 0.0, 0.0});
  for (LinkConfig const& link : config_.links) {
    hops_.push_back(Hop{link.latency.value_or(config_.latency), link.loss, link.duplicate, link.reorder});
  }
  build_routes();
}

// Routes between zones come from Dijkstra over the zone links' mean latencies; a link that names a node
// overrides the route of the pairs it matches (the last matching link wins).
void Network::build_routes() {
  std::size_t const count = names_.size();
  std::size_t const zones = config_.zones.size();
  ZoneGraph graph(zones);
  for (std::size_t link = 0; link < config_.links.size(); ++link) {
    LinkConfig const& config = config_.links[link];
    int const a = zone_named(config.between[0]);
    int const b = zone_named(config.between[1]);
    if (a < 0 || b < 0 || a == b) continue;
    double const mean = hops_[link + 1].latency.mean_micros();
    boost::add_edge(static_cast<std::size_t>(a), static_cast<std::size_t>(b),
                    ZoneGraph::edge_property_type(std::isfinite(mean) ? mean : 1e18, static_cast<std::uint32_t>(link + 1)), graph);
  }
  // For every source zone: predecessors on the shortest paths.
  std::vector<std::vector<std::size_t>> predecessors(zones, std::vector<std::size_t>(zones));
  for (std::size_t source = 0; source < zones; ++source) {
    std::vector<double> distance(zones, std::numeric_limits<double>::infinity());
    boost::dijkstra_shortest_paths(graph, source,
                                   boost::predecessor_map(predecessors[source].data()).distance_map(distance.data()));
  }
  auto const edge_hop = [&](std::size_t a, std::size_t b) {
    auto const [edge, found] = boost::edge(a, b, graph);
    BROKERSIM_ASSERT(found);
    return boost::get(boost::edge_index, graph, edge);
  };
  route_begin_.assign(count * count, 0);
  route_end_.assign(count * count, 0);
  route_hops_.clear();
  for (NodeId from = 0; from < count; ++from) {
    for (NodeId to = 0; to < count; ++to) {
      std::size_t const pair = index(from, to);
      route_begin_[pair] = static_cast<std::uint32_t>(route_hops_.size());
      std::uint32_t direct = 0;
      for (std::size_t link = 0; link < config_.links.size(); ++link) {
        LinkConfig const& config = config_.links[link];
        bool const names_node = zone_named(config.between[0]) < 0 || zone_named(config.between[1]) < 0;
        bool const matches = (names_node_or_zone(config.between[0], from) && names_node_or_zone(config.between[1], to)) ||
                             (names_node_or_zone(config.between[0], to) && names_node_or_zone(config.between[1], from));
        if (names_node && matches) direct = static_cast<std::uint32_t>(link + 1);
      }
      int const zone_from = zones_[from];
      int const zone_to = zones_[to];
      if (direct == 0 && zone_from >= 0 && zone_to >= 0 && zone_from != zone_to) {
        // Walk the shortest path back from the destination zone; unreachable zones keep the default.
        auto const& previous = predecessors[static_cast<std::size_t>(zone_from)];
        std::size_t at = static_cast<std::size_t>(zone_to);
        std::vector<std::uint32_t> path;
        while (at != static_cast<std::size_t>(zone_from) && previous[at] != at) {
          path.push_back(edge_hop(previous[at], at));
          at = previous[at];
        }
        if (at == static_cast<std::size_t>(zone_from)) route_hops_.insert(route_hops_.end(), path.rbegin(), path.rend());
      }
      if (direct != 0) route_hops_.push_back(direct);
      if (route_hops_.size() == route_begin_[pair]) route_hops_.push_back(0);  // Same zone, or no route: the default.
      route_end_[pair] = static_cast<std::uint32_t>(route_hops_.size());
    }
  }
}

Network::Passage Network::pass(NodeId from, NodeId to) {
  std::size_t const pair = index(from, to);
  Passage passage;
  auto const cross = [&](Hop const& hop) {
    passage.latency += hop.latency.sample(random_);
    passage.lost = passage.lost || random_.chance(hop.loss);
    passage.duplicated = passage.duplicated || random_.chance(hop.duplicate);
    passage.reordered = passage.reordered || random_.chance(hop.reorder);
  };
  for (std::uint32_t h = route_begin_[pair]; h < route_end_[pair]; ++h) cross(hops_[route_hops_[h]]);
  if (link_fault_[pair] >= 0) cross(hops_[static_cast<std::size_t>(link_fault_[pair])]);
  return passage;
}

void Network::release(EnvelopeId id) {
  EnvelopeHeader& envelope = header(id);
  if (envelope.counted) {
    BROKERSIM_ASSERT(publishes_in_flight_ > 0);
    envelope.counted = false;
    --publishes_in_flight_;
  }
  pools_[static_cast<std::size_t>(protocol_of(id))]->release(index_of(id));
}

void Network::deliver(sim::Simulation& simulation, EnvelopeId id, Time arrival) {
  EnvelopeHeader& envelope = header(id);
  if (envelope.publish && !envelope.counted) {
    envelope.counted = true;
    ++publishes_in_flight_;
  }
  Node& receiver = *nodes_[envelope.to];
  simulation.schedule_at(arrival, receiver.actor(), receiver.encode(kDeliverType), id, 0);
}

void Network::send(sim::Simulation& simulation, EnvelopeId id) {
  NodeId const from = header(id).from;
  NodeId const to = header(id).to;
  BROKERSIM_ASSERT(from < names_.size() && to < names_.size() && from != to);
  ++sent_;
  Passage passage = pass(from, to);
  if (is_stream(protocol_of(id))) {
    if (!connected(from, to)) {
      hold(id);
      return;
    }
    // TCP: a lost segment comes again after the retransmission timeout; nothing is duplicated or reordered.
    if (passage.lost) passage.latency += kRetransmissionTimeout;
    passage.lost = passage.duplicated = passage.reordered = false;
  }
  if (passage.lost || !connected(from, to)) {
    ++dropped_;
    release(id);
    return;
  }
  if (!nodes_[to]->alive()) {
    bounce(simulation, id);
    return;
  }
  Time& last = last_arrival_[index(from, to)];
  Time arrival = simulation.now() + passage.latency;
  if (passage.reordered) {
    // Held back past what follows it (not in the connection's order): later messages may overtake it.
    arrival += pass(from, to).latency;
  } else {
    arrival = std::max(arrival, last);
    last = arrival;
  }
  if (passage.duplicated) {
    ++duplicated_;
    Protocol const protocol = protocol_of(id);
    EnvelopeId const copy = make_envelope_id(protocol, pools_[static_cast<std::size_t>(protocol)]->copy(index_of(id)));
    deliver(simulation, copy, std::max(arrival, last));
  }
  deliver(simulation, id, arrival);
}

void Network::bounce(sim::Simulation& simulation, EnvelopeId id) {
  EnvelopeHeader& envelope = header(id);
  Node& sender = *nodes_[envelope.from];
  if (!envelope.request || envelope.reset || !sender.alive() || !connected(envelope.to, envelope.from)) {
    ++dropped_;
    release(id);
    return;
  }
  envelope.reset = true;
  std::swap(envelope.from, envelope.to);
  Time& last = last_arrival_[index(envelope.from, envelope.to)];
  Time const arrival = std::max(simulation.now() + pass(envelope.from, envelope.to).latency, last);
  last = arrival;
  deliver(simulation, id, arrival);
}

void Network::reset_connections(sim::Simulation& simulation, NodeId node) {
  for (NodeId peer = 0; peer < names_.size(); ++peer) {
    Node& other = *nodes_[peer];
    if (peer == node || !other.alive() || !connected(node, peer)) continue;
    // The reset travels behind whatever the dead process had already sent on that connection.
    Time& last = last_arrival_[index(node, peer)];
    Time const arrival = std::max(simulation.now() + pass(node, peer).latency, last);
    last = arrival;
    simulation.schedule_at(arrival, other.actor(), other.encode(Node::kPeerResetType), node, 0);
  }
}

void Network::cut_traffic(NodeId from, NodeId to) { ++cuts_[index(from, to)]; }

void Network::restore_traffic(sim::Simulation& simulation, NodeId from, NodeId to) {
  std::uint32_t& cut = cuts_[index(from, to)];
  BROKERSIM_ASSERT(cut > 0);
  --cut;
  if (cut > 0) return;
  auto const waiting = held_.find(index(from, to));
  if (waiting == held_.end()) return;
  std::vector<Held> const frames = std::move(waiting->second);
  held_.erase(waiting);
  Time& last = last_arrival_[index(from, to)];
  for (Held const& frame : frames) {
    if (frame.generation != generations_[index(from, to)]) {
      ++dropped_;
      release(frame.id);
      continue;
    }
    Time const arrival = std::max(simulation.now() + pass(from, to).latency, last);
    last = arrival;
    deliver(simulation, frame.id, arrival);
  }
}

void Network::hold(EnvelopeId id) {
  EnvelopeHeader const& envelope = header(id);
  BROKERSIM_ASSERT(is_stream(protocol_of(id)) && !connected(envelope.from, envelope.to));
  std::size_t const connection = index(envelope.from, envelope.to);
  held_[connection].push_back(Held{id, generations_[connection]});
  // Still on its way: the run does not end while it waits (it may arrive at the heal).
  EnvelopeHeader& waiting = header(id);
  if (waiting.publish && !waiting.counted) {
    waiting.counted = true;
    ++publishes_in_flight_;
  }
}

void Network::close_connection(NodeId node, NodeId peer) {
  ++generations_[index(node, peer)];
  ++generations_[index(peer, node)];
}

void Network::close_connections_of(NodeId node) {
  for (NodeId peer = 0; peer < names_.size(); ++peer) {
    if (peer != node) close_connection(node, peer);
  }
}

std::size_t Network::add_link_fault(std::vector<std::pair<NodeId, NodeId>> const& pairs, LinkConfig const& behaviour) {
  std::size_t const handle = hops_.size();
  // A fault's latency adds to the route's only when it gives one; its probabilities always apply.
  hops_.push_back(Hop{behaviour.latency.value_or(Distribution::constant(0.0)), behaviour.loss, behaviour.duplicate,
                      behaviour.reorder});
  for (auto const& [a, b] : pairs) {
    link_fault_[index(a, b)] = static_cast<std::int32_t>(handle);
    link_fault_[index(b, a)] = static_cast<std::int32_t>(handle);
  }
  return handle;
}

void Network::clear_link_fault(std::size_t handle) {
  for (std::int32_t& fault : link_fault_) {
    if (fault == static_cast<std::int32_t>(handle)) fault = -1;
  }
}

}  // namespace brokersim::model
