// The simulated network: who the nodes are, and point-to-point delivery with sampled latency, per-link
// loss and cuts (the seam partition and link faults act on).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/core/config.h"
#include "model/core/envelope.h"
#include "model/core/node.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace brokersim::model {

// The most nodes a network holds. Its per-connection tables take 28 bytes for each ordered pair of nodes
// (470 MB at this bound, for every run of a batch at once), so the loader refuses larger scenarios
// (model::node_count counts them) rather than letting a run exhaust memory.
inline constexpr std::size_t kNodesMax = 4096;

// The event type under which a Node receives an envelope (arg0 = EnvelopeId).
inline constexpr std::uint32_t kDeliverType = 0xFFFE;
// Linux's minimum TCP retransmission timeout (TCP_RTO_MIN): how late a stream frame a link lost arrives.
inline constexpr Time kRetransmissionTimeout = 200 * sim::kMicrosPerMilli;

// Delivers envelopes between nodes. Each ordered pair of nodes is one TCP connection: messages on it
// arrive in the order they were sent (a later message never overtakes an earlier one). Zones and the
// links between them form a graph (Boost.Graph): a message between nodes of different zones takes the
// lowest-latency route (Dijkstra over the links' mean latencies) and samples the latency of each hop; a
// link between two nodes, or a node and a zone, overrides the route for that pair. Nodes of one zone (or
// without one) talk over the network's default latency. Each hop may lose, duplicate or reorder a
// message (a reordered message is delayed past later ones). A message is also dropped when its
// connection is cut (partition and link faults) at sending or at arrival; the sender learns of it only
// by a timeout. A request that reaches a dead process is answered by a connection reset.
//
// AMQP connections are long-lived TCP streams with no request timeouts of their own: a frame sent or
// arriving while its connection is cut waits and goes on when the cut heals (TCP retransmits it), and a
// frame a link fault loses arrives a retransmission timeout late, never duplicated or reordered. A frame
// waiting on a connection that either side closed meanwhile (reconnected, gave up on missed heartbeats,
// crashed) is discarded with that connection.
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

  // A fresh envelope of the protocol whose message type `type` is, from its pool; send() or release()
  // gives it back.
  template <class MessageTypeEnum>
  EnvelopeId acquire(MessageTypeEnum type, NodeId from, NodeId to) {
    using TypedEnvelope = typename EnvelopeOf<MessageTypeEnum>::type;
    auto& pool = pool_of<TypedEnvelope>();
    std::uint32_t const index = pool.acquire();
    TypedEnvelope& envelope = pool[index];
    envelope.type = type;
    envelope.from = from;
    envelope.to = to;
    envelope.protocol = TypedEnvelope::kProtocol;
    envelope.request = TypedEnvelope::is_request(type);
    envelope.publish = TypedEnvelope::is_publish(type);
    return make_envelope_id(TypedEnvelope::kProtocol, index);
  }
  template <class TypedEnvelope>
  TypedEnvelope& envelope(EnvelopeId id) {
    BROKERSIM_ASSERT(protocol_of(id) == TypedEnvelope::kProtocol);
    return pool_of<TypedEnvelope>()[index_of(id)];
  }
  EnvelopeHeader& header(EnvelopeId id) { return pools_[static_cast<std::size_t>(protocol_of(id))]->header(index_of(id)); }
  void release(EnvelopeId id);
  // Publishes on their way to a broker (or back as a reset): an acks=0 producer (or an AMQP publisher
  // without confirms) is idle once it has sent, but its messages are not in any broker until these arrive.
  std::uint64_t publishes_in_flight() const { return publishes_in_flight_; }

  // Sends the envelope; its receiver gets it as a kDeliverType event (Node releases it after on_message).
  void send(sim::Simulation& simulation, EnvelopeId id);

  // A request that reached a dead process comes back to its sender marked `reset` (responses to a dead
  // process are simply dropped). Takes ownership of the envelope.
  void bounce(sim::Simulation& simulation, EnvelopeId id);

  // The process on `node` died with its host still up: every live peer learns, one latency later, that
  // its connections to it were reset.
  void reset_connections(sim::Simulation& simulation, NodeId node);

  // Fault seams: cut_traffic(a, b) stops traffic from a to b until restore_traffic(a, b); cuts nest. The
  // restore sends on the stream frames that waited for it.
  void cut_traffic(NodeId from, NodeId to);
  void restore_traffic(sim::Simulation& simulation, NodeId from, NodeId to);
  // A stream frame (AMQP) that reached a cut connection at its arrival: it waits for the heal.
  void hold(EnvelopeId id);
  // An endpoint closed its connection with `peer` (both directions): frames waiting on it are dropped.
  void close_connection(NodeId node, NodeId peer);
  // A process died: every connection it had is gone.
  void close_connections_of(NodeId node);
  static bool is_stream(Protocol protocol) { return protocol == Protocol::amqp; }
  bool connected(NodeId from, NodeId to) const { return cuts_[index(from, to)] == 0; }

  // Link fault seam: while in force, messages between each pair (both directions) also go through
  // `behaviour` (its latency added, its loss, duplication and reordering applied). Returns a handle for
  // clear_link_fault.
  std::size_t add_link_fault(std::vector<std::pair<NodeId, NodeId>> const& pairs, LinkConfig const& behaviour);
  void clear_link_fault(std::size_t handle);

  std::uint64_t messages_sent() const { return sent_; }
  std::uint64_t messages_dropped() const { return dropped_; }
  std::uint64_t messages_duplicated() const { return duplicated_; }

 private:
  // One hop of a route: a link's behaviour (index 0 is the network's default).
  struct Hop {
    Distribution latency;
    double loss = 0.0;
    double duplicate = 0.0;
    double reorder = 0.0;
  };
  // What a message on one connection goes through, drawn once per message.
  struct Passage {
    Time latency = 0;
    bool lost = false;
    bool duplicated = false;
    bool reordered = false;
  };

  std::size_t index(NodeId from, NodeId to) const { return static_cast<std::size_t>(from) * names_.size() + to; }
  bool names_node_or_zone(std::string const& name, NodeId node) const;
  int zone_named(std::string const& name) const;
  void build_routes();
  Passage pass(NodeId from, NodeId to);
  void deliver(sim::Simulation& simulation, EnvelopeId id, Time arrival);
  template <class TypedEnvelope>
  TypedEnvelopePool<TypedEnvelope>& pool_of() {
    auto& pool = pools_[static_cast<std::size_t>(TypedEnvelope::kProtocol)];
    if (!pool) pool = std::make_unique<TypedEnvelopePool<TypedEnvelope>>();
    return static_cast<TypedEnvelopePool<TypedEnvelope>&>(*pool);
  }

  NetworkConfig const& config_;
  sim::RandomStream random_;
  std::vector<std::string> names_;
  std::vector<NodeKind> kinds_;
  std::vector<int> zones_;
  std::vector<Node*> nodes_;
  std::vector<Time> last_arrival_;              // Per connection: FIFO order.
  // Per connection: active cuts. 32 bits: a scenario may overlap more than 65,535 partitions of one pair.
  std::vector<std::uint32_t> cuts_;
  // Stream frames waiting for a cut connection to heal, per connection, in send order, with the
  // connection's generation when they were sent (a close bumps it: older frames are dropped).
  struct Held {
    EnvelopeId id;
    std::uint32_t generation;
  };
  std::map<std::size_t, std::vector<Held>> held_;
  std::vector<std::uint32_t> generations_;      // Per connection.
  std::vector<Hop> hops_;                       // 0: the default; then one per configured link.
  std::vector<std::uint32_t> route_begin_;      // Per connection: its hops are route_hops_[begin, end).
  std::vector<std::uint32_t> route_end_;
  std::vector<std::uint32_t> route_hops_;       // Indexes into hops_: a scenario may have 65,536 links.
  std::vector<std::int32_t> link_fault_;        // Per connection: a hop a link fault adds, or -1.
  std::uint64_t duplicated_ = 0;
  std::uint64_t publishes_in_flight_ = 0;
  std::array<std::unique_ptr<EnvelopePool>, kProtocolCount> pools_;  // Per protocol, made on first use.
  std::uint64_t sent_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace brokersim::model
