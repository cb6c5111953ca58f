#include "faults/injector.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <type_traits>

#include "sim/assert.h"
#include "sim/format.h"

namespace brokersim::faults {

namespace {

// The shortest decimal that reads back as `value`, whatever the C locale says (std::to_string follows
// LC_NUMERIC).
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

}  // namespace

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
    case kBegin:
      begin(simulation, static_cast<std::size_t>(event.arg0));
      return;
    case kRestart: {
      auto const node = static_cast<model::NodeId>(event.arg0);
      if (world_.network().node(node).alive()) return;
      bool const restarted = world_.restart(simulation, node);
      record_end(simulation, node, "crash");
      if (restarted) record(simulation, node, "restart", "");
      return;
    }
    case kHeal:
      for (model::NodeId node : crashed_) {
        if (world_.network().node(node).alive()) continue;
        bool const restarted = world_.restart(simulation, node);
        record_end(simulation, node, "crash");
        if (restarted) record(simulation, node, "restart", "healed when the drain began");
      }
      for (std::size_t i = 0; i < cuts_.size(); ++i) end_partition(simulation, i);
      for (std::size_t i = 0; i < links_.size(); ++i) end_link(simulation, i);
      for (std::size_t i = 0; i < skews_.size(); ++i) end_clock(simulation, i);
      heal_services_and_processing(simulation);
      return;
    case kEndPartition:
      end_partition(simulation, static_cast<std::size_t>(event.arg0));
      return;
    case kEndLink:
      end_link(simulation, static_cast<std::size_t>(event.arg0));
      return;
    case kEndClock:
      end_clock(simulation, static_cast<std::size_t>(event.arg0));
      return;
    case kReplayNext: {
      Replay& replay = replays_[event.arg0];
      if (replay.next >= replay.messages.size()) return;
      if (replay.replayer->alive()) replay.replayer->replay(simulation, replay.messages[replay.next]);
      if (++replay.next < replay.messages.size()) simulation.schedule(replay.gap, self_, kReplayNext, event.arg0);
      return;
    }
    case kEndSlowdown:
      for (model::NodeId node : slowed_[event.arg0]) {
        if (model::ConsumerInstance* consumer = world_.consumer_node(node)) consumer->set_slowdown(1.0);
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
                          : selector.name == "controller" ? std::optional(model::NodeKind::controller)
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
    record(simulation, node, "pause", "for " + milliseconds(pause.duration), simulation.now() + pause.duration);
  }
}

std::vector<model::NodeId> FaultInjector::resolve_all(std::vector<NodeSelector> const& selectors) {
  std::vector<model::NodeId> nodes;
  for (NodeSelector const& selector : selectors) {
    for (model::NodeId node : resolve(selector)) nodes.push_back(node);
  }
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  return nodes;
}

// Cuts every connection from the first side to the second (and back unless one_way); a single side is
// cut off from every other node.
void FaultInjector::apply(sim::Simulation& simulation, Partition const& partition) {
  std::vector<model::NodeId> const first = resolve_all(partition.sides[0]);
  std::vector<model::NodeId> second;
  if (partition.sides.size() > 1) {
    second = resolve_all(partition.sides[1]);
  } else {
    for (model::NodeId node = 0; node < world_.network().node_count(); ++node) {
      if (!std::binary_search(first.begin(), first.end(), node)) second.push_back(node);
    }
  }
  Cut cut;
  for (model::NodeId a : first) {
    for (model::NodeId b : second) {
      if (a == b) continue;
      cut.connections.emplace_back(a, b);
      if (!partition.one_way) cut.connections.emplace_back(b, a);
    }
  }
  for (auto const& [from, to] : cut.connections) world_.network().cut_traffic(from, to);
  cut.active = true;
  cuts_.push_back(std::move(cut));
  std::string const detail = (partition.one_way ? "cannot send to " : "cut off from ") + node_list(world_, second) +
                             " for " + milliseconds(partition.duration);
  for (model::NodeId node : first) record(simulation, node, "partition", detail, simulation.now() + partition.duration);
  world_.controller().on_connectivity_change(simulation);
  simulation.schedule(partition.duration, self_, kEndPartition, cuts_.size() - 1);
}

void FaultInjector::end_partition(sim::Simulation& simulation, std::size_t index) {
  Cut& cut = cuts_[index];
  if (!cut.active) return;
  cut.active = false;
  for (auto const& [from, to] : cut.connections) world_.network().restore_traffic(from, to);
  if (!cut.connections.empty()) record(simulation, cut.connections.front().first, "heal", "partition healed");
  world_.controller().on_connectivity_change(simulation);
}

