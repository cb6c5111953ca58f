// A fault kind: everything about one kind of fault ("crash", "partition", ...) in one descriptor — how its
// JSON object is read and checked, written back, described in the JSON Schema, and what it does to the
// running model. Each kind is one file under faults/kinds/, and faults/registry.cpp lists them.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults/selector.h"
#include "jsonio/reader.h"
#include "model/world/config.h"

namespace brokersim::faults {

struct FaultKind;
class Injection;

// What a kind's reader sees besides its JSON object: the names the scenario defines and its system.
class Reading {
 public:
  Reading(FaultKind const& kind, Names const& names, model::WorldConfig const& world) : kind_(kind), names_(names), world_(world) {}

  // A selector naming what this kind may act on (its `targets`).
  NodeSelector selector(jsonio::Value const& value) const;
  // The entry's "target" (required).
  NodeSelector target(jsonio::Value const& entry) const { return selector(entry.at("target")); }
  model::WorldConfig const& world() const { return world_; }

 private:
  FaultKind const& kind_;
  Names const& names_;
  model::WorldConfig const& world_;
};

// A fault in force that ends later, by its own follow-up events or when the drain begins.
class Lasting {
 public:
  virtual ~Lasting() = default;
  // A follow-up event scheduled with Injection::follow_up; `arg` as given there.
  virtual void follow_up(Injection&, std::uint64_t /*arg*/) {}
  // The drain begins (with heal_at_drain): end what is still in force.
  virtual void heal(Injection&) {}
};

// A Lasting that ends once: by its follow-up (its duration is over) or when the drain begins, whichever
// comes first.
class Ending : public Lasting {
 public:
  void follow_up(Injection& injection, std::uint64_t) final { finish(injection); }
  void heal(Injection& injection) final { finish(injection); }

 protected:
  virtual void end(Injection& injection) = 0;

 private:
  void finish(Injection& injection) {
    if (!active_) return;
    active_ = false;
    end(injection);
  }
  bool active_ = true;
};

struct FaultKind {
  std::string name;               // Its "kind" in scenario files.
  std::vector<std::string> keys;  // Its keys besides "kind" and "at_ms", in the format's order.
  TargetRule const* targets = nullptr;  // What its selectors may name.
  // Reads and checks the entry (its keys already checked against `keys`), with the loader's messages.
  std::function<std::any(jsonio::Value const& entry, Reading const& reading)> read;
  // Writes the spec's keys after "kind" and "at_ms" (every key, defaults included).
  std::function<void(std::any const& spec, nlohmann::ordered_json& out)> write;
  // Its object's JSON Schema (see fault_object).
  std::function<nlohmann::json(FaultKind const& kind)> schema;
  // What happens on the model when it begins.
  std::function<void(Injection& injection, std::any const& spec)> begin;
  // The event kind of its follow-ups (a Lasting's): unique among kinds, neither 0 nor 2 (the injector's
  // own); 0 when it has none. Event kinds are part of the trace digest, so a kind keeps its number.
  std::uint32_t follow_up_event = 0;
  // When the drain begins, faults in force are healed kind by kind in this order, then in the order
  // they began.
  int heal_order = 0;
  // For a kind that may grow a consumer group: how many instances group `group` (configured with
  // `instances`) may need for this raw entry, read before the faults are (their names depend on it).
  std::function<int(nlohmann::json const& entry, std::string const& group, int instances)> group_instances;
};

// A kind's definition with its own spec type; define_kind turns it into a FaultKind.
template <typename Spec>
struct Definition {
  std::string name;
  std::vector<std::string> keys;
  TargetRule const* targets = nullptr;
  Spec (*read)(jsonio::Value const& entry, Reading const& reading) = nullptr;
  void (*write)(Spec const& spec, nlohmann::ordered_json& out) = nullptr;
  nlohmann::json (*schema)(FaultKind const& kind) = nullptr;
  void (*begin)(Injection& injection, Spec const& spec) = nullptr;
  std::uint32_t follow_up_event = 0;
  int heal_order = 0;
  int (*group_instances)(nlohmann::json const& entry, std::string const& group, int instances) = nullptr;
};

template <typename Spec>
FaultKind define_kind(Definition<Spec> const& d) {
  FaultKind kind;
  kind.name = d.name;
  kind.keys = d.keys;
  kind.targets = d.targets;
  kind.read = [read = d.read](jsonio::Value const& entry, Reading const& reading) { return std::any(read(entry, reading)); };
  kind.write = [write = d.write](std::any const& spec, nlohmann::ordered_json& out) { write(std::any_cast<Spec const&>(spec), out); };
  kind.schema = d.schema;
  kind.begin = [begin = d.begin](Injection& injection, std::any const& spec) { begin(injection, std::any_cast<Spec const&>(spec)); };
  kind.follow_up_event = d.follow_up_event;
  kind.heal_order = d.heal_order;
  if (d.group_instances != nullptr) kind.group_instances = d.group_instances;
  return kind;
}

// The spec of a kind that acts on a target for a while (pause, outage): "target" and "duration_ms", both
// required, read, written and described the same way.
struct TargetFor {
  NodeSelector target;
  sim::Time duration = 0;
};
TargetFor read_target_for(jsonio::Value const& entry, Reading const& reading);
void write_target_for(TargetFor const& spec, nlohmann::ordered_json& out);
nlohmann::json target_for_schema(FaultKind const& kind);

// The schema of a kind's object: "kind" (this kind) and "at_ms", then its keys with `properties`;
// `required` besides "kind" and "at_ms".
nlohmann::json fault_object(FaultKind const& kind, nlohmann::json properties, std::vector<std::string> const& required);

}  // namespace brokersim::faults
