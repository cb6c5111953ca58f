#include "faults/injector.h"

#include <algorithm>
#include <type_traits>

#include "sim/assert.h"

namespace brokersim::faults {

namespace {

std::string milliseconds(Time micros) {
  double const ms = sim::time_to_ms(micros);
  std::string text = std::to_string(ms);
  text.erase(text.find_last_not_of('0') + 1);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text + " ms";
}

bool simulated(FaultAction const& action) {
  return std::holds_alternative<Crash>(action) || std::holds_alternative<Pause>(action);
}

}  // namespace

FaultInjector::FaultInjector(std::vector<Fault> const& faults, model::World& world, std::uint64_t seed)
    : faults_(faults), world_(world), random_(seed, "faults") {}

std::vector<char const*> FaultInjector::unsupported_kinds(std::vector<Fault> const& faults) {
  std::vector<char const*> kinds;
  for (Fault const& fault : faults) {
    char const* kind = kind_name(fault.action);
    if (!simulated(fault.action) && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
  }
  return kinds;
}

void FaultInjector::start(sim::Simulation& simulation, Time drain_start, bool heal_at_drain) {
  self_ = simulation.add_actor(this);
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    if (simulated(faults_[i].action)) simulation.schedule_at(faults_[i].at, self_, kBegin, i);
  }
  if (heal_at_drain) simulation.schedule_at(drain_start, self_, kHeal);
}

void FaultInjector::on_event(sim::Simulation& simulation, sim::Event const& event) {
  switch (event.kind) {
    case kBegin:
      begin(simulation, static_cast<std::size_t>(event.arg0));
      return;
    case kRestart: {
      auto const node = static_cast<model::NodeId>(event.arg0);
      if (world_.network().node(node).alive()) return;
      world_.restart(simulation, node);
      record(simulation, node, "restart", "");
      return;
    }
    case kHeal:
      for (model::NodeId node : crashed_) {
        if (world_.network().node(node).alive()) continue;
        world_.restart(simulation, node);
        record(simulation, node, "restart", "healed when the drain began");
      }
      return;
    default:
      BROKERSIM_ASSERT(false);
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

void FaultInjector::begin(sim::Simulation& simulation, std::size_t index) {
  std::visit([&](auto const& action) { apply(simulation, action); }, faults_[index].action);
}

void FaultInjector::apply(sim::Simulation& simulation, Crash const& crash) {
  for (model::NodeId node : resolve(crash.target)) {
    if (!world_.network().node(node).alive()) continue;
    world_.crash(simulation, node, crash.lose_unflushed);
    crashed_.push_back(node);
    record(simulation, node, "crash", crash.lose_unflushed ? "lost its unflushed log tail" : "");
    if (crash.restart_after) simulation.schedule(*crash.restart_after, self_, kRestart, node);
  }
}

void FaultInjector::apply(sim::Simulation& simulation, Pause const& pause) {
  for (model::NodeId node : resolve(pause.target)) {
    world_.pause(simulation, node, pause.duration);
    record(simulation, node, "pause", "for " + milliseconds(pause.duration));
  }
}

void FaultInjector::record(sim::Simulation& simulation, model::NodeId node, char const* kind, std::string detail) {
  world_.mutable_truth().faults.push_back(model::FaultEvent{simulation.now(), node, kind, std::move(detail)});
}

}  // namespace brokersim::faults