void FaultInjector::apply(sim::Simulation& simulation, LinkFault const& link) {
  std::vector<model::NodeId> const a = resolve(link.between[0]);
  std::vector<model::NodeId> const b = resolve(link.between[1]);
  std::vector<std::pair<model::NodeId, model::NodeId>> pairs;
  for (model::NodeId x : a) {
    for (model::NodeId y : b) {
      if (x != y) pairs.emplace_back(x, y);
    }
  }
  model::LinkConfig behaviour;
  behaviour.latency = link.latency;
  behaviour.loss = link.loss;
  behaviour.duplicate = link.duplicate;
  behaviour.reorder = link.reorder;
  links_.push_back(Link{world_.network().add_link_fault(pairs, behaviour), true});
  std::string detail = "link to " + node_list(world_, b) + " degraded for " + milliseconds(link.duration);
  for (model::NodeId node : a) record(simulation, node, "link", detail, simulation.now() + link.duration);
  simulation.schedule(link.duration, self_, kEndLink, links_.size() - 1);
}

void FaultInjector::end_link(sim::Simulation&, std::size_t index) {
  Link& link = links_[index];
  if (!link.active) return;
  link.active = false;
  world_.network().clear_link_fault(link.handle);
}

void FaultInjector::apply(sim::Simulation& simulation, ClockFault const& clock) {
  Skew skew;
  skew.nodes = resolve(clock.target);
  for (model::NodeId node : skew.nodes) {
    model::LocalClock& local = world_.network().node(node).clock();
    if (clock.offset != 0) local.jump(clock.offset);
    if (clock.drift_ppm != 0.0) local.set_drift(simulation.now(), clock.drift_ppm);
    record(simulation, node, "clock",
           (clock.offset != 0 ? "jumped " + milliseconds(clock.offset) : std::string()) +
               (clock.drift_ppm != 0.0 ? (clock.offset != 0 ? ", " : "") + std::string("drifting ") +
                                             decimal(clock.drift_ppm) + " ppm"
                                       : std::string()));
  }
  skew.active = true;
  skews_.push_back(std::move(skew));
  if (clock.duration) simulation.schedule(*clock.duration, self_, kEndClock, skews_.size() - 1);
}

// The clock is set right again (an NTP step back to true time) and stops drifting.
void FaultInjector::end_clock(sim::Simulation& simulation, std::size_t index) {
  Skew& skew = skews_[index];
  if (!skew.active) return;
  skew.active = false;
  for (model::NodeId node : skew.nodes) {
    model::LocalClock& local = world_.network().node(node).clock();
    local.set_drift(simulation.now(), 0.0);
    local.jump(simulation.now() - local.read(simulation.now()));
  }
}

void FaultInjector::apply(sim::Simulation& simulation, Poison const& poison) {
  for (model::NodeId node : resolve(poison.target)) {
    model::ProducerInstance* producer = world_.producer_node(node);
    if (producer == nullptr) continue;
    producer->make_poison(poison.count, poison.every);
    record(simulation, node, "poison", poison.count ? "next " + std::to_string(*poison.count) + " message(s) malformed"
                                                    : "every " + std::to_string(*poison.every) + "th message malformed");
  }
}

void FaultInjector::apply(sim::Simulation& simulation, SchemaChange const& change) {
  for (model::NodeId node : resolve(change.target)) {
    model::ProducerInstance* producer = world_.producer_node(node);
    if (producer == nullptr) continue;
    producer->set_schema(change.version);
    record(simulation, node, "schema_change", "writes schema version " + std::to_string(change.version));
  }
}

// Republishes the group's dead-lettered messages to its source topic: all at once, or one every
// 1/rate_per_s seconds. A message dead-lettered again later is not replayed twice by this fault.
void FaultInjector::apply(sim::Simulation& simulation, DlqReplay const& replay) {
  std::size_t const group = world_.group_index(replay.target.name);
  model::ProducerInstance* replayer = group == SIZE_MAX ? nullptr : world_.replayer(group);
  if (replayer == nullptr) return;  // The group has no dead-letter topic.
  model::GroupTruth const& truth = world_.truth().groups[group];
  Replay pending{replayer, {}, 0, 0};
  for (std::uint32_t id = 0; id < truth.flags.size(); ++id) {
    if (truth.has(id, model::GroupTruth::kDeadLettered)) pending.messages.push_back(id);
  }
  record(simulation, replayer->id(), "dlq_replay",
         std::to_string(pending.messages.size()) + " message(s) " +
             (replay.rate_per_s ? "at " + decimal(*replay.rate_per_s) + " per second" : std::string("all at once")));
  if (pending.messages.empty()) return;
  if (!replay.rate_per_s) {
    for (std::uint32_t id : pending.messages) replayer->replay(simulation, id);
    return;
  }
  pending.gap = std::max<Time>(1, static_cast<Time>(static_cast<double>(sim::kMicrosPerSecond) / *replay.rate_per_s));
  replays_.push_back(std::move(pending));
  simulation.schedule(0, self_, kReplayNext, replays_.size() - 1);
}

