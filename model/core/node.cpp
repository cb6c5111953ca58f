#include "model/core/node.h"

#include "model/core/network.h"

namespace brokersim::model {

void Node::attach(sim::Simulation& simulation, Network& network) {
  network_ = &network;
  actor_ = simulation.add_actor(this);
  network.bind(id_, this);
}

void Node::crash(sim::Simulation& simulation) {
  if (!alive_) return;
  alive_ = false;
  ++incarnation_;
  network_->close_connections_of(id_);
  paused_until_ = 0;
  on_crash(simulation);
}

void Node::restart(sim::Simulation& simulation) {
  if (alive_) return;
  alive_ = true;
  on_restart(simulation);
}

void Node::pause(sim::Simulation& simulation, Time duration) {
  if (!alive_ || duration <= 0) return;
  Time const until = simulation.now() + duration;
  if (until <= paused_until_) return;
  paused_until_ = until;
  simulation.schedule_at(until, actor_, encode(kResumeType));
}

void Node::on_event(sim::Simulation& simulation, sim::Event const& event) {
  std::uint32_t const type = event.kind & 0xFFFF;
  bool const delivery = type == kDeliverType;
  if (!alive_ || (event.kind >> 16) != incarnation_) {
    // Meant for a process that no longer exists: its timers die with it; a request that reaches it
    // finds no listener and its sender's connection is reset.
    if (delivery) network_->bounce(simulation, static_cast<EnvelopeId>(event.arg0));
    return;
  }
  if (type == kResumeType) {
    if (simulation.now() >= paused_until_) on_resume(simulation);
    return;
  }
  if (paused(simulation.now())) {
    // Deferred to the end of the pause; rescheduling in dispatch order keeps their order.
    simulation.schedule_at(paused_until_, actor_, event.kind, event.arg0, event.arg1);
    return;
  }
  if (type == kPeerResetType) {
    on_peer_reset(simulation, static_cast<NodeId>(event.arg0));
    return;
  }
  if (!delivery) {
    handle(simulation, type, event.arg0, event.arg1);
    return;
  }
  auto const id = static_cast<EnvelopeId>(event.arg0);
  EnvelopeHeader const& envelope = network_->header(id);
  // A cut that began while the message was in flight loses it too (a stream frame waits for the heal).
  if (!network_->connected(envelope.from, envelope.to) && Network::is_stream(protocol_of(id))) {
    network_->hold(id);
    return;
  }
  if (network_->connected(envelope.from, envelope.to)) on_message(simulation, envelope);
  network_->release(id);
}

}  // namespace brokersim::model
