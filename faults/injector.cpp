#include "faults/injector.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "faults/registry.h"
#include "sim/assert.h"
#include "sim/format.h"

namespace brokersim::faults {

std::string decimal(double value) {
  std::array<char, 32> buffer{};
  auto const [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  BROKERSIM_ASSERT(error == std::errc());
  return std::string(buffer.data(), end);
}

std::string milliseconds(Time micros) { return decimal(sim::time_to_ms(micros)) + " ms"; }

std::string node_list(model::World const& world, std::vector<model::NodeId> const& nodes) {
  std::string text;
  for (std::size_t i = 0; i < nodes.size() && i < 6; ++i) text += (i ? ", " : "") + world.network().name(nodes[i]);
  if (nodes.size() > 6) text += ", ... (" + std::to_string(nodes.size()) + " nodes)";
  return text;
}

FaultInjector::FaultInjector(std::vector<Fault> const& faults, model::World& world, std::uint64_t seed)
    : faults_(faults), world_(world), random_(seed, "faults") {}

void FaultInjector::start(sim::Simulation& simulation, Time drain_start, bool heal_at_drain) {
  self_ = simulation.add_actor(this);
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    simulation.schedule_at(faults_[i].at, self_, kBegin, i);
  }
  if (heal_at_drain) simulation.schedule_at(drain_start, self_, kHeal);
}

void FaultInjector::on_event(sim::Simulation& simulation, sim::Event const& event) {
  switch (event.kind) {
    case kBegin: {
      Fault const& fault = faults_[static_cast<std::size_t>(event.arg0)];
      Injection injection(*this, simulation, *fault.kind);
      fault.kind->begin(injection, fault.spec);
      return;
    }
    case kHeal:
      heal(simulation);
      return;
    default: {
      Kept& kept = kept_[static_cast<std::size_t>(event.arg0)];
      BROKERSIM_ASSERT(event.kind == kept.kind->follow_up_event);
      Injection injection(*this, simulation, *kept.kind);
      kept.lasting->follow_up(injection, event.arg1);
      return;
    }
  }
}

// Kind by kind (crashes first: nodes restart before the network mends), in the order they began.
void FaultInjector::heal(sim::Simulation& simulation) {
  std::vector<std::size_t> order(kept_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return kept_[a].kind->heal_order < kept_[b].kind->heal_order; });
  for (std::size_t index : order) {
    Injection injection(*this, simulation, *kept_[index].kind);
    kept_[index].lasting->heal(injection);
  }
}

std::vector<model::NodeId> FaultInjector::resolve(NodeSelector const& selector) {
  switch (selector.kind) {
    case NodeSelector::Kind::name:
    case NodeSelector::Kind::group:
      return world_.nodes_named(selector.name);
    case NodeSelector::Kind::leader_of: {
      model::WorldConfig const& config = world_.config();
      std::uint32_t const topic = model::topic_index(config, selector.topic);
      std::uint32_t const partition = world_.controller().layout().global(topic, selector.partition);
      int const leader = world_.controller().partition(partition).leader;
      if (leader == model::kNoLeader) return {};
      return {world_.controller().broker_node(leader)};
    }
    case NodeSelector::Kind::random: {
      std::vector<model::NodeId> candidates;
      auto const wanted = selector.name == "broker"     ? std::optional(model::NodeKind::broker)
                          : selector.name == "producer" ? std::optional(model::NodeKind::producer)
                          : selector.name == "consumer" ? std::optional(model::NodeKind::consumer)
                          : selector.name == "service"  ? std::optional(model::NodeKind::service)
                          : selector.name == "controller" ? std::optional(model::NodeKind::controller)
                          : selector.name == "rabbit"   ? std::optional(model::NodeKind::rabbit)
                                                        : std::nullopt;
      if (wanted) {
        for (model::NodeId id = 0; id < world_.network().node_count(); ++id) {
          if (world_.network().kind(id) == *wanted) candidates.push_back(id);
        }
      } else {
        candidates = world_.nodes_named(selector.name);
      }
      if (candidates.empty()) return {};
      return {candidates[random_.below(candidates.size())]};
    }
  }
  return {};
}

std::vector<model::SendingApplication*> Injection::producers(NodeSelector const& selector) const {
  std::vector<model::SendingApplication*> found;
  for (model::NodeId node : resolve(selector)) {
    if (model::SendingApplication* producer = world().sender_node(node)) found.push_back(producer);
  }
  return found;
}

std::vector<model::NodeId> Injection::resolve_all(std::vector<NodeSelector> const& selectors) const {
  std::vector<model::NodeId> nodes;
  for (NodeSelector const& selector : selectors) {
    for (model::NodeId node : resolve(selector)) nodes.push_back(node);
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

std::size_t Injection::record(model::NodeId node, char const* kind, std::string detail, Time until) const {
  auto& faults = world().mutable_truth().faults;
  faults.push_back(model::FaultEvent{now(), until, node, kind, std::move(detail)});
  return faults.size() - 1;
}

void Injection::record_end(model::NodeId node, char const* kind) const {
  auto& faults = world().mutable_truth().faults;
  for (auto fault = faults.rbegin(); fault != faults.rend(); ++fault) {
    if (fault->node == node && fault->kind == kind && fault->until == model::kNever) {
      fault->until = now();
      return;
    }
  }
}

std::size_t Injection::keep(std::unique_ptr<Lasting> lasting) const {
  injector_.kept_.push_back(FaultInjector::Kept{&kind_, std::move(lasting)});
  return injector_.kept_.size() - 1;
}

void Injection::follow_up(Time delay, std::size_t lasting, std::uint64_t arg) const {
  FaultKind const& kind = *injector_.kept_[lasting].kind;
  BROKERSIM_ASSERT(kind.follow_up_event != 0 && kind.follow_up_event != FaultInjector::kHeal);
  simulation_.schedule(delay, injector_.self_, kind.follow_up_event, lasting, arg);
}

void Degradation::heal(Injection& injection) {
  model::World& world = injection.world();
  Time const now = injection.now();
  for (Degraded const& degraded : nodes_) {
    if (degraded.until <= now) continue;
    if (model::ServiceNode* service = world.service_named(world.network().name(degraded.node))) service->heal(now);
    if (model::ConsumerInstance* consumer = world.consumer_node(degraded.node)) consumer->set_slowdown(1.0);
    model::FaultEvent& event = world.mutable_truth().faults[degraded.record];  // Written, never read back.
    event.until = now;
    event.detail += " (healed when the drain began)";
  }
}

}  // namespace brokersim::faults
