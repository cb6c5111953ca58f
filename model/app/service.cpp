#include "model/app/service.h"

#include <cmath>

#include "model/core/network.h"
#include "sim/assert.h"

namespace brokersim::model {

ServiceNode::ServiceNode(NodeId id, ServiceConfig const& config, std::uint64_t seed, ServiceTruth& truth)
    : Node(id, NodeKind::service), config_(config), truth_(truth), random_(seed, config.name) {}

void ServiceNode::on_message(sim::Simulation& simulation, EnvelopeHeader const& header) {
  BROKERSIM_ASSERT(header.protocol == Protocol::service);
  auto const& envelope = static_cast<ServiceEnvelope const&>(header);
  if (envelope.type != ServiceMessageType::call || envelope.reset) return;
  Time const now = simulation.now();
  std::uint32_t const calls = truth_.record_call(now);
  Pending pending{envelope.from, envelope.correlation, envelope.value, false};
  bool const overloaded = config_.capacity_per_s && static_cast<double>(calls) > *config_.capacity_per_s;
  if (overloaded || now < outage_until_) {
    // Refused at once: an overloaded or broken service answers with an error, without the work.
    pending.failed = true;
    truth_.record_failure(now);
    respond(simulation, pending);
    return;
  }
  Time latency = config_.latency.sample(random_);
  if (now < slowdown_until_) latency = static_cast<Time>(std::llround(static_cast<double>(latency) * slowdown_));
  std::uint32_t slot = 0;
  if (free_.empty()) {
    slot = static_cast<std::uint32_t>(pending_.size());
    pending_.push_back(pending);
  } else {
    slot = free_.back();
    free_.pop_back();
    pending_[slot] = pending;
  }
  schedule_self(simulation, latency, kRespond, slot);
}

void ServiceNode::handle(sim::Simulation& simulation, std::uint32_t type, std::uint64_t arg0, std::uint64_t) {
  if (type != kRespond || arg0 >= pending_.size()) return;
  Pending pending = pending_[arg0];
  free_.push_back(static_cast<std::uint32_t>(arg0));
  if (simulation.now() < outage_until_) {
    pending.failed = true;  // The outage began while the call was in progress.
    truth_.record_failure(simulation.now());
  }
  respond(simulation, pending);
}

void ServiceNode::respond(sim::Simulation& simulation, Pending const& pending) {
  Network& net = network();
  EnvelopeId const id = net.acquire(ServiceMessageType::response, this->id(), pending.to);
  auto& response = net.envelope<ServiceEnvelope>(id);
  response.correlation = pending.correlation;
  response.value = pending.value;
  response.failed = pending.failed;
  net.send(simulation, id);
}

}  // namespace brokersim::model
