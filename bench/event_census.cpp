#include "bench/event_census.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "faults/injector.h"
#include "model/core/network.h"
#include "model/core/node.h"
#include "model/kafka/controller.h"
#include "model/kafka/group_coordinator.h"

namespace brokersim::bench {

namespace {

enum class ActorClass : std::uint32_t {
  broker, producer, consumer, service, controller_node, group_coordinator, controller, fault_injector, other
};
constexpr std::uint32_t kStale = 1U << 23;

ActorClass class_of(model::NodeKind kind) {
  switch (kind) {
    case model::NodeKind::broker: return ActorClass::broker;
    case model::NodeKind::producer: return ActorClass::producer;
    case model::NodeKind::consumer: return ActorClass::consumer;
    case model::NodeKind::service: return ActorClass::service;
    case model::NodeKind::controller: return ActorClass::controller_node;
    case model::NodeKind::rabbit: return ActorClass::other;
  }
  return ActorClass::other;
}

std::uint32_t make_key(ActorClass actor, bool stale, std::uint32_t type) {
  return (static_cast<std::uint32_t>(actor) << 24) | (stale ? kStale : 0U) | type;
}
ActorClass actor_of(std::uint32_t key) { return static_cast<ActorClass>(key >> 24); }
std::uint32_t type_of(std::uint32_t key) { return key & 0x7FFFFF; }

// The event types, as the private EventType enums of each class number them (model/kafka/broker.h,
// producer.h, consumer.h, service.h, group_coordinator.h, controller.h, faults/injector.h). A type this
// table does not know is printed by number. `timeout` marks the timers that guard a request or a session.
struct TypeName {
  ActorClass actor;
  std::uint32_t type;
  char const* name;
  bool timeout;
};
constexpr std::array kTypeNames{
    TypeName{ActorClass::broker, 1, "parked fetch expiry (fetch.max.wait)", true},
    TypeName{ActorClass::broker, 6, "parked follower fetch expiry (replica.fetch.wait.max)", true},
    TypeName{ActorClass::broker, 2, "follower fetch: send the next", false},
    TypeName{ActorClass::broker, 3, "follower fetch timeout", true},
    TypeName{ActorClass::broker, 4, "ISR check", false},
    TypeName{ActorClass::broker, 5, "flush", false},
    TypeName{ActorClass::broker, 100, "metadata from the controller", false},
    TypeName{ActorClass::producer, 0, "next send (arrival)", false},
    TypeName{ActorClass::producer, 1, "drain (linger or backoff over)", false},
    TypeName{ActorClass::producer, 2, "produce request timeout", true},
    TypeName{ActorClass::consumer, 1, "heartbeat tick", false},
    TypeName{ActorClass::consumer, 2, "join timeout", true},
    TypeName{ActorClass::consumer, 3, "join retry", false},
    TypeName{ActorClass::consumer, 4, "fetch retry", false},
    TypeName{ActorClass::consumer, 5, "fetch timeout", true},
    TypeName{ActorClass::consumer, 6, "poll", false},
    TypeName{ActorClass::consumer, 7, "record processed", false},
    TypeName{ActorClass::consumer, 8, "commit timeout", true},
    TypeName{ActorClass::consumer, 9, "commit resend", false},
    TypeName{ActorClass::consumer, 10, "auto-commit tick", false},
    TypeName{ActorClass::consumer, 11, "retry record (backoff over)", false},
    TypeName{ActorClass::consumer, 12, "service call timeout", true},
    TypeName{ActorClass::consumer, 13, "leave (scale)", false},
    TypeName{ActorClass::consumer, 14, "retry topic record due", false},
    TypeName{ActorClass::service, 1, "respond", false},
    TypeName{ActorClass::group_coordinator, 0, "lag sample", false},
    TypeName{ActorClass::group_coordinator, 1, "session expiry", true},
    TypeName{ActorClass::group_coordinator, 2, "rebalance deadline", true},
    TypeName{ActorClass::controller, 0, "failover check", false},
    TypeName{ActorClass::controller, 1, "pause check", false},
    TypeName{ActorClass::controller, 2, "pause end", false},
    TypeName{ActorClass::controller, 3, "reachability check", false},
    TypeName{ActorClass::controller, 4, "quorum election", false},
    TypeName{ActorClass::controller, 5, "voter check", false},
    TypeName{ActorClass::fault_injector, 0, "a fault begins", false},
    TypeName{ActorClass::fault_injector, 1, "restart", false},
    TypeName{ActorClass::fault_injector, 2, "heal at the drain", false},
    TypeName{ActorClass::fault_injector, 3, "partition ends", false},
    TypeName{ActorClass::fault_injector, 4, "link fault ends", false},
    TypeName{ActorClass::fault_injector, 5, "clock fault ends", false},
    TypeName{ActorClass::fault_injector, 6, "slowdown ends", false},
    TypeName{ActorClass::fault_injector, 7, "DLQ replay: next message", false},
};

constexpr std::array kMessageNames{
    "produce request", "produce response", "fetch request", "fetch response", "join group",
    "join response",   "heartbeat",        "heartbeat response", "leave group", "commit offsets",
    "commit response", "service call",     "service response",   "connection reset",
};

// The envelope's entry in kMessageNames: Kafka's message types, then the service protocol's, then resets.
std::uint32_t message_index(model::Network& network, model::EnvelopeId id) {
  model::EnvelopeHeader& header = network.header(id);
  if (header.reset) return kMessageNames.size() - 1;
  if (header.protocol == model::Protocol::service) {
    return 11 + static_cast<std::uint32_t>(network.envelope<model::ServiceEnvelope>(id).type);
  }
  return static_cast<std::uint32_t>(network.envelope<model::Envelope>(id).type);
}

TypeName const* find_type(std::uint32_t key) {
  auto const found = std::find_if(kTypeNames.begin(), kTypeNames.end(), [&](TypeName const& name) {
    return name.actor == actor_of(key) && name.type == type_of(key);
  });
  return found == kTypeNames.end() ? nullptr : &*found;
}

std::string percent(double part, double whole, int decimals = 1) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f%%", decimals, whole > 0 ? 100.0 * part / whole : 0.0);
  return text;
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

void EventCensus::before_dispatch(sim::Simulation const& simulation, sim::Event const& event, sim::Actor& actor) {
  // Events scheduled outside a dispatch (World::start, the fault injector) were scheduled at the last
  // dispatch's time (0 before the first).
  if (scheduled_at_.size() < simulation.events_scheduled()) scheduled_at_.resize(simulation.events_scheduled(), last_dispatch_);
  scheduled_before_ = simulation.events_scheduled();
  pending_peak_ = std::max<std::uint64_t>(pending_peak_, simulation.pending() + 1);

  if (auto const* node = dynamic_cast<model::Node*>(&actor)) {
    std::uint32_t type = event.kind & 0xFFFF;
    bool const stale = !node->alive() || (event.kind >> 16) != node->incarnation();
    if (type == model::kDeliverType) {
      type = kDelivery | message_index(node->network(), static_cast<model::EnvelopeId>(event.arg0));
    }
    key_ = make_key(class_of(node->kind()), stale, type);
  } else if (dynamic_cast<model::GroupCoordinator*>(&actor) != nullptr) {
    key_ = make_key(ActorClass::group_coordinator, false, event.kind & 0xFF);
  } else if (dynamic_cast<model::Controller*>(&actor) != nullptr) {
    key_ = make_key(ActorClass::controller, false, event.kind);
  } else if (dynamic_cast<faults::FaultInjector*>(&actor) != nullptr) {
    key_ = make_key(ActorClass::fault_injector, false, event.kind);
  } else {
    key_ = make_key(ActorClass::other, false, event.kind & 0x7FFFFF);
  }
}

void EventCensus::after_dispatch(sim::Simulation const& simulation, sim::Event const& event) {
  std::uint64_t const scheduled = simulation.events_scheduled();
  scheduled_at_.resize(scheduled, event.at);
  last_dispatch_ = event.at;
  pending_after_ = simulation.pending();
  ++events_;
  Tally& tally = tallies_[key_];
  ++tally.events;
  sim::Time const queued = event.at - scheduled_at_[event.sequence];
  tally.queued_us += queued;
  if (scheduled == scheduled_before_) {
    ++tally.idle;
    tally.idle_queued_us += queued;
  }
}

std::string EventCensus::actor_label(std::uint32_t key) {
  static constexpr std::array kNames{"broker", "producer", "consumer", "service", "controller node",
                                     "group coordinator", "controller", "fault injector", "other"};
  return kNames[static_cast<std::size_t>(actor_of(key))];
}

std::string EventCensus::event_label(std::uint32_t key) {
  std::uint32_t const type = type_of(key);
  std::string label;
  if ((type & kDelivery) != 0 && (type & 0xFFFF) < kMessageNames.size() && actor_of(key) <= ActorClass::controller_node) {
    label = std::string("receives ") + kMessageNames[type & 0xFFFF];
  } else if (actor_of(key) <= ActorClass::controller_node && type == model::Node::kPeerResetType) {
    label = "peer connection reset";
  } else if (actor_of(key) <= ActorClass::controller_node && type == 0xFFFF) {
    label = "pause over";
  } else if (TypeName const* name = find_type(key & ~kStale)) {
    label = name->name;
  } else {
    label = "type " + std::to_string(type);
  }
  if ((key & kStale) != 0) label += " (for a previous incarnation: dropped)";
  return label;
}

bool EventCensus::is_timeout(std::uint32_t key) {
  TypeName const* name = find_type(key & ~kStale);
  return name != nullptr && name->timeout;
}

std::uint64_t EventCensus::dead_timers() const {
  std::uint64_t dead = 0;
  for (auto const& [key, tally] : tallies_) {
    if (is_timeout(key)) dead += tally.idle;
  }
  return dead;
}

std::string EventCensus::table() const {
  std::vector<std::pair<std::uint32_t, Tally>> rows(tallies_.begin(), tallies_.end());
  std::stable_sort(rows.begin(), rows.end(), [](auto const& a, auto const& b) { return a.second.events > b.second.events; });
  // Little's law: the time-average number pending of a kind is its total time in the queue over the run.
  double const run_us = last_dispatch_ > 0 ? static_cast<double>(last_dispatch_) : 1.0;
  double const total = static_cast<double>(events_);
  std::string out =
      "| actor | event | dispatched | share | scheduled nothing | mean pending |\n"
      "|---|---|---:|---:|---:|---:|\n";
  std::int64_t queued_us = 0;
  std::int64_t dead_queued_us = 0;
  std::uint64_t timeouts = 0;
  for (auto const& [key, tally] : rows) {
    out += "| " + actor_label(key) + " | " + event_label(key) + (is_timeout(key) ? " (timeout)" : "") + " | " +
           std::to_string(tally.events) + " | " + percent(static_cast<double>(tally.events), total) + " | " +
           std::to_string(tally.idle) + " | " + fixed(static_cast<double>(tally.queued_us) / run_us, 1) + " |\n";
    queued_us += tally.queued_us;
    if (is_timeout(key)) {
      timeouts += tally.events;
      dead_queued_us += tally.idle_queued_us;
    }
  }
  std::uint64_t const dead = dead_timers();
  out += "\n" + std::to_string(events_) + " events dispatched; " + std::to_string(timeouts) + " timeouts (" +
         percent(static_cast<double>(timeouts), total) + "), of which " + std::to_string(dead) +
         " popped and changed nothing (dead timers: " + percent(static_cast<double>(dead), total) + " of all events); " +
         std::to_string(scheduled_at_.size() - events_ - pending_after_) + " were cancelled before they ran (timeouts answered in time), " +
         std::to_string(pending_after_) + " still pending when the run stopped.\n";
  out += "Pending events: " + fixed(static_cast<double>(queued_us) / run_us, 1) + " on average over simulated time, " +
         std::to_string(pending_peak_) + " at the peak; dead timers were " +
         percent(static_cast<double>(dead_queued_us), static_cast<double>(queued_us), 2) + " of the average.\n";
  return out;
}

}  // namespace brokersim::bench
