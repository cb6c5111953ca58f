// Validated fault specifications: what the scenario's `faults` array turns into.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sim/distribution.h"
#include "sim/time.h"

namespace brokersim::faults {

using sim::Distribution;
using sim::Time;

// A reference to one node or a set of nodes, resolved against the world when the fault fires (a
// `leader_of` selector names whoever leads the partition at that moment).
struct NodeSelector {
  enum class Kind : std::uint8_t {
    name,       // A broker, instance, service, producer or group (all instances), zone, or "brokers".
    leader_of,  // The current leader of `topic`/`partition`.
    random,     // One node drawn from the set named by `name` ("broker", "producer", "consumer",
                // "service", or a producer, group or zone name) with the fault's random stream.
    group,      // All instances of consumer group `name`.
  };
  Kind kind = Kind::name;
  std::string name;
  std::string topic;
  int partition = 0;

  friend bool operator==(NodeSelector const&, NodeSelector const&) = default;
};

struct Crash {
  NodeSelector target;
  std::optional<Time> restart_after;  // Unset: down until the drain heals it (if heal_at_drain).
  bool lose_unflushed = false;
};

struct Partition {
  std::vector<std::vector<NodeSelector>> sides;  // One side: cut off from every other node.
  Time duration = 0;
  bool one_way = false;  // Only traffic from the first side to the others is cut.
};

struct LinkFault {
  std::vector<NodeSelector> between;  // Two nodes or zones.
  Time duration = 0;
  std::optional<Distribution> latency;
  double loss = 0.0;
  double duplicate = 0.0;
  double reorder = 0.0;
};

struct ClockFault {
  NodeSelector target;
  Time offset = 0;          // Signed jump of the local clock.
  double drift_ppm = 0.0;   // Signed rate error from then on (or for `duration`).
  std::optional<Time> duration;
};

struct Pause {
  NodeSelector target;
  Time duration = 0;
};

struct Poison {
  NodeSelector target;  // A producer (all its instances) or one instance.
  std::optional<std::uint64_t> count;  // Exactly one of count and every is set.
  std::optional<std::uint64_t> every;
};

struct Outage {
  NodeSelector target;  // A service.
  Time duration = 0;
};

struct Slowdown {
  NodeSelector target;  // A group, instance or service.
  double factor = 1.0;
  Time duration = 0;
};

struct DlqReplay {
  NodeSelector target;  // A group.
  std::optional<double> rate_per_s;  // Unset: all at once.
};

struct SchemaChange {
  NodeSelector target;  // A producer.
  int version = 1;
};

struct Scale {
  NodeSelector target;  // A group.
  int instances = 1;
};

using FaultAction = std::variant<Crash, Partition, LinkFault, ClockFault, Pause, Poison, Outage, Slowdown,
                                 DlqReplay, SchemaChange, Scale>;

// One entry of the scenario's `faults` array.
struct Fault {
  Time at = 0;
  FaultAction action;
};

// The scenario name of a fault's kind ("crash", "partition", "link", ...).
char const* kind_name(FaultAction const& action);

}  // namespace brokersim::faults