// The group's deployment changes to `instances` members: new instances start and join, surplus ones
// (the highest-numbered, as a StatefulSet scales down) close cleanly and leave; either way the group
// rebalances.
void FaultInjector::apply(sim::Simulation& simulation, Scale const& scale) {
  std::size_t const group = world_.group_index(scale.target.name);
  BROKERSIM_ASSERT(group != SIZE_MAX);  // The loader allows only groups as targets.
  int const before = world_.deployed_instances(group);
  world_.scale(simulation, group, scale.instances);
  std::vector<model::NodeId> const instances = world_.nodes_named(scale.target.name);
  BROKERSIM_ASSERT(!instances.empty());
  record(simulation, instances.front(), "scale",
         "group " + scale.target.name + " from " + std::to_string(before) + " to " + std::to_string(scale.instances) + " instance(s)");
}

void FaultInjector::apply(sim::Simulation& simulation, Outage const& outage) {
  for (model::NodeId node : resolve(outage.target)) {
    model::ServiceNode* service = world_.service_named(world_.network().name(node));
    if (service == nullptr) continue;
    service->start_outage(simulation.now() + outage.duration);
    record(simulation, node, "outage", "every call fails for " + milliseconds(outage.duration), simulation.now() + outage.duration);
    degraded_.push_back(Degraded{node, simulation.now() + outage.duration, world_.truth().faults.size() - 1});
  }
}

void FaultInjector::apply(sim::Simulation& simulation, Slowdown const& slowdown) {
  std::vector<model::NodeId> consumers;
  for (model::NodeId node : resolve(slowdown.target)) {
    std::string const detail = decimal(slowdown.factor) + " times slower for " + milliseconds(slowdown.duration);
    if (model::ServiceNode* service = world_.service_named(world_.network().name(node))) {
      service->set_slowdown(slowdown.factor, simulation.now() + slowdown.duration);
    } else if (model::ConsumerInstance* consumer = world_.consumer_node(node)) {
      consumer->set_slowdown(slowdown.factor);
      consumers.push_back(node);
    } else {
      continue;
    }
    record(simulation, node, "slowdown", detail, simulation.now() + slowdown.duration);
    degraded_.push_back(Degraded{node, simulation.now() + slowdown.duration, world_.truth().faults.size() - 1});
  }
  slowed_.push_back(std::move(consumers));
  simulation.schedule(slowdown.duration, self_, kEndSlowdown, slowed_.size() - 1);
}

// Outages and slowdowns still going on when the drain begins end then, as every other fault does.
void FaultInjector::heal_services_and_processing(sim::Simulation& simulation) {
  Time const now = simulation.now();
  for (Degraded const& degraded : degraded_) {
    if (degraded.until <= now) continue;
    if (model::ServiceNode* service = world_.service_named(world_.network().name(degraded.node))) service->heal(now);
    if (model::ConsumerInstance* consumer = world_.consumer_node(degraded.node)) consumer->set_slowdown(1.0);
    model::FaultEvent& event = world_.mutable_truth().faults[degraded.record];  // Written, never read back.
    event.until = now;
    event.detail += " (healed when the drain began)";
  }
}

void FaultInjector::record(sim::Simulation& simulation, model::NodeId node, char const* kind, std::string detail, Time until) {
  world_.mutable_truth().faults.push_back(model::FaultEvent{simulation.now(), until, node, kind, std::move(detail)});
}

void FaultInjector::record_end(sim::Simulation& simulation, model::NodeId node, char const* kind) {
  auto& faults = world_.mutable_truth().faults;
  for (auto fault = faults.rbegin(); fault != faults.rend(); ++fault) {
    if (fault->node == node && fault->kind == kind && fault->until == model::kNever) {
      fault->until = simulation.now();
      return;
    }
  }
}

}  // namespace brokersim::faults
