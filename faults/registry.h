// The fault kinds by name, and what works on any fault through its kind: reading, writing, the schema.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults/fault.h"
#include "faults/kind.h"

namespace brokersim::faults {

// Every kind, in the format's order (the order messages and the schema list them in). Built on first use.
std::vector<FaultKind const*> const& fault_kinds();
std::vector<std::string> const& fault_kind_names();
FaultKind const* find_kind(std::string const& name);  // nullptr when there is none.

// Reads one entry of the `faults` array: its kind, keys (an unknown key of another kind says whose it
// is), "at_ms" and the kind's own keys.
Fault read_fault(jsonio::Value const& entry, Names const& names, model::WorldConfig const& world);

// "kind", "at_ms", then the kind's keys.
nlohmann::ordered_json fault_to_json(Fault const& fault);

// The JSON Schema of a fault ($defs/fault): one if/then per kind.
nlohmann::json fault_schema();

// The most instances consumer group `group` (configured with `instances`) runs, given the raw
// `faults` array (a scale fault may ask for more). Read before the faults are.
int group_instances_max(nlohmann::json const& faults, std::string const& group, int instances);

}  // namespace brokersim::faults
