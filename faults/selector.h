// Node selectors: how a fault names the nodes it acts on. Their format (read with precise errors, written
// back, JSON Schema) and the names a scenario defines, which they are checked against.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jsonio/reader.h"
#include "model/world/config.h"

namespace brokersim::faults {

// A reference to one node or a set of nodes, resolved against the world when the fault fires (a
// `leader_of` selector names whoever leads the partition at that moment).
struct NodeSelector {
  enum class Kind : std::uint8_t {
    name,       // A broker, RabbitMQ node, instance, service, producer or group (all instances), zone, or "brokers".
    leader_of,  // The current leader of `topic`/`partition`.
    random,     // One node drawn from the set named by `name` ("broker", "controller", "rabbit", "producer",
                // "consumer", "service", or a producer, group or zone name) with the fault's random stream.
    group,      // All instances of consumer group `name`.
  };
  Kind kind = Kind::name;
  std::string name;
  std::string topic;
  int partition = 0;

  friend bool operator==(NodeSelector const&, NodeSelector const&) = default;
};

// The keys of a selector object.
inline std::vector<std::string> const kSelectorKeys = {"leader_of", "random", "group"};

// What a name in a fault or link can stand for.
enum class NameKind { broker, brokers, controller, controllers, producer, producer_instance, group, group_instance, service, zone, rabbit_node };

// Every name a scenario defines, with what it is. Built once, after the system is read (the scenario
// loader adds the producers, groups, services and their instances).
class Names {
 public:
  explicit Names(model::WorldConfig const& world);
  // Adds `name`; false when it is already taken.
  bool add(std::string const& name, NameKind kind) { return names_.emplace(name, kind).second; }
  std::optional<NameKind> find(std::string const& name) const;
  std::vector<std::string> all() const;

 private:
  std::map<std::string, NameKind> names_;
};

// The kinds of node a fault kind may act on, and how its messages describe them.
struct TargetRule {
  std::vector<NameKind> kinds;
  char const* described;
  bool allows(NameKind kind) const;
};
TargetRule const& any_node();    // Every kind of name: a node, a set of nodes or a selector.
TargetRule const& producers();   // A producer or producer instance.
TargetRule const& services();    // A service.
TargetRule const& groups();      // A consumer group.
TargetRule const& processing();  // A consumer group, consumer instance or service.

// Reads a selector at `value` for a fault of kind `kind`, which may act on `rule`'s targets.
NodeSelector read_selector(jsonio::Value const& value, Names const& names, model::WorldConfig const& world,
                           std::string const& kind, TargetRule const& rule);

nlohmann::ordered_json selector_to_json(NodeSelector const& selector);
nlohmann::ordered_json selectors_to_json(std::vector<NodeSelector> const& list);

// The JSON Schema of a selector ($defs/selector).
nlohmann::json selector_schema();

}  // namespace brokersim::faults
