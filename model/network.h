// The simulated network: who the nodes are, and point-to-point delivery with sampled latency, per-link
// loss and cuts (the seam partition and link faults act on).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/messages.h"
#include "model/node.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

using EnvelopeId = std::uint32_t;

// The event type under which a Node receives an envelope (arg0 = EnvelopeId).
inline constexpr std::uint32_t kDeliverType = 0xFFFE;

// Delivers envelopes between nodes. Each ordered pair of nodes is one TCP connection: messages on it
// arrive in the order they were sent (a later message never overtakes an earlier one), each after a
// latency drawn from the link's distribution. A message is dropped when its link loses it, when the link
// is cut at sending or at arrival, or when the destination is down; the sender learns of it only by a
// timeout, as in the real thing.
class Network {
 public:
  Network(NetworkConfig const& config, std::uint64_t seed);

  NodeId add_node(std::string name, NodeKind kind, int zone);
  void bind(NodeId id, Node* node);
  std::string const& name(NodeId id) const { return names_[id]; }
  int zone(NodeId id) const { return zones_[id]; }
  NodeKind kind(NodeId id) const { return kinds_[id]; }
  Node& node(NodeId id) const { return *nodes_[id]; }
  std::size_t node_count() const { return names_.size(); }
  // Sizes the per-connection tables once every node is known.
  void finish_setup();

  // A cleared envelope from the pool; send() or release() gives it back.
  EnvelopeId acquire(MessageType type, NodeId from, NodeId to);
  Envelope& envelope(EnvelopeId id) { return pool_[id]; }
  void release(EnvelopeId id);

  // Sends the envelope; its receiver gets it as a kDeliverType event (Node releases it after on_message).
  void send(sim::Simulation& simulation, EnvelopeId id);

  // A request that reached a dead process comes back to its sender as connection_reset (responses to
  // a dead process are simply dropped). Takes ownership of the envelope.
  void bounce(sim::Simulation& simulation, EnvelopeId id);

  // The process on `node` died with its host still up: every live peer learns, one latency later, that
  // its connections to it were reset.
  void reset_connections(sim::Simulation& simulation, NodeId node);

  // Fault seams: cut_traffic(a, b) stops traffic from a to b until restore_traffic(a, b); cuts nest.
  void cut_traffic(NodeId from, NodeId to);
  void restore_traffic(NodeId from, NodeId to);
  bool connected(NodeId from, NodeId to) const { return cuts_[index(from, to)] == 0; }

  std::uint64_t messages_sent() const { return sent_; }
  std::uint64_t messages_dropped() const { return dropped_; }

 private:
  // What applies to one ordered pair of nodes, resolved once from the configured links.
  struct PathBehaviour {
    Distribution latency;
    double loss = 0.0;
  };

  std::size_t index(NodeId from, NodeId to) const { return static_cast<std::size_t>(from) * names_.size() + to; }
  PathBehaviour const& behaviour(NodeId from, NodeId to) const { return behaviours_[path_behaviour_[index(from, to)]]; }
  bool link_matches(LinkConfig const& link, NodeId a, NodeId b) const;
  bool names_node_or_zone(std::string const& name, NodeId node) const;

  NetworkConfig const& config_;
  sim::RandomStream random_;
  std::vector<std::string> names_;
  std::vector<NodeKind> kinds_;
  std::vector<int> zones_;
  std::vector<Node*> nodes_;
  std::vector<Time> last_arrival_;              // Per connection: FIFO order.
  std::vector<std::uint16_t> cuts_;             // Per connection: active cuts.
  std::vector<std::uint16_t> path_behaviour_;   // Per connection: index into behaviours_.
  std::vector<PathBehaviour> behaviours_;
  std::deque<Envelope> pool_;  // A deque: references stay valid while handlers acquire more.
  std::vector<EnvelopeId> free_;
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace brokersim::model
